/*
 * Split virtqueue (virtio 1.2 §2.7): the ring shared by a driver and a virtio device.
 *
 * This file knows rings only: no transport, no device type.  A transport (virtio/virtio.h)
 * tells the device where the three parts live and how to notify it; a device driver
 * (virtio-net, virtio-blk) adds buffers and harvests them.
 *
 * Ownership and context
 *   - A queue has exactly one owner, the core whose main loop drives it.  No function here
 *     takes a lock or may be called concurrently for the same queue, and none is for interrupt
 *     handlers: an interrupt handler acknowledges and wakes its core, the main loop calls these.
 *     Set-up may happen on another core at boot as long as the hand-over to the owner is ordered
 *     (starting the owning core, or a release/acquire pair).
 *   - None of the functions blocks or allocates.  Memory for the rings and the driver-private
 *     per-descriptor state comes from the caller (virtio_vq_mem_size()), stays owned by the
 *     queue until the device was reset, and must be DMA-reachable: memory is identity-mapped,
 *     so a DMA address is the pointer value (virtio_dma_addr()).
 *   - Buffers handed to virtio_vq_add() belong to the device until virtio_vq_get_buf() returns
 *     their token (or virtio_vq_detach_unused() after a reset).
 *
 * The device is not trusted: every index and length it reports is bounds-checked before use;
 * bad used entries are counted in vq->stats and dropped with a rate-limited log line, and a
 * used index that jumps by more than the queue size marks the queue broken (virtio_vq_add()
 * then fails with -EIO and virtio_vq_get_buf() returns NULL until the driver resets the device
 * and sets the queue up again).
 */
#ifndef VIRTIO_VIRTQ_H
#define VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef TORIL_HOST_TEST
#include "core/percpu.h"
#endif

/*
 * Wire format, with the spec's names so it can be checked against it.  All fields are
 * little-endian (§2.7.3 for the non-legacy interface), which is x86's native order.
 */

/* §2.7.5: one descriptor, 16 bytes. */
struct virtq_desc {
    uint64_t addr;  /* DMA address of the buffer (or of an indirect table) */
    uint32_t len;   /* bytes in the buffer (or in the indirect table) */
    uint16_t flags; /* VIRTQ_DESC_F_* */
    uint16_t next;  /* next descriptor of the chain, if flags & VIRTQ_DESC_F_NEXT */
};
#define VIRTQ_DESC_F_NEXT     1 /* the chain continues at `next` */
#define VIRTQ_DESC_F_WRITE    2 /* device-writable (otherwise device-readable) */
#define VIRTQ_DESC_F_INDIRECT 4 /* addr/len describe a table of descriptors (§2.7.5.3) */

/* §2.7.6: the available ring (driver area), written by the driver only.
 * It is followed by `le16 used_event` when VIRTIO_F_EVENT_IDX is negotiated (§2.7.7). */
struct virtq_avail {
    uint16_t flags;  /* VIRTQ_AVAIL_F_NO_INTERRUPT, only without EVENT_IDX */
    uint16_t idx;    /* free-running: where the driver puts the next head (mod size) */
    uint16_t ring[]; /* heads of descriptor chains; [size] is used_event */
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* driver: no used-buffer notifications wanted */

/* §2.7.8: one used entry, written by the device. */
struct virtq_used_elem {
    uint32_t id;  /* head of the chain the device is done with: UNTRUSTED */
    uint32_t len; /* bytes the device wrote into the chain: UNTRUSTED */
};

/* §2.7.8: the used ring (device area), written by the device only.
 * It is followed by `le16 avail_event` when VIRTIO_F_EVENT_IDX is negotiated (§2.7.10). */
struct virtq_used {
    uint16_t flags;                /* VIRTQ_USED_F_NO_NOTIFY, only without EVENT_IDX */
    uint16_t idx;                  /* free-running: where the device puts the next entry */
    struct virtq_used_elem ring[]; /* completed chains; avail_event follows [size - 1] */
};
#define VIRTQ_USED_F_NO_NOTIFY 1 /* device: no available-buffer notifications wanted */

/*
 * DMA address of driver memory.  Memory is identity-mapped (virtual = physical), except the
 * per-core window (core/percpu.h), which each core maps to its own copy: a pointer into it is
 * translated for the calling core.  Call it on the core whose memory it is.
 */
static inline uint64_t virtio_dma_addr(const void *p)
{
#ifdef TORIL_HOST_TEST
    return (uint64_t)(uintptr_t)p; /* host tests: the process's own addresses */
#else
    return core_percpu_phys(p);
#endif
}

/*
 * Event-index test (§2.7.7, §2.7.10; the helper of §2.7.11 / Linux vring_need_event()):
 * after the other side's index moved from `old_idx` to `new_idx`, a notification is due when
 * the index it asked about, `event`, is one of the entries just written: old_idx <= event <
 * new_idx, computed modulo 2^16 so it holds across the 16-bit wrap.
 */
static inline bool virtio_vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* One buffer segment of a chain: physically contiguous, non-empty. */
struct virtio_vq_seg {
    uint64_t addr; /* DMA address (virtio_dma_addr()) */
    uint32_t len;  /* bytes, > 0 */
};

/* Device misbehaviour and activity, per queue.  Written by the owning core only. */
struct virtio_vq_stats {
    uint64_t bad_id;   /* used id >= queue size: entry dropped */
    uint64_t not_head; /* used id that heads no in-flight chain (a middle descriptor, a free
                          one, or one already returned: a repeated id): entry dropped */
    uint64_t bad_len;  /* used len > device-writable bytes of the chain: token returned
                          with length 0, so the caller discards the contents */
    uint64_t idx_jump; /* used idx moved more than the queue size (or backwards): broken */
    uint64_t notifies; /* available-buffer notifications sent to the device */
};

/* Driver-private state of one descriptor.  Kept out of the shared table because the device
 * could rewrite that table: free-list links and chain lengths are never read back from it. */
struct virtio_vq_desc_state {
    void *token;     /* caller's token while this descriptor heads an in-flight chain, else NULL */
    uint32_t in_len; /* head only: device-writable bytes of the chain (bound for used len) */
    uint16_t next;   /* chain or free-list link (the driver's copy of desc[].next) */
    uint16_t ndesc;  /* head only: ring descriptors the chain holds (1 when indirect) */
};

/* Notification of the device that queue `index` has new available buffers (transport). */
typedef void (*virtio_vq_notify_fn)(void *ctx, uint16_t index);

/* A split virtqueue.  Every field is owned by the owning core; fields marked "shared" point
 * into memory the device reads or writes concurrently. */
struct virtio_vq {
    /* Hot state, touched per buffer. */
    struct virtio_vq_desc_state *state; /* [size], driver-private, indexed by descriptor */
    struct virtq_desc *desc;            /* shared: descriptor table [size] */
    struct virtq_avail *avail;          /* shared: available ring */
    struct virtq_used *used;            /* shared: used ring */
    uint16_t size;                      /* entries, a power of two <= VIRTIO_VQ_SIZE_MAX */
    uint16_t mask;                      /* size - 1 */
    uint16_t free_head;                 /* first free descriptor (valid when num_free > 0) */
    uint16_t num_free;                  /* free descriptors in the table */
    uint16_t avail_idx;                 /* our copy of avail->idx (the device never writes it) */
    uint16_t num_added;                 /* heads added since the last kick decision, saturating
                                           at 0xffff (then a kick is forced) */
    uint16_t last_used;                 /* next used entry to harvest (free-running) */
    uint16_t used_seen;                 /* used->idx as last read and validated: entries up to
                                           it need no new read of the shared index */
    bool broken;                        /* device misbehaved beyond repair: stop using it */
    bool event_idx;                     /* VIRTIO_F_EVENT_IDX negotiated */
    bool intr_enabled;                  /* used-buffer notifications requested */

    /* Cold state. */
    struct virtq_desc *indirect;  /* shared: [size][VIRTIO_VQ_INDIRECT_SEGS] tables, one per
                                     head descriptor; NULL when indirect is not used */
    uint16_t *used_event;         /* shared: &avail->ring[size] (EVENT_IDX) */
    uint16_t *avail_event;        /* shared: device's field after used->ring[size - 1] */
    uint16_t index;               /* queue number within the device */
    const char *name;             /* device name for log lines */
    virtio_vq_notify_fn notify;   /* transport's notification */
    void *notify_ctx;             /* its argument */
    struct virtio_vq_stats stats; /* misbehaviour counters */
};

/* How to build a queue (virtio_vq_init()). */
struct virtio_vq_params {
    const char *name;           /* device name for log lines (not copied; must outlive the vq) */
    uint16_t index;             /* queue number within the device */
    uint16_t size;              /* entries: a power of two, 1 .. VIRTIO_VQ_SIZE_MAX, and no more
                                   than the device's maximum for this queue */
    bool event_idx;             /* VIRTIO_F_EVENT_IDX was negotiated */
    bool indirect;              /* use indirect tables: only if VIRTIO_F_INDIRECT_DESC was
                                   negotiated; mem must be sized with indirect = true */
    void *mem;                  /* DMA-reachable memory, 16-byte aligned (a page is ideal) */
    size_t mem_len;             /* bytes at mem, >= virtio_vq_mem_size(size, indirect) */
    virtio_vq_notify_fn notify; /* transport notification for this queue */
    void *notify_ctx;           /* its argument */
};

/* Device addresses of the three parts, for the transport's queue set-up. */
struct virtio_vq_addrs {
    uint64_t desc;   /* descriptor area: descriptor table */
    uint64_t driver; /* driver area: available ring */
    uint64_t device; /* device area: used ring */
};

/*
 * Bytes of memory a queue of `size` entries needs, with or without indirect tables: the three
 * ring parts at their spec alignments, the indirect tables, and the driver-private state.
 * Returns 0 when size is not a power of two in 1 .. VIRTIO_VQ_SIZE_MAX.  Any context.
 */
size_t virtio_vq_mem_size(uint16_t size, bool indirect);

/*
 * Lays the queue out in p->mem (which is zeroed) and makes every descriptor free, with
 * used-buffer notifications enabled.  Returns 0, or -EINVAL for a bad size, a misaligned or
 * short memory block, or no notify function.  Boot, before the transport is told the
 * addresses; calling it again (after a device reset) starts the queue afresh, forgetting any
 * in-flight tokens (recover them first with virtio_vq_detach_unused()).
 */
int virtio_vq_init(struct virtio_vq *vq, const struct virtio_vq_params *p);

/* The device addresses of the queue's parts (for the transport).  Any context. */
void virtio_vq_ring_addrs(const struct virtio_vq *vq, struct virtio_vq_addrs *a);

/*
 * Offers one buffer chain to the device (§2.7.13): segs[0 .. nout) are device-readable,
 * segs[nout .. nout + nin) device-writable (§2.7.4: readable before writable).  The chain is
 * visible to the device when this returns; call virtio_vq_kick() after a batch.  `token`
 * (non-NULL) is returned by virtio_vq_get_buf() when the device is done.  A chain of more than
 * VIRTIO_VQ_DIRECT_SEGS segments (or one that would not fit directly) uses an indirect table
 * when the queue has them and it holds at most VIRTIO_VQ_INDIRECT_SEGS segments.
 * Returns 0;
 *   -ENOSPC  not enough free descriptors: the ring is full (back-pressure: harvest, retry);
 *   -EINVAL  no segments, more segments than the queue size, an empty segment, a chain of 4 GiB
 *            or more (§2.7.5.2), or a NULL token;
 *   -EIO     the queue is broken.
 * Main loop of the owning core; never blocks.
 */
int virtio_vq_add(struct virtio_vq *vq, const struct virtio_vq_seg *segs, unsigned nout,
                  unsigned nin, void *token);

/*
 * Decides whether the device must be notified of the chains added since the last call
 * (§2.7.13.4, §2.7.10): with EVENT_IDX by the device's avail_event, otherwise by its
 * VIRTQ_USED_F_NO_NOTIFY flag.  Returns true when virtio_vq_notify() is due.  Owning core.
 */
bool virtio_vq_kick_prepare(struct virtio_vq *vq);

/* Notifies the device of queue `index` through the transport (an MMIO or port write: a VM exit
 * under virtualization, so call it only when virtio_vq_kick_prepare() says so).  Owning core. */
void virtio_vq_notify(struct virtio_vq *vq);

/* virtio_vq_kick_prepare() and, when due, virtio_vq_notify(). Returns whether it notified. */
bool virtio_vq_kick(struct virtio_vq *vq);

/*
 * Returns the token of the next chain the device is done with, and in *len the bytes it
 * wrote (0 .. device-writable size; 0 also when the device claimed more than that).  Returns
 * NULL, leaving *len alone, when no used entry is pending or the queue is broken.  The caller
 * owns the chain's buffers again.  Bad entries are skipped and
 * counted (see struct virtio_vq_stats).  Owning core; never blocks.
 */
void *virtio_vq_get_buf(struct virtio_vq *vq, uint32_t *len);

/* Whether used entries are pending (a cheap peek for poll loops).  Owning core. */
bool virtio_vq_has_used(const struct virtio_vq *vq);

/*
 * Asks the device not to send used-buffer notifications (§2.7.7): the caller polls.  Advisory:
 * a notification may still arrive (and must be tolerated).  Owning core.
 */
void virtio_vq_intr_disable(struct virtio_vq *vq);

/*
 * Asks for a notification at the next used entry, then looks at the used ring again.  Returns
 * true when entries are already pending: the caller must harvest them instead of waiting,
 * because the device may have written them before it could see the request, and then no
 * notification comes for them.  Returns false when it is safe to halt until an interrupt
 * (also for a broken queue, which will not interrupt usefully: check virtio_vq_is_broken()).
 * This is the idle path's "re-arm, then check once more" (§2.7.14).  Owning core.
 */
bool virtio_vq_intr_enable(struct virtio_vq *vq);

/*
 * Like virtio_vq_intr_enable(), but with EVENT_IDX asks for the notification only after about
 * three quarters of the chains in flight completed (TX reclaim when the ring is full).
 * Returns true when more than that is already pending: harvest now.  Owning core.
 */
bool virtio_vq_intr_enable_delayed(struct virtio_vq *vq);

/*
 * After the device was reset (it no longer touches the queue): returns one in-flight token and
 * frees its chain, or NULL when none is left.  For tear-down and recovery from a broken
 * queue; set the queue up again (virtio_vq_init(), virtio_dev_vq_setup()) before adding to
 * it.  Owning core.
 */
void *virtio_vq_detach_unused(struct virtio_vq *vq);

/* Free descriptors: a chain of n segments fits when n (1 if it goes indirect) <= this. */
static inline unsigned virtio_vq_num_free(const struct virtio_vq *vq)
{
    return vq->num_free;
}

static inline bool virtio_vq_is_broken(const struct virtio_vq *vq)
{
    return vq->broken;
}

#endif
