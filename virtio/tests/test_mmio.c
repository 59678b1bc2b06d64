/*
 * Host unit tests of the virtio-mmio transport (virtio/mmio.c): register accesses go to a
 * model of virtio-mmio version 2 devices (virtio 1.2 §4.2.2) instead of memory.  Checks the
 * probe's distrust of command-line entries, the register protocol (feature halves, queue
 * set-up, QueueReady, notify, interrupt acknowledge, configuration widths), the IOAPIC
 * routing, and the virtio-blk driver end to end over this transport with the fake disk.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/config.h"
#include "core/ioapic.h"
#include "core/irq.h"
#include "core/log.h"
#include "tests/host/log_host.h"
#include "virtio/blk.h"
#include "virtio/mmio.h"
#include "virtio/pci_modern.h"
#include "virtio/tests/blk_disk.h"

#define V1    VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define EVENT VIRTIO_BIT(VIRTIO_F_EVENT_IDX)

#define NDEV   4
#define NQUEUE 4
#define WINDOW 0x200

/* --- the register model -------------------------------------------------------------------- */

struct regdev {
    uint64_t base;
    uint32_t magic, version, device_id;
    uint64_t features;        /* offered */
    uint64_t driver_features; /* written */
    uint32_t dev_sel, drv_sel, queue_sel;
    uint16_t qmax[NQUEUE];
    uint32_t qnum[NQUEUE], qready[NQUEUE];
    uint64_t desc[NQUEUE], driver[NQUEUE], device[NQUEUE];
    uint32_t isr, acks, status, generation;
    uint8_t config[256];
    unsigned notifies;
    uint32_t last_notify;
    unsigned bad_accesses;    /* wrong width or alignment: must stay 0 */
    struct fake_device *ring; /* if set, a live queue is handed to its ring side */
    struct fake_disk *disk;   /* if set, notifications of queue 0 are served by it */
};

static struct regdev devs[NDEV];

static struct regdev *find(uintptr_t addr, unsigned *off)
{
    for (unsigned i = 0; i < NDEV; i++) {
        if (devs[i].base && addr >= devs[i].base && addr < devs[i].base + WINDOW) {
            *off = (unsigned)(addr - devs[i].base);
            return &devs[i];
        }
    }
    return NULL;
}

static bool reg_ok(struct regdev *d, unsigned off, unsigned width)
{
    bool ok = off >= 0x100 ? (off & (width - 1)) == 0 && width <= 4 : width == 4 && !(off & 3);
    if (!ok) {
        d->bad_accesses++;
        fprintf(stderr, "mmio model: bad access at %#x width %u\n", off, width);
    }
    return ok;
}

static void device_reset(struct regdev *d)
{
    d->driver_features = 0;
    d->isr = 0;
    for (unsigned q = 0; q < NQUEUE; q++)
        d->qready[q] = 0;
    if (d->ring) {
        for (unsigned q = 0; q < FAKE_MAX_QUEUES; q++) {
            uint16_t max = d->ring->q[q].max;
            memset(&d->ring->q[q], 0, sizeof(d->ring->q[q]));
            d->ring->q[q].max = max;
        }
    }
}

uint32_t virtio_mmio_host_read(uintptr_t addr, unsigned width)
{
    unsigned off;
    struct regdev *d = find(addr, &off);
    uint32_t v = 0;
    if (!d)
        return 0xffffffff; /* nothing decodes there */
    if (!reg_ok(d, off, width))
        return 0;
    if (off >= 0x100) {
        memcpy(&v, d->config + off - 0x100, width);
        return v;
    }
    uint32_t q = d->queue_sel < NQUEUE ? d->queue_sel : 0;
    bool qvalid = d->queue_sel < NQUEUE;
    switch (off) {
    case 0x000:
        return d->magic;
    case 0x004:
        return d->version;
    case 0x008:
        return d->device_id;
    case 0x00c:
        return 0x554d4551; /* "QEMU" */
    case 0x010:
        return d->dev_sel == 0   ? (uint32_t)d->features
               : d->dev_sel == 1 ? (uint32_t)(d->features >> 32)
                                 : 0;
    case 0x034:
        return qvalid ? d->qmax[q] : 0;
    case 0x044:
        return qvalid ? d->qready[q] : 0;
    case 0x060:
        return d->isr;
    case 0x070:
        return d->status;
    case 0x0fc:
        return d->generation;
    default:
        d->bad_accesses++; /* a write-only or reserved register */
        fprintf(stderr, "mmio model: read of %#x\n", off);
        return 0;
    }
}

void virtio_mmio_host_write(uintptr_t addr, unsigned width, uint32_t v)
{
    unsigned off;
    struct regdev *d = find(addr, &off);
    if (!d || !reg_ok(d, off, width))
        return;
    if (off >= 0x100) {
        memcpy(d->config + off - 0x100, &v, width);
        return;
    }
    uint32_t q = d->queue_sel < NQUEUE ? d->queue_sel : 0;
    switch (off) {
    case 0x014:
        d->dev_sel = v;
        return;
    case 0x020:
        if (d->drv_sel < 2) {
            d->driver_features &= ~(0xffffffffull << (32 * d->drv_sel));
            d->driver_features |= (uint64_t)v << (32 * d->drv_sel);
        }
        if (d->ring)
            d->ring->driver_features = d->driver_features;
        return;
    case 0x024:
        d->drv_sel = v;
        return;
    case 0x030:
        d->queue_sel = v;
        return;
    case 0x038:
        d->qnum[q] = v;
        return;
    case 0x044:
        /* A queue goes live only with a valid size (the model refuses otherwise). */
        d->qready[q] = v == 1 && d->qnum[q] && d->qnum[q] <= d->qmax[q];
        if (d->qready[q] && d->ring && q < FAKE_MAX_QUEUES) {
            struct fake_queue *fq = &d->ring->q[q];
            fq->size = (uint16_t)d->qnum[q];
            fq->desc = (struct virtq_desc *)(uintptr_t)d->desc[q];
            fq->avail = (struct virtq_avail *)(uintptr_t)d->driver[q];
            fq->used = (struct virtq_used *)(uintptr_t)d->device[q];
            fq->enabled = true;
        }
        return;
    case 0x050:
        d->notifies++;
        d->last_notify = v;
        if (d->disk && v == 0)
            fake_disk_service(d->disk);
        return;
    case 0x064:
        d->isr &= ~v;
        d->acks++;
        return;
    case 0x070:
        d->status = v;
        if (v == 0)
            device_reset(d);
        return;
    case 0x080:
    case 0x084:
        d->desc[q] = off == 0x080 ? (d->desc[q] & ~0xffffffffull) | v
                                  : (d->desc[q] & 0xffffffffull) | (uint64_t)v << 32;
        return;
    case 0x090:
    case 0x094:
        d->driver[q] = off == 0x090 ? (d->driver[q] & ~0xffffffffull) | v
                                    : (d->driver[q] & 0xffffffffull) | (uint64_t)v << 32;
        return;
    case 0x0a0:
    case 0x0a4:
        d->device[q] = off == 0x0a0 ? (d->device[q] & ~0xffffffffull) | v
                                    : (d->device[q] & 0xffffffffull) | (uint64_t)v << 32;
        return;
    default:
        d->bad_accesses++;
        fprintf(stderr, "mmio model: write of %#x\n", off);
        return;
    }
}

/* A version-2 device at `base` with `nq` queues of size 256. */
static struct regdev *add_dev(unsigned slot, uint64_t base, uint32_t id, uint64_t features,
                              unsigned nq)
{
    struct regdev *d = &devs[slot];
    memset(d, 0, sizeof(*d));
    d->base = base;
    d->magic = 0x74726976;
    d->version = 2;
    d->device_id = id;
    d->features = features;
    for (unsigned q = 0; q < nq && q < NQUEUE; q++)
        d->qmax[q] = 256;
    return d;
}

/* --- kernel stand-ins ---------------------------------------------------------------------- */

static struct virtio_config test_config;
const struct virtio_config *const virtio_config = &test_config;

static core_irq_handler irq_fn;
static void *irq_arg;
static unsigned irq_allocs;
static uint32_t route_gsi, route_apic;
static int route_vector;
static bool route_level, route_active_low;

int core_irq_alloc(core_irq_handler fn, void *arg, const char *name)
{
    irq_fn = fn;
    irq_arg = arg;
    irq_allocs++;
    return 0x41;
}

int core_ioapic_route_gsi(uint32_t gsi, int vector, uint32_t apic_id, bool level, bool active_low)
{
    if (gsi >= 24)
        return -ENODEV;
    route_gsi = gsi;
    route_vector = vector;
    route_apic = apic_id;
    route_level = level;
    route_active_low = active_low;
    return 0;
}

int virtio_pci_modern_probe(struct virtio_pci *vp, uint32_t device_id, unsigned n)
{
    return -ENODEV; /* no PCI: virtio_blk_init() falls back to MMIO */
}

static void add_entry(uint64_t size, uint64_t base, uint32_t irq)
{
    struct core_virtio_mmio *e = &test_config.virtio_mmio[test_config.virtio_mmio_count++];
    *e = (struct core_virtio_mmio){.base = base, .size = size, .irq = irq};
}

static int setup(void **state)
{
    memset(devs, 0, sizeof(devs));
    memset(&test_config, 0, sizeof(test_config));
    irq_fn = NULL;
    irq_allocs = 0;
    return 0;
}

/* --- tests --------------------------------------------------------------------------------- */

/* Bad entries are skipped with a log line; empty slots silently; legacy devices of the wanted
 * type are refused naming their base; the n-th good device is found. */
static void test_probe_distrusts_entries(void **state)
{
    struct virtio_mmio m;

    add_dev(0, 0xfeb00000, VIRTIO_ID_BLOCK, V1, 1); /* listed with a too-small window */
    add_dev(1, 0xfeb00200, 0, 0, 0);                /* empty transport */
    add_dev(2, 0xfeb00400, VIRTIO_ID_BLOCK, V1, 1)->version = 1; /* legacy */
    add_dev(3, 0xfeb00600, VIRTIO_ID_BLOCK, V1, 1);              /* the good one */
    add_entry(0x100, 0xfeb00000, 5);
    add_entry(0x200, 0xfeb00010, 5);     /* misaligned */
    add_entry(0x200, 0x1feb00000ull, 5); /* above 4 GiB */
    add_entry(0x200, 0xfeb00600, 0);     /* irq 0 */
    add_entry(0x200, 0xfeb00600, 1000);  /* not a GSI */
    add_entry(0x200, 0xfea00000, 6);     /* nothing there: no magic */
    add_entry(0x200, 0xfeb00200, 7);     /* empty */
    add_entry(0x200, 0xfeb00400, 8);     /* legacy */
    add_entry(0x200, 0xfeb00600, 9);     /* good */
    add_entry(0x200, 0xfeb00600, 9);     /* the same again */

    unsigned warns = log_host_count[LOG_WARN], errors = log_host_count[LOG_ERROR];
    assert_int_equal(virtio_mmio_probe(&m, VIRTIO_ID_BLOCK, 0), 0);
    assert_int_equal(m.base, 0xfeb00600);
    assert_int_equal(m.gsi, 9);
    assert_int_equal(m.entry, 8);
    assert_int_equal(m.config_len, 0x100);
    assert_string_equal(m.vdev.name, "virtio-mmio@0xfeb00600");
    assert_int_equal(m.vdev.device_id, VIRTIO_ID_BLOCK);
    assert_int_equal(log_host_count[LOG_WARN] - warns, 6);   /* size, align, 4 GiB, irq x2, magic */
    assert_int_equal(log_host_count[LOG_ERROR] - errors, 1); /* legacy */

    errors = log_host_count[LOG_ERROR];
    assert_int_equal(virtio_mmio_probe(&m, VIRTIO_ID_BLOCK, 1), -ENODEV);
    assert_non_null(strstr(log_host_last, "listed twice"));
    assert_int_equal(log_host_count[LOG_ERROR] - errors, 1);
    assert_int_equal(virtio_mmio_probe(&m, VIRTIO_ID_NET, 0), -ENODEV);
    for (unsigned i = 0; i < NDEV; i++)
        assert_int_equal(devs[i].bad_accesses, 0);
    assert_int_equal(devs[3].status, 0); /* probing does not touch the device */
}

static void test_probe_legacy_named(void **state)
{
    struct virtio_mmio m;
    add_dev(0, 0xfeb00e00, VIRTIO_ID_NET, V1, 2)->version = 1;
    add_entry(0x200, 0xfeb00e00, 12);
    assert_int_equal(virtio_mmio_probe(&m, VIRTIO_ID_NET, 0), -ENODEV);
    assert_non_null(strstr(log_host_last, "virtio-mmio@0xfeb00e00"));
    assert_non_null(strstr(log_host_last, "legacy"));
}

/* The §3.1.1 sequence and queue set-up over the registers. */
static void test_transport_registers(void **state)
{
    struct virtio_mmio m;
    struct virtio_vq vq;
    struct virtio_vq_addrs a;
    struct regdev *d = add_dev(0, 0xfeb00e00, VIRTIO_ID_NET,
                               V1 | EVENT | VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(40), 3);
    uint64_t cfg64 = 0x1122334455667788ull, got64;
    uint8_t mac[6];
    memcpy(d->config, "\x52\x54\x00\x12\x34\x56", 6);
    memcpy(d->config + 8, &cfg64, 8);
    add_entry(0x200, 0xfeb00e00, 12);
    assert_int_equal(virtio_mmio_probe(&m, VIRTIO_ID_NET, 0), 0);

    d->status = 0x0f; /* left by a previous user: reset clears it */
    assert_int_equal(virtio_dev_init_begin(&m.vdev, VIRTIO_BIT(VIRTIO_NET_F_MAC) | EVENT, 0), 0);
    assert_int_equal(d->driver_features, V1 | EVENT | VIRTIO_BIT(VIRTIO_NET_F_MAC));
    assert_int_equal(d->status,
                     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);

    /* Configuration: byte arrays byte-wise, 64-bit fields as two aligned 32-bit reads. */
    assert_int_equal(virtio_config_read(&m.vdev, 0, mac, 6), 0);
    assert_memory_equal(mac, "\x52\x54\x00\x12\x34\x56", 6);
    assert_int_equal(virtio_config_read(&m.vdev, 8, &got64, 8), 0);
    assert_int_equal(got64, cfg64);
    assert_int_equal(m.vdev.ops->config_read(&m.vdev, 0xfe, &got64, 4), -EINVAL); /* past end */
    assert_int_equal(m.vdev.ops->config_read(&m.vdev, 2, &got64, 4), -EINVAL);    /* misaligned */

    /* Queues: counted up to the first missing one; set up through the registers. */
    assert_int_equal(m.vdev.ops->num_queues(&m.vdev), 3);
    assert_int_equal(m.vdev.ops->queue_max_size(&m.vdev, 3), 0);
    assert_int_equal(virtio_dev_queue_size(&m.vdev, 1, 1024), 256);
    size_t len = virtio_vq_mem_size(64, false);
    void *mem = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
    struct virtio_vq_setup s = {.index = 1, .size = 64, .vector = 3, .mem = mem, .mem_len = len};
    assert_int_equal(virtio_dev_vq_setup(&m.vdev, &vq, &s), -EINVAL); /* no vectors on MMIO */
    s.vector = VIRTIO_MSI_NO_VECTOR;
    assert_int_equal(virtio_dev_vq_setup(&m.vdev, &vq, &s), 0);
    virtio_vq_ring_addrs(&vq, &a);
    assert_int_equal(d->qnum[1], 64);
    assert_int_equal(d->desc[1], a.desc);
    assert_int_equal(d->driver[1], a.driver);
    assert_int_equal(d->device[1], a.device);
    assert_int_equal(d->qready[1], 1);
    assert_int_equal(d->qready[0], 0);
    /* A live queue is not set up again. */
    assert_int_equal(m.vdev.ops->queue_setup(&m.vdev, 1, 64, &a, VIRTIO_MSI_NO_VECTOR), -EIO);
    /* Larger than the device's maximum: refused before any register is written. */
    d->qmax[2] = 8;
    assert_int_equal(m.vdev.ops->queue_setup(&m.vdev, 2, 16, &a, VIRTIO_MSI_NO_VECTOR), -EINVAL);
    assert_int_equal(d->qnum[2], 0);
    /* A device that keeps QueueReady at 0 fails the enable. */
    assert_int_equal(m.vdev.ops->queue_enable(&m.vdev, 2), -EIO);

    assert_int_equal(virtio_dev_init_finish(&m.vdev), 0);
    assert_true(d->status & VIRTIO_STATUS_DRIVER_OK);

    /* Notify writes the queue index; the interrupt acknowledge clears exactly what it read. */
    m.vdev.ops->notify(&m.vdev, 1);
    assert_int_equal(d->notifies, 1);
    assert_int_equal(d->last_notify, 1);
    d->isr = VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG;
    assert_int_equal(m.vdev.ops->intr_ack(&m.vdev), VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG);
    assert_int_equal(d->isr, 0);
    assert_int_equal(m.vdev.ops->intr_ack(&m.vdev), 0);
    assert_int_equal(d->acks, 1); /* nothing to acknowledge: no write */

    /* Reset: status 0, read back. */
    assert_int_equal(m.vdev.ops->reset(&m.vdev), 0);
    assert_int_equal(d->status, 0);
    assert_int_equal(d->qready[1], 0);
    assert_int_equal(d->bad_accesses, 0);
    free(mem);
}

/* The line is routed level-triggered, active high, to the chosen core, once for all queues (no
 * per-queue vector); queues wanting another core are refused (-EBUSY); the handler acks. */
static void test_route_irq(void **state)
{
    struct virtio_mmio m;
    uint16_t vector = 0;
    struct regdev *d = add_dev(0, 0xfeb00c00, VIRTIO_ID_NET, V1, 2);
    add_entry(0x200, 0xfeb00c00, 11);
    add_dev(1, 0xfeb00e00, VIRTIO_ID_BLOCK, V1, 1);
    add_entry(0x200, 0xfeb00e00, 30); /* no IOAPIC serves it */
    assert_int_equal(virtio_mmio_probe(&m, VIRTIO_ID_NET, 0), 0);
    assert_int_equal(m.vdev.ops->queue_irq_route(&m.vdev, 0, 3, &vector), 0);
    assert_int_equal(vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(route_gsi, 11);
    assert_int_equal(route_vector, 0x41);
    assert_int_equal(route_apic, 3);
    assert_true(route_level);
    assert_false(route_active_low);
    assert_int_equal(irq_allocs, 1);
    d->isr = VIRTIO_ISR_QUEUE;
    irq_fn(irq_arg);
    assert_int_equal(d->isr, 0);
    assert_int_equal(d->acks, 1);

    /* Another queue on the same core shares the line: nothing new is allocated. */
    vector = 0;
    assert_int_equal(m.vdev.ops->queue_irq_route(&m.vdev, 1, 3, &vector), 0);
    assert_int_equal(vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(irq_allocs, 1);
    /* A queue that wants another core cannot have the line. */
    assert_int_equal(m.vdev.ops->queue_irq_route(&m.vdev, 1, 4, &vector), -EBUSY);
    assert_int_equal(route_apic, 3);
    assert_int_equal(irq_allocs, 1);

    assert_int_equal(virtio_mmio_probe(&m, VIRTIO_ID_BLOCK, 0), 0);
    assert_int_equal(m.vdev.ops->queue_irq_route(&m.vdev, 0, 0, &vector), -ENODEV);
    /* Not routed: a later attempt tries again rather than claiming the line is aimed. */
    assert_int_equal(m.vdev.ops->queue_irq_route(&m.vdev, 0, 1, &vector), -ENODEV);
    assert_int_equal(d->bad_accesses, 0);
}

/* virtio_blk_init() finds the disk on MMIO when there is no PCI device, and reads it. */
static void test_blk_over_mmio(void **state)
{
    struct fake_device fd;
    struct fake_disk disk;
    uint64_t sectors = 10000;
    struct regdev *d = add_dev(1, 0xfeb00e00, VIRTIO_ID_BLOCK, V1 | EVENT, 1);
    add_dev(0, 0xfeb00c00, VIRTIO_ID_NET, V1, 2);
    add_entry(0x200, 0xfeb00c00, 11);
    add_entry(0x200, 0xfeb00e00, 12);
    memcpy(d->config, &sectors, 8);
    fake_device_init(&fd, VIRTIO_ID_BLOCK, V1 | EVENT, 1, 256);
    fake_disk_init(&disk, &fd, sectors);
    d->ring = &fd;
    d->disk = &disk;

    assert_int_equal(virtio_blk_init(), 0);
    assert_non_null(strstr(log_host_last, "virtio-blk: virtio-mmio@0xfeb00e00: 10000 sectors"));
    assert_int_equal(virtio_blk_sectors(), sectors);
    uint8_t *b = malloc(3000 * 512);
    assert_int_equal(virtio_blk_read(17, 3000, b), 0);
    assert_true(fake_disk_check(b, 17, 3000));
    assert_true(disk.max_batch > 1);
    assert_int_equal(disk.bad_requests, 0);
    assert_int_equal(fd.driver_errors, 0);
    assert_int_equal(d->bad_accesses, 0);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_probe_distrusts_entries, setup),
        cmocka_unit_test_setup(test_probe_legacy_named, setup),
        cmocka_unit_test_setup(test_transport_registers, setup),
        cmocka_unit_test_setup(test_route_irq, setup),
        cmocka_unit_test_setup(test_blk_over_mmio, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
