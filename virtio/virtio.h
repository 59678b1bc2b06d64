/*
 * The device-independent virtio layer: the contract between a transport (virtio 1.x modern
 * PCI, virtio-mmio version 2) and a device driver (virtio-net, virtio-blk), and the
 * initialization sequence of virtio 1.2 §3.1.1 on top of it.
 *
 * A transport discovers a device, fills a struct virtio_dev (usually embedded in its own
 * per-device struct, reached back with container_of) and implements struct virtio_transport_ops.
 * A driver then runs, at boot on one core:
 *
 *     virtio_dev_init_begin(dev, features the driver implements, features it cannot do without)
 *         reset, ACKNOWLEDGE, DRIVER, feature negotiation, FEATURES_OK (§3.1.1 steps 1-6)
 *     virtio_config_read(...)                 device configuration (MAC, capacity, ...)
 *     virtio_dev_queue_size(), virtio_vq_mem_size(), allocate, virtio_dev_vq_setup()  per queue
 *     virtio_dev_init_finish(dev)             DRIVER_OK (§3.1.1 step 8)
 *
 * and on any failure after virtio_dev_init_begin() succeeded, virtio_dev_fail(dev).
 * Only virtio 1.x ("modern") devices are driven: VIRTIO_F_VERSION_1 is always required.
 */
#ifndef VIRTIO_VIRTIO_H
#define VIRTIO_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtq.h"

/* Feature bit b as a mask. */
#define VIRTIO_BIT(b) (1ULL << (b))

/* §2.1: device status bits.  The driver only ever sets bits (§2.1.1); 0 resets. */
#define VIRTIO_STATUS_ACKNOWLEDGE        1   /* the guest noticed the device */
#define VIRTIO_STATUS_DRIVER             2   /* the guest has a driver for it */
#define VIRTIO_STATUS_DRIVER_OK          4   /* the driver is ready: the device is live */
#define VIRTIO_STATUS_FEATURES_OK        8   /* the driver accepted features; device agreed */
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64  /* the device hit an error it cannot recover from */
#define VIRTIO_STATUS_FAILED             128 /* the driver gave up on the device */

/* §5: device types (PCI device id 0x1040 + type for modern devices; MMIO DeviceID). */
#define VIRTIO_ID_NET   1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG   4

/* §6: feature bits reserved for the queue and transport (bits 24 .. 41; 42 .. 49 are reserved
 * for future extensions).  The ones this layer implements: */
#define VIRTIO_F_INDIRECT_DESC 28 /* indirect descriptor tables (§2.7.5.3) */
#define VIRTIO_F_EVENT_IDX     29 /* used_event / avail_event suppression (§2.7.7, §2.7.10) */
#define VIRTIO_F_VERSION_1     32 /* virtio 1.x device (non-legacy interface) */
/* Bits 24 .. 49: whatever a driver asks for here must be implemented by this layer. */
#define VIRTIO_F_TRANSPORT_MASK (((1ULL << 26) - 1) << 24)
/* The transport features this layer (virtq.c, virtio.c) implements. */
#define VIRTIO_F_IMPLEMENTED                                                                       \
    (VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |                         \
     VIRTIO_BIT(VIRTIO_F_VERSION_1))

/* §5.1.3: virtio-net feature bits a driver may implement. */
#define VIRTIO_NET_F_CSUM       0  /* device takes packets with partial checksum */
#define VIRTIO_NET_F_GUEST_CSUM 1  /* driver takes packets with partial / validated checksum */
#define VIRTIO_NET_F_MTU        3  /* device reports its maximum MTU in config */
#define VIRTIO_NET_F_HOST_TSO4  11 /* device takes TCP/IPv4 frames to segment (needs CSUM) */
#define VIRTIO_NET_F_MAC        5  /* device has a MAC address in config */
#define VIRTIO_NET_F_MRG_RXBUF  15 /* driver can merge receive buffers */
#define VIRTIO_NET_F_STATUS     16 /* config status field (link up) is available */
#define VIRTIO_NET_F_CTRL_VQ    17 /* control channel available */
#define VIRTIO_NET_F_MQ         22 /* multiqueue with automatic receive steering */

/* §5.2.3: virtio-blk feature bits a driver may implement. */
#define VIRTIO_BLK_F_SIZE_MAX 1  /* config size_max: largest segment */
#define VIRTIO_BLK_F_SEG_MAX  2  /* config seg_max: most segments per request */
#define VIRTIO_BLK_F_RO       5  /* device is read-only */
#define VIRTIO_BLK_F_BLK_SIZE 6  /* config blk_size: block size of the disk */
#define VIRTIO_BLK_F_FLUSH    9  /* cache flush command support */
#define VIRTIO_BLK_F_MQ       12 /* config num_queues */

/* Interrupt status bits: PCI ISR capability (§4.1.4.5), MMIO InterruptStatus (§4.2.2). */
#define VIRTIO_ISR_QUEUE  1 /* a used-buffer notification */
#define VIRTIO_ISR_CONFIG 2 /* a configuration change notification */

/* §4.1.5.1.2 (MSI-X vector configuration): "no vector" for a queue or the configuration. */
#define VIRTIO_MSI_NO_VECTOR 0xffff

struct virtio_dev;

/*
 * What a transport implements.  All functions are called by the virtio layer and drivers at
 * boot on one core, except notify (main loop of the queue's owner) and intr_ack (interrupt
 * handler).  Register accesses are device I/O: none of these functions may block for long; the
 * only one that waits (reset) MUST bound its wait.  Values the device returns are untrusted:
 * transports MUST bounds-check offsets against their own register and configuration sizes.
 */
struct virtio_transport_ops {
    /* Device configuration space (§2.5): one field of `width` 1, 2, 4 or 8 bytes at `offset`,
     * naturally aligned (8-byte fields at 4-byte alignment), copied to/from buf.  PCI needs
     * accesses of the field's width (8-byte fields as two 32-bit accesses).  Return 0, or
     * -EINVAL when the field lies outside the device's configuration space or width is bad.
     * Use virtio_config_read() rather than config_read: it handles the generation count. */
    int (*config_read)(struct virtio_dev *dev, unsigned offset, void *buf, unsigned width);
    int (*config_write)(struct virtio_dev *dev, unsigned offset, const void *buf, unsigned width);
    /* §2.5: configuration generation; changes whenever the device changes its configuration. */
    uint32_t (*config_generation)(struct virtio_dev *dev);

    /* §2.2: the 64 feature bits the device offers / the driver accepts. */
    uint64_t (*get_features)(struct virtio_dev *dev);
    void (*set_features)(struct virtio_dev *dev, uint64_t features);

    /* §2.1: device status byte.  set_status writes the whole byte. */
    uint8_t (*get_status)(struct virtio_dev *dev);
    void (*set_status)(struct virtio_dev *dev, uint8_t status);

    /* §2.4: write 0 to the status and wait, bounded, until the device reads back 0 (§2.4.2;
     * PCI §4.1.4.3.2).  Return 0, or -ETIMEDOUT. */
    int (*reset)(struct virtio_dev *dev);

    /* Number of queues the device has (for virtio-net: read after FEATURES_OK). */
    uint16_t (*num_queues)(struct virtio_dev *dev);
    /* Largest size queue `index` supports; 0 when the queue does not exist or is unusable. */
    uint16_t (*queue_max_size)(struct virtio_dev *dev, uint16_t index);
    /* Tells the device size and the three ring addresses of queue `index`, and routes its
     * notifications to MSI-X `vector` (or VIRTIO_MSI_NO_VECTOR for none: MMIO, INTx).  Return 0,
     * -EINVAL (bad index or size), or -EIO (the device refused the vector or the queue). */
    int (*queue_setup)(struct virtio_dev *dev, uint16_t index, uint16_t size,
                       const struct virtio_vq_addrs *addrs, uint16_t vector);
    /* Makes a set-up queue live (PCI queue_enable, MMIO QueueReady).  Return 0 or -EIO. */
    int (*queue_enable)(struct virtio_dev *dev, uint16_t index);

    /* §2.9 / transport: available-buffer notification for queue `index`.  Main loop of the
     * queue's owning core; one register write. */
    void (*notify)(struct virtio_dev *dev, uint16_t index);

    /* Interrupt acknowledge for INTx and MMIO: reads (and for MMIO acknowledges) the interrupt
     * status, returning VIRTIO_ISR_* bits.  INTERRUPT CONTEXT.  Not needed with MSI-X. */
    uint8_t (*intr_ack)(struct virtio_dev *dev);

    /* Aims the used-buffer notifications of queue `index` at the core with LAPIC id `apic_id`,
     * so they wake that core from hlt.  The transport allocates the CPU vector and installs its
     * own handler, which MUST only acknowledge what its mechanism needs acknowledged (nothing
     * for MSI-X; InterruptStatus for a level-triggered line): the woken core's main loop finds
     * the work in the ring.  On success *vector is what queue_setup takes for this queue: an
     * MSI-X table entry (PCI), or VIRTIO_MSI_NO_VECTOR where the device has one interrupt for
     * all its queues (MMIO: one level-triggered line, which can reach one core only).
     * Call before queue_setup for that queue; boot, one core.  Returns 0;
     *   -EBUSY   the interrupt is shared by the device's queues and already aims at another
     *            core (so this queue cannot wake its own core);
     *   -ENOSPC  no CPU vector or MSI-X table entry is left;
     *   -ENODEV  the platform cannot deliver it (no MSI-X, no IOAPIC serves the line).
     * On failure nothing was routed and *vector is VIRTIO_MSI_NO_VECTOR: the queue has no
     * interrupt. */
    int (*queue_irq_route)(struct virtio_dev *dev, uint16_t index, uint32_t apic_id,
                           uint16_t *vector);
};

/* A virtio device as drivers see it.  Filled by the transport; features by init_begin. */
struct virtio_dev {
    const struct virtio_transport_ops *ops; /* the transport behind this device */
    const char *name;                       /* for log lines, never NULL: "virtio-net" */
    const char *where;                      /* transport and address, for log lines, never
                                               NULL: "pci 00:03.0", "virtio-mmio@0xfeb00e00" */
    uint32_t device_id;                     /* VIRTIO_ID_* */
    uint64_t features;                      /* negotiated; valid after virtio_dev_init_begin() */
};

/* Whether feature bit `bit` was negotiated.  Any context. */
static inline bool virtio_dev_has(const struct virtio_dev *dev, unsigned bit)
{
    return (dev->features & VIRTIO_BIT(bit)) != 0;
}

/*
 * §3.1.1 steps 1-6: reset the device, set ACKNOWLEDGE and DRIVER, read the device's features,
 * accept (device & driver_features) plus VERSION_1, set FEATURES_OK and re-read the status to
 * check the device agreed.  dev->features holds the result.
 *
 * driver_features: the features the driver implements, nothing else (device-type bits, and in
 * the transport range only VIRTIO_F_IMPLEMENTED bits: asking for another is a programming
 * error and panics).  required: the subset the driver cannot work without.
 * Returns 0; -ENOTSUP when the device lacks VERSION_1 or a required feature, or rejected
 * FEATURES_OK; -ETIMEDOUT when the reset did not complete.  On failure FAILED is set.
 * Boot, one core; waits only for the device reset (bounded by the transport).
 */
int virtio_dev_init_begin(struct virtio_dev *dev, uint64_t driver_features, uint64_t required);

/*
 * Reads a configuration field (width 1, 2, 4 or 8) or, for any other length, a byte array
 * (e.g. a MAC address) at `offset`, retrying while the configuration generation changes
 * during the read (§2.5.1), so multi-field and 64-bit values are consistent.
 * Returns 0, -EINVAL (outside the configuration space), or -EIO when the generation kept
 * changing for VIRTIO_CONFIG_READ_TRIES attempts.  Boot or main loop; the caller owns buf.
 */
int virtio_config_read(struct virtio_dev *dev, unsigned offset, void *buf, unsigned len);

/*
 * The queue size to use for queue `index`: min(wanted, the device's maximum), rounded down to
 * a power of two; 0 when the queue does not exist.  Boot.
 */
uint16_t virtio_dev_queue_size(struct virtio_dev *dev, uint16_t index, uint16_t wanted);

/* How to set up one queue (virtio_dev_vq_setup()). */
struct virtio_vq_setup {
    uint16_t index;     /* queue number within the device */
    uint16_t size;      /* from virtio_dev_queue_size() */
    bool want_indirect; /* use indirect tables if VIRTIO_F_INDIRECT_DESC was negotiated */
    uint16_t vector;    /* MSI-X vector, or VIRTIO_MSI_NO_VECTOR */
    void *mem;          /* virtio_vq_mem_size(size, want_indirect) bytes, 16-byte aligned,
                           DMA-reachable; owned by the queue until the device is reset */
    size_t mem_len;     /* bytes at mem */
};

/*
 * §3.1.1 step 7 for one queue: lays out `vq` in s->mem with the negotiated EVENT_IDX and
 * INDIRECT_DESC, gives the transport its addresses and vector, and enables it.  The queue's
 * notifications go to the transport's notify.  Returns 0, -ENOENT when the queue does not
 * exist, -EINVAL for a bad size or memory, or the transport's error.  The caller decides
 * whether to virtio_dev_fail().  Boot, between init_begin and init_finish; the vq is then
 * handed to its owning core.
 */
int virtio_dev_vq_setup(struct virtio_dev *dev, struct virtio_vq *vq,
                        const struct virtio_vq_setup *s);

/*
 * §3.1.1 steps 7 and 8 for a device with one queue, queue 0, that its driver polls
 * (virtio-blk, virtio-rng): sets it up at `size` in mem (virtio_vq_mem_size(size, false)
 * bytes, DMA-reachable, zeroed; no indirect tables, no interrupt vector, used-buffer
 * notifications suppressed), then sets DRIVER_OK.  Returns 0, or the error of
 * virtio_dev_vq_setup() or virtio_dev_init_finish(); the caller decides whether to
 * virtio_dev_fail().  Boot.
 */
int virtio_dev_start_polled(struct virtio_dev *dev, struct virtio_vq *vq, uint16_t size,
                            void *mem);

/*
 * §3.1.1 step 8: sets DRIVER_OK; the device is live.  Returns 0, or -EIO when the device
 * reports DEVICE_NEEDS_RESET.  Boot.
 */
int virtio_dev_init_finish(struct virtio_dev *dev);

/* §3.1.1: sets FAILED: the driver gave up on the device.  Boot. */
void virtio_dev_fail(struct virtio_dev *dev);

/*
 * Aims queue `index`'s interrupt at the core with LAPIC id `apic_id` (the transport's
 * queue_irq_route: MSI-X on PCI, the device's one level-triggered line on MMIO).  *vector is
 * then what struct virtio_vq_setup.vector takes for that queue.  Returns 0, or the transport's
 * error (see queue_irq_route), logged except -EBUSY, which is the caller's to explain; the
 * queue then has no interrupt (*vector is VIRTIO_MSI_NO_VECTOR).  Boot, between
 * init_begin and the queue's virtio_dev_vq_setup().
 */
int virtio_dev_queue_irq(struct virtio_dev *dev, uint16_t index, uint32_t apic_id,
                         uint16_t *vector);

/*
 * The `n`-th (from 0) virtio device of type `device_id` (VIRTIO_ID_*): on PCI (after
 * virtio_pci_scan()) first, then over virtio-mmio (in command-line order).  The transport
 * state lives in this layer (up to VIRTIO_FIND_MAX_DEVICES devices per transport); the device
 * is probed but not initialised.  Boot, core 0.  Returns the device, or NULL when there is
 * none (or no room for another: logged).
 */
struct virtio_dev *virtio_dev_find(uint32_t device_id, unsigned n);

#endif
