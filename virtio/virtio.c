/*
 * Device-independent virtio initialization (virtio 1.2 §3.1.1) over the transport contract of
 * virtio.h.  Runs at boot on one core.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "core/panic.h"
#include "virtio/limits.h"
#include "virtio/virtio.h"

/* §2.1.1: the driver never clears a status bit, so new bits are added to what the device
 * reports. */
static void add_status(struct virtio_dev *dev, uint8_t bit)
{
    dev->ops->set_status(dev, dev->ops->get_status(dev) | bit);
}

void virtio_dev_fail(struct virtio_dev *dev)
{
    add_status(dev, VIRTIO_STATUS_FAILED);
}

int virtio_dev_init_begin(struct virtio_dev *dev, uint64_t driver_features, uint64_t required)
{
    uint64_t offered, wanted, accepted, missing;
    int err;

    /* Never offer to accept a transport feature this layer does not implement, and never
     * require one the driver does not implement: both are bugs in the calling driver. */
    if (driver_features & VIRTIO_F_TRANSPORT_MASK & ~VIRTIO_F_IMPLEMENTED)
        panic("%s: %s: driver asks for unimplemented transport features %#llx", __func__, dev->name,
              (unsigned long long)(driver_features & VIRTIO_F_TRANSPORT_MASK &
                                   ~VIRTIO_F_IMPLEMENTED));
    if (required & ~driver_features)
        panic("%s: %s: required features %#llx not implemented by the driver", __func__, dev->name,
              (unsigned long long)(required & ~driver_features));

    /* Step 1: reset the device. */
    err = dev->ops->reset(dev);
    if (err) {
        log_error("%s: reset did not complete", dev->name);
        goto fail;
    }
    /* Step 2: ACKNOWLEDGE: the guest OS has noticed the device. */
    add_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
    /* Step 3: DRIVER: the guest OS knows how to drive it. */
    add_status(dev, VIRTIO_STATUS_DRIVER);

    /* Step 4: read the device's features and write the subset the driver understands: the
     * intersection, so nothing the driver does not implement is ever accepted (§2.2.1). */
    offered = dev->ops->get_features(dev);
    wanted = driver_features | VIRTIO_BIT(VIRTIO_F_VERSION_1);
    accepted = offered & wanted;
    missing = (required | VIRTIO_BIT(VIRTIO_F_VERSION_1)) & ~accepted;
    if (missing) {
        log_error("%s: device lacks required features %#llx (offers %#llx)", dev->name,
                  (unsigned long long)missing, (unsigned long long)offered);
        err = -ENOTSUP;
        goto fail;
    }
    dev->ops->set_features(dev, accepted);

    /* Step 5: FEATURES_OK: no new feature bits are accepted after this. */
    add_status(dev, VIRTIO_STATUS_FEATURES_OK);
    /* Step 6: re-read the status: the device clears FEATURES_OK when it cannot work with the
     * subset we accepted (§3.1.1, §2.2.2). */
    if (!(dev->ops->get_status(dev) & VIRTIO_STATUS_FEATURES_OK)) {
        log_error("%s: device rejected features %#llx", dev->name, (unsigned long long)accepted);
        err = -ENOTSUP;
        goto fail;
    }
    dev->features = accepted;
    log_info("%s: features offered %#llx, accepted %#llx", dev->name, (unsigned long long)offered,
             (unsigned long long)accepted);
    return 0;

fail:
    /* §3.1.1: if any step goes irrecoverably wrong, set FAILED. */
    virtio_dev_fail(dev);
    return err;
}

/* One attempt at reading len bytes: one field of its width, or a byte array byte by byte. */
static int config_read_once(struct virtio_dev *dev, unsigned offset, uint8_t *buf, unsigned len)
{
    if (len == 1 || len == 2 || len == 4 || len == 8)
        return dev->ops->config_read(dev, offset, buf, len);
    for (unsigned i = 0; i < len; i++) {
        int err = dev->ops->config_read(dev, offset + i, buf + i, 1);
        if (err)
            return err;
    }
    return 0;
}

int virtio_config_read(struct virtio_dev *dev, unsigned offset, void *buf, unsigned len)
{
    /* §2.5.1: reads wider than 32 bits, and reads of several fields, are not atomic: read
     * until the generation is the same before and after. */
    for (unsigned tries = 0; tries < VIRTIO_CONFIG_READ_TRIES; tries++) {
        uint32_t before = dev->ops->config_generation(dev);
        int err = config_read_once(dev, offset, buf, len);
        if (err)
            return err;
        if (dev->ops->config_generation(dev) == before)
            return 0;
    }
    log_error("%s: configuration kept changing while read (offset %u)", dev->name, offset);
    return -EIO;
}

uint16_t virtio_dev_queue_size(struct virtio_dev *dev, uint16_t index, uint16_t wanted)
{
    uint32_t size = dev->ops->queue_max_size(dev, index);

    if (wanted < size)
        size = wanted;
    if (size > VIRTIO_VQ_SIZE_MAX)
        size = VIRTIO_VQ_SIZE_MAX;
    /* Split queues need a power of two (§2.7); round down what the device allows. */
    while (size & (size - 1))
        size &= size - 1;
    return (uint16_t)size;
}

/* The queue's notification: the transport's notify for this device. */
static void notify_dev(void *ctx, uint16_t index)
{
    struct virtio_dev *dev = ctx;
    dev->ops->notify(dev, index);
}

int virtio_dev_vq_setup(struct virtio_dev *dev, struct virtio_vq *vq,
                        const struct virtio_vq_setup *s)
{
    uint16_t max = dev->ops->queue_max_size(dev, s->index);
    struct virtio_vq_params p = {
        .name = dev->name,
        .index = s->index,
        .size = s->size,
        .event_idx = virtio_dev_has(dev, VIRTIO_F_EVENT_IDX),
        .indirect = s->want_indirect && virtio_dev_has(dev, VIRTIO_F_INDIRECT_DESC),
        .mem = s->mem,
        .mem_len = s->mem_len,
        .notify = notify_dev,
        .notify_ctx = dev,
    };
    struct virtio_vq_addrs addrs;
    int err;

    if (max == 0) {
        log_error("%s: queue %u does not exist", dev->name, s->index);
        return -ENOENT;
    }
    if (s->size > max) {
        log_error("%s: queue %u: size %u > device maximum %u", dev->name, s->index, s->size, max);
        return -EINVAL;
    }
    err = virtio_vq_init(vq, &p);
    if (err) {
        log_error("%s: queue %u: bad size %u or memory", dev->name, s->index, s->size);
        return err;
    }
    /* §3.1.1 step 7 (device-specific set-up): tell the transport where the three parts are
     * (PCI §4.1.5.1.3, MMIO §4.2.3.2), then enable the queue. */
    virtio_vq_ring_addrs(vq, &addrs);
    err = dev->ops->queue_setup(dev, s->index, s->size, &addrs, s->vector);
    if (err) {
        log_error("%s: queue %u: set-up refused (%d)", dev->name, s->index, err);
        return err;
    }
    err = dev->ops->queue_enable(dev, s->index);
    if (err)
        log_error("%s: queue %u: enable failed (%d)", dev->name, s->index, err);
    return err;
}

int virtio_dev_init_finish(struct virtio_dev *dev)
{
    /* Step 8: DRIVER_OK: the device is live from here on. */
    add_status(dev, VIRTIO_STATUS_DRIVER_OK);
    if (dev->ops->get_status(dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
        log_error("%s: device needs reset right after DRIVER_OK", dev->name);
        return -EIO;
    }
    return 0;
}

int virtio_dev_queue_irq(struct virtio_dev *dev, uint16_t index, uint32_t apic_id, uint16_t *vector)
{
    *vector = VIRTIO_MSI_NO_VECTOR;
    int err = dev->ops->queue_irq_route(dev, index, apic_id, vector);
    if (err == 0)
        return 0;
    /* Whatever the transport left there, the queue has no interrupt now. */
    *vector = VIRTIO_MSI_NO_VECTOR;
    if (err != -EBUSY)
        log_warn("%s (%s): no interrupt for queue %u on APIC id %u (%d): it is only polled",
                 dev->name, dev->where, index, apic_id, err);
    return err;
}

int virtio_dev_start_polled(struct virtio_dev *dev, struct virtio_vq *vq, uint16_t size,
                            void *mem)
{
    struct virtio_vq_setup s = {.index = 0,
                                .size = size,
                                .want_indirect = false,
                                .vector = VIRTIO_MSI_NO_VECTOR,
                                .mem = mem,
                                .mem_len = virtio_vq_mem_size(size, false)};
    int err = virtio_dev_vq_setup(dev, vq, &s);
    if (err)
        return err;
    virtio_vq_intr_disable(vq);
    return virtio_dev_init_finish(dev);
}
