/*
 * Fake virtio device for host unit tests (see fake_device.h).  The device side uses C11
 * atomics on the shared ring fields so it can also run on its own thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "virtio/tests/fake_device.h"

static struct fake_device *to_fake(struct virtio_dev *dev)
{
    return (struct fake_device *)dev; /* dev is the first member */
}

static void driver_error(struct fake_device *fd, const char *what)
{
    fd->driver_errors++;
    fprintf(stderr, "fake device: driver error: %s\n", what);
}

static bool driver_has(const struct fake_device *fd, unsigned bit)
{
    return (fd->driver_features & VIRTIO_BIT(bit)) != 0;
}

/* --- transport side ------------------------------------------------------------------------ */

static int fake_config_read(struct virtio_dev *dev, unsigned offset, void *buf, unsigned width)
{
    struct fake_device *fd = to_fake(dev);
    if ((width != 1 && width != 2 && width != 4 && width != 8) || offset > FAKE_CONFIG_SIZE ||
        width > FAKE_CONFIG_SIZE - offset)
        return -EINVAL;
    fd->config_reads++;
    memcpy(buf, fd->config + offset, width);
    return 0;
}

static int fake_config_write(struct virtio_dev *dev, unsigned offset, const void *buf,
                             unsigned width)
{
    struct fake_device *fd = to_fake(dev);
    if ((width != 1 && width != 2 && width != 4 && width != 8) || offset > FAKE_CONFIG_SIZE ||
        width > FAKE_CONFIG_SIZE - offset)
        return -EINVAL;
    memcpy(fd->config + offset, buf, width);
    return 0;
}

static uint32_t fake_config_generation(struct virtio_dev *dev)
{
    struct fake_device *fd = to_fake(dev);
    if (fd->config_changes > 0) {
        fd->config_changes--;
        fd->generation++;
    }
    return fd->generation;
}

static uint64_t fake_get_features(struct virtio_dev *dev)
{
    return to_fake(dev)->device_features;
}

static void fake_set_features(struct virtio_dev *dev, uint64_t features)
{
    struct fake_device *fd = to_fake(dev);
    if (fd->status & VIRTIO_STATUS_FEATURES_OK)
        driver_error(fd, "features written after FEATURES_OK");
    if (!(fd->status & VIRTIO_STATUS_DRIVER))
        driver_error(fd, "features written before DRIVER");
    if (features & ~fd->device_features)
        driver_error(fd, "driver accepted a feature the device did not offer");
    fd->driver_features = features;
}

static uint8_t fake_get_status(struct virtio_dev *dev)
{
    struct fake_device *fd = to_fake(dev);
    if (fd->needs_reset && (fd->status & VIRTIO_STATUS_DRIVER_OK))
        return fd->status | VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    return fd->status;
}

static void fake_set_status(struct virtio_dev *dev, uint8_t status)
{
    struct fake_device *fd = to_fake(dev);
    if (fd->status & ~status)
        driver_error(fd, "status bit cleared without reset");
    if (fd->nstatus < FAKE_STATUS_LOG)
        fd->status_log[fd->nstatus++] = status;
    if (fd->refuse_features_ok)
        status &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
    fd->status = status;
}

static int fake_reset(struct virtio_dev *dev)
{
    struct fake_device *fd = to_fake(dev);
    fd->resets++;
    if (fd->reset_times_out)
        return -ETIMEDOUT;
    fd->status = 0;
    fd->driver_features = 0;
    if (fd->nstatus < FAKE_STATUS_LOG)
        fd->status_log[fd->nstatus++] = 0;
    for (unsigned i = 0; i < FAKE_MAX_QUEUES; i++) {
        /* The routing survives a reset, as an MSI-X table or an IOAPIC pin does. */
        struct fake_queue kept = fd->q[i];
        memset(&fd->q[i], 0, sizeof(fd->q[i]));
        fd->q[i].max = kept.max;
        fd->q[i].irq_routed = kept.irq_routed;
        fd->q[i].irq_apic_id = kept.irq_apic_id;
    }
    return 0;
}

static uint16_t fake_num_queues(struct virtio_dev *dev)
{
    return to_fake(dev)->nqueues;
}

static uint16_t fake_queue_max_size(struct virtio_dev *dev, uint16_t index)
{
    struct fake_device *fd = to_fake(dev);
    return index < fd->nqueues ? fd->q[index].max : 0;
}

static int fake_queue_setup(struct virtio_dev *dev, uint16_t index, uint16_t size,
                            const struct virtio_vq_addrs *a, uint16_t vector)
{
    struct fake_device *fd = to_fake(dev);
    struct fake_queue *q;

    if (index >= fd->nqueues || fd->q[index].max == 0)
        return -EINVAL;
    q = &fd->q[index];
    if (size == 0 || size > q->max || (size & (size - 1)))
        return -EINVAL;
    if (fd->refuse_vector)
        return -EIO;
    if ((a->desc & 15) || (a->driver & 1) || (a->device & 3))
        driver_error(fd, "misaligned ring part (§2.7.1)");
    if (!(fd->status & VIRTIO_STATUS_FEATURES_OK) || (fd->status & VIRTIO_STATUS_DRIVER_OK))
        driver_error(fd, "queue set up outside FEATURES_OK .. DRIVER_OK");
    if (q->setups > 0)
        driver_error(fd, "queue set up twice without a reset (its rings redirected)");
    q->setups++;
    if (vector != VIRTIO_MSI_NO_VECTOR && (fd->irq_shared || vector >= fd->irq_used))
        driver_error(fd, "queue given an interrupt entry queue_irq_route did not hand out");
    q->size = size;
    q->vector = vector;
    q->desc = (struct virtq_desc *)(uintptr_t)a->desc;
    q->avail = (struct virtq_avail *)(uintptr_t)a->driver;
    q->used = (struct virtq_used *)(uintptr_t)a->device;
    q->last_avail = q->used_idx = q->signalled = 0;
    return 0;
}

static int fake_queue_enable(struct virtio_dev *dev, uint16_t index)
{
    struct fake_device *fd = to_fake(dev);
    if (index >= fd->nqueues || !fd->q[index].size)
        return -EIO;
    fd->q[index].enabled = true;
    return 0;
}

static void fake_notify(struct virtio_dev *dev, uint16_t index)
{
    struct fake_device *fd = to_fake(dev);
    if (index >= fd->nqueues) {
        driver_error(fd, "notify of a queue that does not exist");
        return;
    }
    fd->q[index].notifies++;
    if (fd->on_notify)
        fd->on_notify(fd->on_notify_arg, index);
}

static uint8_t fake_intr_ack(struct virtio_dev *dev)
{
    return VIRTIO_ISR_QUEUE;
}

static int fake_queue_irq_route(struct virtio_dev *dev, uint16_t index, uint32_t apic_id,
                                uint16_t *vector)
{
    struct fake_device *fd = to_fake(dev);

    *vector = VIRTIO_MSI_NO_VECTOR;
    if (index >= fd->nqueues || fd->q[index].max == 0) {
        driver_error(fd, "interrupt routed for a queue that does not exist");
        return -ENODEV;
    }
    if (fd->status & VIRTIO_STATUS_DRIVER_OK)
        driver_error(fd, "interrupt routed after DRIVER_OK");
    if (fd->irq_entries < 0)
        return -ENODEV;
    if (fd->irq_shared) {
        /* One line: the first route aims it; a later one must want the same core. */
        for (unsigned i = 0; i < fd->nqueues; i++)
            if (fd->q[i].irq_routed && fd->q[i].irq_apic_id != apic_id)
                return -EBUSY;
    } else {
        if (fd->irq_used >= (unsigned)fd->irq_entries)
            return -ENOSPC;
        *vector = (uint16_t)fd->irq_used++;
    }
    fd->q[index].irq_routed = true;
    fd->q[index].irq_apic_id = apic_id;
    return 0;
}

static const struct virtio_transport_ops fake_ops = {
    .config_read = fake_config_read,
    .config_write = fake_config_write,
    .config_generation = fake_config_generation,
    .get_features = fake_get_features,
    .set_features = fake_set_features,
    .get_status = fake_get_status,
    .set_status = fake_set_status,
    .reset = fake_reset,
    .num_queues = fake_num_queues,
    .queue_max_size = fake_queue_max_size,
    .queue_setup = fake_queue_setup,
    .queue_enable = fake_queue_enable,
    .notify = fake_notify,
    .intr_ack = fake_intr_ack,
    .queue_irq_route = fake_queue_irq_route,
};

void fake_device_init(struct fake_device *fd, uint32_t device_id, uint64_t features,
                      uint16_t nqueues, uint16_t qmax)
{
    memset(fd, 0, sizeof(*fd));
    fd->dev.ops = &fake_ops;
    fd->dev.name = "fake";
    fd->dev.where = "fake";
    fd->dev.device_id = device_id;
    fd->device_features = features;
    fd->nqueues = nqueues < FAKE_MAX_QUEUES ? nqueues : FAKE_MAX_QUEUES;
    for (unsigned i = 0; i < fd->nqueues; i++)
        fd->q[i].max = qmax;
    fd->irq_entries = fd->nqueues;
}

/* --- ring side ----------------------------------------------------------------------------- */

static uint16_t *used_event_of(const struct fake_queue *q)
{
    return &q->avail->ring[q->size];
}

static uint16_t *avail_event_of(const struct fake_queue *q)
{
    return (uint16_t *)&q->used->ring[q->size];
}

/* Walks the chain at `head` like a careful device.  Returns 0 or -EPROTO. */
static int walk_chain(struct fake_device *fd, struct fake_queue *q, uint16_t head,
                      struct fake_chain *c)
{
    const struct virtq_desc *table = q->desc;
    unsigned table_size = q->size;
    unsigned i = head;
    bool seen_write = false;

    memset(c, 0, sizeof(*c));
    c->head = head;
    if (head >= q->size) {
        driver_error(fd, "available head out of range");
        return -EPROTO;
    }
    for (;;) {
        struct virtq_desc d = table[i];

        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            /* §2.7.5.3 driver rules. */
            if (!driver_has(fd, VIRTIO_F_INDIRECT_DESC) || c->indirect ||
                (d.flags & VIRTQ_DESC_F_NEXT) || d.len == 0 || d.len % sizeof(d)) {
                driver_error(fd, "bad indirect descriptor");
                return -EPROTO;
            }
            if (d.len / sizeof(d) > q->size) {
                driver_error(fd, "indirect chain longer than the queue");
                return -EPROTO;
            }
            table = (const struct virtq_desc *)(uintptr_t)d.addr;
            table_size = d.len / sizeof(d);
            c->indirect = true;
            i = 0;
            continue;
        }
        if (c->nseg >= FAKE_MAX_SEGS || c->nseg >= q->size) {
            driver_error(fd, "chain too long or looping");
            return -EPROTO;
        }
        if (d.len == 0) {
            driver_error(fd, "zero-sized buffer");
            return -EPROTO;
        }
        if (!(d.flags & VIRTQ_DESC_F_WRITE) && seen_write) {
            driver_error(fd, "readable descriptor after a writable one (§2.7.4.2)");
            return -EPROTO;
        }
        seen_write |= (d.flags & VIRTQ_DESC_F_WRITE) != 0;
        c->seg[c->nseg].addr = d.addr;
        c->seg[c->nseg].len = d.len;
        c->seg[c->nseg].write = (d.flags & VIRTQ_DESC_F_WRITE) != 0;
        if (c->seg[c->nseg].write)
            c->in_len += d.len;
        else
            c->out_len += d.len;
        c->nseg++;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        i = d.next;
        if (i >= table_size) {
            driver_error(fd, "next out of range");
            return -EPROTO;
        }
    }
}

int fake_queue_pop(struct fake_device *fd, unsigned qi, struct fake_chain *c)
{
    struct fake_queue *q = &fd->q[qi];
    uint16_t avail_idx, head;

    if (!q->enabled)
        return -EAGAIN;
    avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
    if (avail_idx == q->last_avail)
        return -EAGAIN;
    if ((uint16_t)(avail_idx - q->last_avail) > q->size) {
        driver_error(fd, "available idx ahead by more than the queue size");
        return -EPROTO;
    }
    head = __atomic_load_n(&q->avail->ring[q->last_avail & (q->size - 1)], __ATOMIC_RELAXED);
    q->last_avail++;
    if (q->auto_avail_event && driver_has(fd, VIRTIO_F_EVENT_IDX)) {
        __atomic_store_n(avail_event_of(q), q->last_avail, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return walk_chain(fd, q, head, c);
}

void fake_queue_push(struct fake_device *fd, unsigned qi, uint32_t id, uint32_t len)
{
    struct fake_queue *q = &fd->q[qi];
    struct virtq_used_elem *e = &q->used->ring[q->used_idx & (q->size - 1)];

    __atomic_store_n(&e->id, id, __ATOMIC_RELAXED);
    __atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
    q->used_idx++;
    /* The entry before the idx (§2.7.8: len set before idx). */
    __atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

bool fake_queue_signal(struct fake_device *fd, unsigned qi)
{
    struct fake_queue *q = &fd->q[qi];
    uint16_t old_idx = q->signalled, new_idx = q->used_idx;
    bool need;

    if (old_idx == new_idx)
        return false;
    q->signalled = new_idx;
    /* The device's half of the lost-wake-up race: used idx store, then used_event load. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (driver_has(fd, VIRTIO_F_EVENT_IDX))
        need = virtio_vq_need_event(__atomic_load_n(used_event_of(q), __ATOMIC_RELAXED), new_idx,
                                    old_idx);
    else
        need = !(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    if (need)
        q->interrupts++;
    return need;
}

bool fake_queue_complete(struct fake_device *fd, unsigned qi, uint32_t id, uint32_t len)
{
    fake_queue_push(fd, qi, id, len);
    return fake_queue_signal(fd, qi);
}

void fake_queue_set_used_idx(struct fake_device *fd, unsigned qi, uint16_t idx)
{
    struct fake_queue *q = &fd->q[qi];
    q->used_idx = idx;
    __atomic_store_n(&q->used->idx, idx, __ATOMIC_RELEASE);
}

bool fake_queue_arm_kick(struct fake_device *fd, unsigned qi)
{
    struct fake_queue *q = &fd->q[qi];

    if (driver_has(fd, VIRTIO_F_EVENT_IDX))
        __atomic_store_n(avail_event_of(q), q->last_avail, __ATOMIC_RELAXED);
    else
        __atomic_store_n(&q->used->flags, 0, __ATOMIC_RELAXED);
    /* The device's half of the kick race: request store, then avail idx load. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE) != q->last_avail;
}

void fake_queue_set_avail_event(struct fake_device *fd, unsigned qi, uint16_t event)
{
    __atomic_store_n(avail_event_of(&fd->q[qi]), event, __ATOMIC_RELAXED);
}

void fake_queue_set_no_notify(struct fake_device *fd, unsigned qi, bool no_notify)
{
    __atomic_store_n(&fd->q[qi].used->flags, no_notify ? VIRTQ_USED_F_NO_NOTIFY : 0,
                     __ATOMIC_RELAXED);
}

uint32_t fake_chain_fill(const struct fake_chain *c, uint32_t len, uint8_t seed)
{
    uint32_t done = 0;

    for (unsigned s = 0; s < c->nseg && done < len; s++) {
        uint8_t *p = (uint8_t *)(uintptr_t)c->seg[s].addr;
        if (!c->seg[s].write)
            continue;
        for (uint32_t k = 0; k < c->seg[s].len && done < len; k++, done++)
            p[k] = fake_pattern(seed, done);
    }
    return done;
}

size_t fake_chain_gather(const struct fake_chain *c, void *buf, size_t cap)
{
    uint8_t *out = buf;
    size_t done = 0;

    for (unsigned s = 0; s < c->nseg && done < cap; s++) {
        size_t n = c->seg[s].len;
        if (c->seg[s].write)
            continue;
        if (n > cap - done)
            n = cap - done;
        memcpy(out + done, (const void *)(uintptr_t)c->seg[s].addr, n);
        done += n;
    }
    return done;
}
