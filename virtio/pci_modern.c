/*
 * virtio over PCI, modern interface (virtio 1.2 §4.1).  Register layout of the common
 * configuration (§4.1.4.3) as offsets; every access is of the field's width, as required.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/irq.h"
#include "core/log.h"
#include "virtio/pci_modern.h"

#define PCI_VENDOR_VIRTIO     0x1af4
#define PCI_CAP_VENDOR        0x09
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4

/* Common configuration (§4.1.4.3). */
#define CC_DFSELECT  0x00 /* le32 device_feature_select */
#define CC_DF        0x04 /* le32 device_feature */
#define CC_GFSELECT  0x08 /* le32 driver_feature_select */
#define CC_GF        0x0c /* le32 driver_feature */
#define CC_MSIX      0x10 /* le16 config_msix_vector */
#define CC_NUMQ      0x12 /* le16 num_queues */
#define CC_STATUS    0x14 /* u8 device_status */
#define CC_CFGGEN    0x15 /* u8 config_generation */
#define CC_Q_SELECT  0x16 /* le16 queue_select */
#define CC_Q_SIZE    0x18 /* le16 queue_size */
#define CC_Q_MSIX    0x1a /* le16 queue_msix_vector */
#define CC_Q_ENABLE  0x1c /* le16 queue_enable */
#define CC_Q_NOFF    0x1e /* le16 queue_notify_off */
#define CC_Q_DESCLO  0x20 /* le64 queue_desc */
#define CC_Q_AVAILLO 0x28 /* le64 queue_driver */
#define CC_Q_USEDLO  0x30 /* le64 queue_device */
#define CC_LEN       0x38

#define RESET_WAIT_SPINS 10000000

static struct virtio_pci *vp_of(struct virtio_dev *d)
{
    return (struct virtio_pci *)d; /* vdev is the first member */
}

static uint8_t r8(uintptr_t a)
{
    return *(volatile uint8_t *)a;
}
static uint16_t r16(uintptr_t a)
{
    return *(volatile uint16_t *)a;
}
static uint32_t r32(uintptr_t a)
{
    return *(volatile uint32_t *)a;
}
static void w8(uintptr_t a, uint8_t v)
{
    *(volatile uint8_t *)a = v;
}
static void w16(uintptr_t a, uint16_t v)
{
    *(volatile uint16_t *)a = v;
}
static void w32(uintptr_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}

static int config_read(struct virtio_dev *d, unsigned off, void *buf, unsigned width)
{
    struct virtio_pci *vp = vp_of(d);
    if (off > vp->device_len || width > vp->device_len - off)
        return -EINVAL;
    uintptr_t a = vp->device + off;
    switch (width) {
    case 1: {
        uint8_t v = r8(a);
        memcpy(buf, &v, 1);
        return 0;
    }
    case 2: {
        uint16_t v = r16(a);
        memcpy(buf, &v, 2);
        return 0;
    }
    case 4: {
        uint32_t v = r32(a);
        memcpy(buf, &v, 4);
        return 0;
    }
    case 8: {
        uint32_t v[2] = {r32(a), r32(a + 4)};
        memcpy(buf, v, 8);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

static int config_write(struct virtio_dev *d, unsigned off, const void *buf, unsigned width)
{
    struct virtio_pci *vp = vp_of(d);
    if (off > vp->device_len || width > vp->device_len - off)
        return -EINVAL;
    uintptr_t a = vp->device + off;
    switch (width) {
    case 1: {
        uint8_t v;
        memcpy(&v, buf, 1);
        w8(a, v);
        return 0;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, buf, 2);
        w16(a, v);
        return 0;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, buf, 4);
        w32(a, v);
        return 0;
    }
    case 8: {
        uint32_t v[2];
        memcpy(v, buf, 8);
        w32(a, v[0]);
        w32(a + 4, v[1]);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

static uint32_t config_generation(struct virtio_dev *d)
{
    return r8(vp_of(d)->common + CC_CFGGEN);
}

static uint64_t get_features(struct virtio_dev *d)
{
    uintptr_t c = vp_of(d)->common;
    w32(c + CC_DFSELECT, 0);
    uint64_t lo = r32(c + CC_DF);
    w32(c + CC_DFSELECT, 1);
    return lo | (uint64_t)r32(c + CC_DF) << 32;
}

static void set_features(struct virtio_dev *d, uint64_t f)
{
    uintptr_t c = vp_of(d)->common;
    w32(c + CC_GFSELECT, 0);
    w32(c + CC_GF, (uint32_t)f);
    w32(c + CC_GFSELECT, 1);
    w32(c + CC_GF, (uint32_t)(f >> 32));
}

static uint8_t get_status(struct virtio_dev *d)
{
    return r8(vp_of(d)->common + CC_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t s)
{
    w8(vp_of(d)->common + CC_STATUS, s);
}

static int reset(struct virtio_dev *d)
{
    /* §4.1.4.3.2: write 0, then wait until the device reads back 0. */
    set_status(d, 0);
    for (unsigned i = 0; i < RESET_WAIT_SPINS; i++)
        if (get_status(d) == 0)
            return 0;
    return -ETIMEDOUT;
}

static uint16_t num_queues(struct virtio_dev *d)
{
    return r16(vp_of(d)->common + CC_NUMQ);
}

static uint16_t queue_max_size(struct virtio_dev *d, uint16_t index)
{
    uintptr_t c = vp_of(d)->common;
    if (index >= num_queues(d))
        return 0;
    w16(c + CC_Q_SELECT, index);
    return r16(c + CC_Q_SIZE);
}

static int queue_setup(struct virtio_dev *d, uint16_t index, uint16_t size,
                       const struct virtio_vq_addrs *a, uint16_t vector)
{
    struct virtio_pci *vp = vp_of(d);
    uintptr_t c = vp->common;
    if (index >= num_queues(d) || index >= VIRTIO_PCI_MAX_QUEUES)
        return -EINVAL;
    w16(c + CC_Q_SELECT, index);
    w16(c + CC_Q_SIZE, size);
    w32(c + CC_Q_DESCLO, (uint32_t)a->desc);
    w32(c + CC_Q_DESCLO + 4, (uint32_t)(a->desc >> 32));
    w32(c + CC_Q_AVAILLO, (uint32_t)a->driver);
    w32(c + CC_Q_AVAILLO + 4, (uint32_t)(a->driver >> 32));
    w32(c + CC_Q_USEDLO, (uint32_t)a->device);
    w32(c + CC_Q_USEDLO + 4, (uint32_t)(a->device >> 32));
    /* §4.1.5.1.2.1: the device answers NO_VECTOR if it could not allocate the vector. */
    w16(c + CC_Q_MSIX, vector);
    if (vector != VIRTIO_MSI_NO_VECTOR && r16(c + CC_Q_MSIX) != vector)
        return -EIO;
    uint16_t noff = r16(c + CC_Q_NOFF);
    if ((uint64_t)noff * vp->notify_mult + 2 > vp->notify_len)
        return -EIO; /* the notify address would lie outside the notification area */
    vp->notify_off[index] = noff;
    return 0;
}

static int queue_enable(struct virtio_dev *d, uint16_t index)
{
    uintptr_t c = vp_of(d)->common;
    w16(c + CC_Q_SELECT, index);
    w16(c + CC_Q_ENABLE, 1);
    return 0;
}

static void notify(struct virtio_dev *d, uint16_t index)
{
    struct virtio_pci *vp = vp_of(d);
    /* §4.1.4.4: the queue's notify address; writing its index is the notification. */
    w16(vp->notify + (uintptr_t)vp->notify_off[index] * vp->notify_mult, index);
}

static uint8_t intr_ack(struct virtio_dev *d)
{
    return r8(vp_of(d)->isr); /* reading the ISR status acknowledges it (§4.1.4.5) */
}

/* INTERRUPT CONTEXT.  An MSI-X message needs no acknowledgement (§4.1.5.3: the ISR status is
 * not used with MSI-X): taking it has woken the core, whose main loop finds the work. */
static void msix_irq(void *arg)
{
}

static int queue_irq_route(struct virtio_dev *d, uint16_t index, uint32_t apic_id, uint16_t *vector)
{
    struct virtio_pci *vp = vp_of(d);
    uint64_t addr;
    uint32_t data;

    if (vp->msix_entries < 0)
        return -ENODEV;
    if (vp->msix_used >= (unsigned)vp->msix_entries)
        return -ENOSPC; /* the device offers fewer entries than queues asking (QEMU: vectors=) */
    int cpu_vector = core_irq_alloc(msix_irq, vp, vp->where);
    if (cpu_vector < 0)
        return cpu_vector;
    core_irq_msi_message(cpu_vector, apic_id, &addr, &data);
    int err = virtio_pci_msix_set(vp->pci, vp->msix_used, addr, data);
    if (err < 0)
        return err;
    /* §4.1.5.1.2: the queue is told this entry number at set-up (queue_msix_vector). */
    *vector = (uint16_t)vp->msix_used++;
    return 0;
}

static const struct virtio_transport_ops pci_ops = {
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

/* The address of a structure a virtio capability describes, checked against its BAR. */
static uintptr_t cap_addr(const struct pci_dev *p, unsigned cap, uint32_t need, uint32_t *len)
{
    uint8_t bar = virtio_pci_read8(p, cap + 4);
    uint32_t off = virtio_pci_read32(p, cap + 8);
    uint32_t length = virtio_pci_read32(p, cap + 12);
    if (bar > 5 || !p->bar[bar] || length < need || (uint64_t)off + length > p->bar_size[bar])
        return 0;
    if (len)
        *len = length;
    return (uintptr_t)(p->bar[bar] + off);
}

int virtio_pci_modern_probe(struct virtio_pci *vp, uint32_t device_id, unsigned n)
{
    /* §4.1.2: modern device ids are 0x1040 + id; transitional ones 0x1000..0x103f. */
    uint16_t transitional = device_id == 1 ? 0x1000 : device_id == 2 ? 0x1001 : 0;
    struct pci_dev *p =
        virtio_pci_find(PCI_VENDOR_VIRTIO, 0x1040 + device_id, 0x1040 + device_id, n);
    if (!p && transitional)
        p = virtio_pci_find(PCI_VENDOR_VIRTIO, transitional, transitional, n);
    if (!p)
        return -ENODEV;

    memset(vp, 0, sizeof(*vp));
    vp->pci = p;
    for (unsigned cap = virtio_pci_find_cap(p, PCI_CAP_VENDOR, 0); cap;
         cap = virtio_pci_find_cap(p, PCI_CAP_VENDOR, cap)) {
        uint8_t type = virtio_pci_read8(p, cap + 3);
        uint32_t len;
        switch (type) {
        case VIRTIO_PCI_CAP_COMMON:
            if (!vp->common)
                vp->common = cap_addr(p, cap, CC_LEN, NULL);
            break;
        case VIRTIO_PCI_CAP_NOTIFY:
            if (!vp->notify && (vp->notify = cap_addr(p, cap, 2, &len))) {
                vp->notify_len = len;
                vp->notify_mult = virtio_pci_read32(p, cap + 16);
            }
            break;
        case VIRTIO_PCI_CAP_ISR:
            if (!vp->isr)
                vp->isr = cap_addr(p, cap, 1, NULL);
            break;
        case VIRTIO_PCI_CAP_DEVICE:
            if (!vp->device && (vp->device = cap_addr(p, cap, 1, &len)))
                vp->device_len = len;
            break;
        default:
            break;
        }
    }
    if (!vp->common || !vp->notify || !vp->isr) {
        log_error("virtio-pci: %02x:%02x.%u lacks a usable common/notify/ISR structure", p->bus,
                  p->dev, p->fn);
        return -EINVAL;
    }
    virtio_pci_enable(p);
    vp->msix_entries = virtio_pci_msix_enable(p);
    snprintf(vp->where, sizeof(vp->where), "pci %02x:%02x.%u", p->bus, p->dev, p->fn);
    vp->vdev.ops = &pci_ops;
    vp->vdev.name = vp->where;
    vp->vdev.where = vp->where;
    vp->vdev.device_id = device_id;
    return 0;
}
