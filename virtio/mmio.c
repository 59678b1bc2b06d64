/*
 * virtio over MMIO, version 2 (virtio 1.2 §4.2.2).  Every register is 32 bits wide and is
 * accessed with 32-bit accesses (§4.2.2.2); the device configuration space at 0x100 with
 * accesses of each field's width.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "virtio/config.h"
#include "core/ioapic.h"
#include "core/irq.h"
#include "core/log.h"
#include "virtio/mmio.h"

/* §4.2.2: the register layout. */
#define REG_MAGIC        0x000 /* R: 0x74726976, "virt" in little-endian */
#define REG_VERSION      0x004 /* R: 2 (1 is the legacy interface, §4.2.4) */
#define REG_DEVICE_ID    0x008 /* R: VIRTIO_ID_*, 0 for an empty transport */
#define REG_VENDOR_ID    0x00c /* R */
#define REG_DEV_FEATURES 0x010 /* R: 32 feature bits selected by DEV_FEAT_SEL */
#define REG_DEV_FEAT_SEL 0x014 /* W: 0 = bits 0..31, 1 = bits 32..63 */
#define REG_DRV_FEATURES 0x020 /* W: 32 accepted feature bits selected by DRV_FEAT_SEL */
#define REG_DRV_FEAT_SEL 0x024 /* W */
#define REG_QUEUE_SEL    0x030 /* W: queue the QUEUE_* registers below refer to */
#define REG_QUEUE_NUM_MAX                                                                          \
    0x034                       /* R: largest size of the selected queue, 0 if it does not exist   \
                                 */
#define REG_QUEUE_NUM     0x038 /* W: size the driver uses */
#define REG_QUEUE_READY   0x044 /* RW: 1 = the selected queue is live */
#define REG_QUEUE_NOTIFY  0x050 /* W: queue index: an available-buffer notification */
#define REG_INT_STATUS    0x060 /* R: VIRTIO_ISR_* bits */
#define REG_INT_ACK       0x064 /* W: clears the VIRTIO_ISR_* bits written */
#define REG_STATUS        0x070 /* RW: device status (§2.1); writing 0 resets */
#define REG_QUEUE_DESC_LO 0x080 /* W: descriptor area, low / high 32 bits */
#define REG_QUEUE_DESC_HI 0x084
#define REG_QUEUE_DRV_LO  0x090 /* W: driver area (available ring) */
#define REG_QUEUE_DRV_HI  0x094
#define REG_QUEUE_DEV_LO  0x0a0 /* W: device area (used ring) */
#define REG_QUEUE_DEV_HI  0x0a4
#define REG_CONFIG_GEN    0x0fc /* R: configuration generation (§2.5) */
#define REG_CONFIG        0x100 /* device configuration space starts here */

#define MMIO_MAGIC      0x74726976u
#define MMIO_VERSION    2
#define MMIO_VERSION_V1 1

/*
 * Named limits of this transport (the entries come from the command line: not trusted).
 *   WINDOW_MIN    the registers plus 256 bytes of configuration (what QEMU's 512-byte
 *                 windows give; virtio-blk's configuration is 60 bytes, virtio-net's 24 or so);
 *   WINDOW_MAX    one page: the configuration space is never larger;
 *   WINDOW_ALIGN  QEMU packs its windows 512 bytes apart;
 *   GSI_MAX       GSIs above this are not plausible for a wired line (microvm has 24 or 48);
 *   MAX_QUEUES    queues num_queues() looks for (MMIO has no register for the count);
 *   RESET_SPINS   status reads while waiting for a reset to complete (§2.4.2).
 */
#define VIRTIO_MMIO_WINDOW_MIN   0x200u
#define VIRTIO_MMIO_WINDOW_MAX   0x1000u
#define VIRTIO_MMIO_WINDOW_ALIGN 0x200u
#define VIRTIO_MMIO_GSI_MAX      255u
#define VIRTIO_MMIO_MAX_QUEUES   64u
#define VIRTIO_MMIO_RESET_SPINS  10000000u

#ifdef TORIL_HOST_TEST
static uint32_t rd32(uintptr_t a)
{
    return virtio_mmio_host_read(a, 4);
}
static uint16_t rd16(uintptr_t a)
{
    return (uint16_t)virtio_mmio_host_read(a, 2);
}
static uint8_t rd8(uintptr_t a)
{
    return (uint8_t)virtio_mmio_host_read(a, 1);
}
static void wr32(uintptr_t a, uint32_t v)
{
    virtio_mmio_host_write(a, 4, v);
}
static void wr16(uintptr_t a, uint16_t v)
{
    virtio_mmio_host_write(a, 2, v);
}
static void wr8(uintptr_t a, uint8_t v)
{
    virtio_mmio_host_write(a, 1, v);
}
#else
/* The window is mapped uncached (boot/paging.c maps everything below 4 GiB that is not RAM so);
 * volatile keeps each access a single access of its width, in program order. */
static uint32_t rd32(uintptr_t a)
{
    return *(volatile uint32_t *)a;
}
static uint16_t rd16(uintptr_t a)
{
    return *(volatile uint16_t *)a;
}
static uint8_t rd8(uintptr_t a)
{
    return *(volatile uint8_t *)a;
}
static void wr32(uintptr_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}
static void wr16(uintptr_t a, uint16_t v)
{
    *(volatile uint16_t *)a = v;
}
static void wr8(uintptr_t a, uint8_t v)
{
    *(volatile uint8_t *)a = v;
}
#endif

static struct virtio_mmio *vm_of(struct virtio_dev *d)
{
    return (struct virtio_mmio *)d; /* vdev is the first member */
}

static uint32_t reg_read(struct virtio_dev *d, unsigned reg)
{
    return rd32(vm_of(d)->base + reg);
}

static void reg_write(struct virtio_dev *d, unsigned reg, uint32_t v)
{
    wr32(vm_of(d)->base + reg, v);
}

/* §4.2.2.2: 8-bit fields with 8-bit accesses, 16-bit with 16-bit, 32- and 64-bit fields with
 * aligned 32-bit accesses (a 64-bit field as two, low half first). */
static int config_read(struct virtio_dev *d, unsigned off, void *buf, unsigned width)
{
    struct virtio_mmio *m = vm_of(d);
    if (off > m->config_len || width > m->config_len - off || (off & (width > 4 ? 3 : width - 1)))
        return -EINVAL;
    uintptr_t a = m->base + REG_CONFIG + off;
    switch (width) {
    case 1: {
        uint8_t v = rd8(a);
        memcpy(buf, &v, 1);
        return 0;
    }
    case 2: {
        uint16_t v = rd16(a);
        memcpy(buf, &v, 2);
        return 0;
    }
    case 4: {
        uint32_t v = rd32(a);
        memcpy(buf, &v, 4);
        return 0;
    }
    case 8: {
        uint32_t v[2] = {rd32(a), rd32(a + 4)};
        memcpy(buf, v, 8);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

static int config_write(struct virtio_dev *d, unsigned off, const void *buf, unsigned width)
{
    struct virtio_mmio *m = vm_of(d);
    if (off > m->config_len || width > m->config_len - off || (off & (width > 4 ? 3 : width - 1)))
        return -EINVAL;
    uintptr_t a = m->base + REG_CONFIG + off;
    switch (width) {
    case 1: {
        uint8_t v;
        memcpy(&v, buf, 1);
        wr8(a, v);
        return 0;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, buf, 2);
        wr16(a, v);
        return 0;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, buf, 4);
        wr32(a, v);
        return 0;
    }
    case 8: {
        uint32_t v[2];
        memcpy(v, buf, 8);
        wr32(a, v[0]);
        wr32(a + 4, v[1]);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

static uint32_t config_generation(struct virtio_dev *d)
{
    return reg_read(d, REG_CONFIG_GEN);
}

static uint64_t get_features(struct virtio_dev *d)
{
    reg_write(d, REG_DEV_FEAT_SEL, 0);
    uint64_t lo = reg_read(d, REG_DEV_FEATURES);
    reg_write(d, REG_DEV_FEAT_SEL, 1);
    return lo | (uint64_t)reg_read(d, REG_DEV_FEATURES) << 32;
}

static void set_features(struct virtio_dev *d, uint64_t f)
{
    reg_write(d, REG_DRV_FEAT_SEL, 0);
    reg_write(d, REG_DRV_FEATURES, (uint32_t)f);
    reg_write(d, REG_DRV_FEAT_SEL, 1);
    reg_write(d, REG_DRV_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t get_status(struct virtio_dev *d)
{
    return (uint8_t)reg_read(d, REG_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t s)
{
    reg_write(d, REG_STATUS, s);
}

static int reset(struct virtio_dev *d)
{
    /* §4.2.2.1 / §2.4.2: write 0, then wait until the device reads back 0. */
    set_status(d, 0);
    for (unsigned i = 0; i < VIRTIO_MMIO_RESET_SPINS; i++)
        if (get_status(d) == 0)
            return 0;
    return -ETIMEDOUT;
}

/* The selected queue's maximum size; 0 when it does not exist. */
static uint32_t select_queue(struct virtio_dev *d, uint16_t index)
{
    reg_write(d, REG_QUEUE_SEL, index);
    return reg_read(d, REG_QUEUE_NUM_MAX);
}

/* MMIO has no queue count register: queues exist from 0 up to the first with QueueNumMax 0. */
static uint16_t num_queues(struct virtio_dev *d)
{
    uint16_t n = 0;
    while (n < VIRTIO_MMIO_MAX_QUEUES && select_queue(d, n) != 0)
        n++;
    return n;
}

static uint16_t queue_max_size(struct virtio_dev *d, uint16_t index)
{
    if (index >= VIRTIO_MMIO_MAX_QUEUES)
        return 0;
    uint32_t max = select_queue(d, index);
    return max > 0xffff ? 0xffff : (uint16_t)max; /* virtio_dev_queue_size() bounds it further */
}

static int queue_setup(struct virtio_dev *d, uint16_t index, uint16_t size,
                       const struct virtio_vq_addrs *a, uint16_t vector)
{
    /* MMIO has one interrupt line per device: there is no vector to route a queue to. */
    if (vector != VIRTIO_MSI_NO_VECTOR || index >= VIRTIO_MMIO_MAX_QUEUES)
        return -EINVAL;
    /* §4.2.3.2: select the queue, check it exists and is not in use, then tell the device the
     * size and the three areas.  QueueReady comes last (queue_enable). */
    uint32_t max = select_queue(d, index);
    if (max == 0 || size == 0 || size > max)
        return -EINVAL;
    if (reg_read(d, REG_QUEUE_READY) != 0)
        return -EIO;
    reg_write(d, REG_QUEUE_NUM, size);
    reg_write(d, REG_QUEUE_DESC_LO, (uint32_t)a->desc);
    reg_write(d, REG_QUEUE_DESC_HI, (uint32_t)(a->desc >> 32));
    reg_write(d, REG_QUEUE_DRV_LO, (uint32_t)a->driver);
    reg_write(d, REG_QUEUE_DRV_HI, (uint32_t)(a->driver >> 32));
    reg_write(d, REG_QUEUE_DEV_LO, (uint32_t)a->device);
    reg_write(d, REG_QUEUE_DEV_HI, (uint32_t)(a->device >> 32));
    return 0;
}

static int queue_enable(struct virtio_dev *d, uint16_t index)
{
    reg_write(d, REG_QUEUE_SEL, index);
    reg_write(d, REG_QUEUE_READY, 1);
    /* A device that cannot use the queue keeps QueueReady at 0. */
    return reg_read(d, REG_QUEUE_READY) == 1 ? 0 : -EIO;
}

static void notify(struct virtio_dev *d, uint16_t index)
{
    /* §4.2.2: writing the queue index to QueueNotify is the notification.  The ring writes
     * before it are ordered by the virtqueue layer's barrier and x86's store order. */
    reg_write(d, REG_QUEUE_NOTIFY, index);
}

/* INTERRUPT CONTEXT.  §4.2.2: read InterruptStatus, acknowledge exactly the bits seen (a bit
 * the device sets in between stays set and keeps the line up). */
static uint8_t intr_ack(struct virtio_dev *d)
{
    uint32_t isr = reg_read(d, REG_INT_STATUS) & (VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG);
    if (isr)
        reg_write(d, REG_INT_ACK, isr);
    return (uint8_t)isr;
}

/* INTERRUPT CONTEXT: acknowledge, nothing else.  Taking the interrupt has woken the core; its
 * main loop finds the work in the rings. */
static void mmio_irq(void *arg)
{
    intr_ack(arg);
}

/* One line for the whole device (§4.2.2: InterruptStatus is per device, not per queue): the
 * first queue routed aims it; later queues share it only if they want the same core. */
static int queue_irq_route(struct virtio_dev *d, uint16_t index, uint32_t apic_id, uint16_t *vector)
{
    struct virtio_mmio *m = vm_of(d);

    *vector = VIRTIO_MSI_NO_VECTOR; /* queue_setup takes no vector: there is nothing to pick */
    if (m->irq_routed)
        return m->irq_apic_id == apic_id ? 0 : -EBUSY;
    int cpu_vector = core_irq_alloc(mmio_irq, &m->vdev, m->name);
    if (cpu_vector < 0)
        return cpu_vector;
    /* QEMU's virtio-mmio drives its line at the level of (InterruptStatus != 0), and QEMU's
     * own microvm DSDT declares these lines Level, ActiveHigh.  Level triggering also means an
     * interrupt already pending when the pin is unmasked is not lost (no edge would come). */
    int err = core_ioapic_route_gsi(m->gsi, cpu_vector, apic_id, true, false);
    if (err < 0)
        return err;
    m->irq_routed = true;
    m->irq_apic_id = apic_id;
    m->irq_vector = cpu_vector;
    return 0;
}

static const struct virtio_transport_ops mmio_ops = {
    .config_read = config_read,
    .config_write = config_write,
    .config_generation = config_generation,
    .get_features = get_features,
    .set_features = set_features,
    .get_status = get_status,
    .set_status = set_status,
    .reset = reset,
    .num_queues = num_queues,
    .queue_max_size = queue_max_size,
    .queue_setup = queue_setup,
    .queue_enable = queue_enable,
    .notify = notify,
    .intr_ack = intr_ack,
    .queue_irq_route = queue_irq_route,
};

/* Whether an entry describes a window this transport may touch at all. */
static bool entry_shape_ok(const struct core_virtio_mmio *e)
{
    return e->size >= VIRTIO_MMIO_WINDOW_MIN && e->base % VIRTIO_MMIO_WINDOW_ALIGN == 0 &&
           e->base + e->size <= (1ull << 32) && e->base + e->size > e->base && e->irq != 0 &&
           e->irq <= VIRTIO_MMIO_GSI_MAX;
}

/* Whether command-line entry i is usable: a sane window and interrupt, and not a repeat of an
 * earlier usable entry (which would probe one device twice).  Logs why not. */
static bool entry_usable(unsigned i)
{
    const struct core_virtio_mmio *e = &virtio_config->virtio_mmio[i];
    if (!entry_shape_ok(e)) {
        log_warn("virtio-mmio: entry %u (%#llx bytes at %#llx, irq %u) skipped: need >= %#x "
                 "bytes, %#x-aligned, below 4 GiB, GSI 1..%u",
                 i, (unsigned long long)e->size, (unsigned long long)e->base, e->irq,
                 VIRTIO_MMIO_WINDOW_MIN, VIRTIO_MMIO_WINDOW_ALIGN, VIRTIO_MMIO_GSI_MAX);
        return false;
    }
    for (unsigned k = 0; k < i; k++) {
        const struct core_virtio_mmio *earlier = &virtio_config->virtio_mmio[k];
        if (earlier->base == e->base && entry_shape_ok(earlier)) {
            log_warn("virtio-mmio@%#llx: listed twice on the command line: entry %u skipped",
                     (unsigned long long)e->base, i);
            return false;
        }
    }
    return true;
}

int virtio_mmio_probe(struct virtio_mmio *m, uint32_t device_id, unsigned n)
{
    for (unsigned i = 0; i < virtio_config->virtio_mmio_count; i++) {
        const struct core_virtio_mmio *e = &virtio_config->virtio_mmio[i];
        if (!entry_usable(i))
            continue;
        uintptr_t base = (uintptr_t)e->base;
        if (rd32(base + REG_MAGIC) != MMIO_MAGIC) {
            log_warn("virtio-mmio@%#llx: no virtio magic value: entry skipped",
                     (unsigned long long)e->base);
            continue;
        }
        uint32_t version = rd32(base + REG_VERSION);
        uint32_t id = rd32(base + REG_DEVICE_ID);
        if (id == 0 || id != device_id)
            continue; /* an empty transport (§4.2.3.1.1), or another driver's device */
        if (version != MMIO_VERSION) {
            log_error("virtio-mmio@%#llx: device type %u has version %u%s: not used",
                      (unsigned long long)e->base, id, version,
                      version == MMIO_VERSION_V1
                          ? " (legacy; QEMU: -global virtio-mmio.force-legacy=false)"
                          : "");
            continue;
        }
        if (n-- > 0)
            continue;
        memset(m, 0, sizeof(*m));
        m->base = base;
        m->config_len =
            (uint32_t)(e->size < VIRTIO_MMIO_WINDOW_MAX ? e->size : VIRTIO_MMIO_WINDOW_MAX) -
            REG_CONFIG;
        m->gsi = e->irq;
        m->entry = i;
        snprintf(m->name, sizeof(m->name), "virtio-mmio@%#llx", (unsigned long long)e->base);
        m->vdev.ops = &mmio_ops;
        m->vdev.name = m->name;
        m->vdev.where = m->name;
        m->vdev.device_id = device_id;
        return 0;
    }
    return -ENODEV;
}
