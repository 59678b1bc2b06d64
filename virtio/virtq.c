/*
 * Split virtqueue (virtio 1.2 §2.7).  See virtq.h for the contract.
 *
 * Memory layout of one queue (offsets from the caller's block, each part at its alignment):
 *   descriptor table   16 * size            align 16 (§2.7.1)
 *   available ring     6 + 2 * size         align 2  (with used_event at the end)
 *   used ring          6 + 8 * size         align VIRTIO_VQ_USED_ALIGN (spec: 4)
 *   indirect tables    size * VIRTIO_VQ_INDIRECT_SEGS * 16, align 16 (only if used)
 *   driver state       size * sizeof(struct virtio_vq_desc_state)
 *
 * Free descriptors form a list linked through state[].next; a direct chain takes descriptors
 * in list order, so its own links are the list's links and freeing it splices the whole chain
 * back in one step.  Nothing the device can write (descriptor table, used ring) is ever used
 * as an index before it was checked, and every shared field is read exactly once per use.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "virtio/limits.h"
#include "virtio/virtq.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "virtio 1.x rings are little-endian and this code stores native values");
_Static_assert(sizeof(struct virtq_desc) == 16, "§2.7.5: a descriptor is 16 bytes");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "§2.7.8: a used element is 8 bytes");
_Static_assert(VIRTIO_VQ_DIRECT_SEGS >= 1, "direct chains of one segment at least");
_Static_assert(VIRTIO_VQ_INDIRECT_SEGS >= 1 && VIRTIO_VQ_INDIRECT_SEGS <= VIRTIO_VQ_SIZE_MAX,
               "indirect table size");

/*
 * Memory barriers.  x86-64 is TSO (Intel SDM vol. 3A, "Memory Ordering in P6 and More Recent
 * Processor Families"): loads are not reordered with loads, stores not with stores, and stores
 * not with earlier loads.  So store->store and load->load ordering need only stop the
 * compiler.  A later load CAN pass an earlier store (the store buffer), so store->load
 * ordering needs a real fence: a locked read-modify-write, which is a full barrier and
 * cheaper than MFENCE (ring memory is write-back; no non-temporal stores are involved).
 */
static inline void barrier_compiler(void)
{
    __asm__ volatile("" ::: "memory");
}

/* store->store: x86 keeps stores in order; compiler barrier only. */
static inline void virtio_wmb(void)
{
    barrier_compiler();
}

/* load->load: x86 keeps loads in order; compiler barrier only. */
static inline void virtio_rmb(void)
{
    barrier_compiler();
}

/* store->load: full fence (locked add of 0 to the top of our own stack). */
static inline void virtio_mb(void)
{
    __asm__ volatile("lock; addl $0, (%%rsp)" ::: "memory", "cc");
}

/* Single, untorn accesses of shared 16/32-bit fields (the compiler may neither repeat nor
 * merge them): each value the device can change is read once into a local, then checked. */
static inline uint16_t load16(const uint16_t *p)
{
    return *(const volatile uint16_t *)p;
}

static inline uint32_t load32(const uint32_t *p)
{
    return *(const volatile uint32_t *)p;
}

static inline void store16(uint16_t *p, uint16_t v)
{
    *(volatile uint16_t *)p = v;
}

/* Rate limit for complaints about the device: log the 1st, 2nd, 4th, 8th... occurrence, so a
 * hostile device cannot flood the console but every kind of fault is reported. */
static inline bool log_due(uint64_t count)
{
    return (count & (count - 1)) == 0;
}

static size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Offsets of the parts of a queue in its memory block. */
struct layout {
    size_t avail;    /* available ring */
    size_t used;     /* used ring */
    size_t indirect; /* indirect tables (empty without them) */
    size_t state;    /* driver-private state */
    size_t total;    /* bytes needed */
};

static bool layout_of(uint16_t size, bool indirect, struct layout *l)
{
    if (size == 0 || (size & (size - 1)) != 0 || size > VIRTIO_VQ_SIZE_MAX)
        return false;
    /* §2.7 table: descriptor table align 16, available ring align 2, used ring align 4; the
     * trailing used_event / avail_event (2 bytes each) are the "+ 2" in the 6 + ... sizes. */
    l->avail = sizeof(struct virtq_desc) * (size_t)size;
    l->used = align_up(l->avail + 6 + 2 * (size_t)size, VIRTIO_VQ_USED_ALIGN);
    l->indirect = align_up(l->used + 6 + 8 * (size_t)size, 16);
    l->state = l->indirect;
    if (indirect)
        l->state += (size_t)size * VIRTIO_VQ_INDIRECT_SEGS * sizeof(struct virtq_desc);
    l->state = align_up(l->state, _Alignof(struct virtio_vq_desc_state));
    l->total = l->state + (size_t)size * sizeof(struct virtio_vq_desc_state);
    return true;
}

size_t virtio_vq_mem_size(uint16_t size, bool indirect)
{
    struct layout l;
    return layout_of(size, indirect, &l) ? l.total : 0;
}

int virtio_vq_init(struct virtio_vq *vq, const struct virtio_vq_params *p)
{
    struct layout l;
    char *mem = p->mem;

    if (!layout_of(p->size, p->indirect, &l) || !mem || ((uintptr_t)mem & 15) != 0 ||
        p->mem_len < l.total || !p->notify)
        return -EINVAL;

    /* Zeroed memory gives: avail->flags = 0 and used_event = 0 (notify after the first used
     * entry), used->flags = 0 as §2.7.10 requires of the driver, avail->idx = 0. */
    memset(mem, 0, l.total);
    memset(vq, 0, sizeof(*vq));
    vq->desc = (struct virtq_desc *)mem;
    vq->avail = (struct virtq_avail *)(mem + l.avail);
    vq->used = (struct virtq_used *)(mem + l.used);
    vq->indirect = p->indirect ? (struct virtq_desc *)(mem + l.indirect) : NULL;
    vq->state = (struct virtio_vq_desc_state *)(mem + l.state);
    vq->used_event = &vq->avail->ring[p->size];
    vq->avail_event = (uint16_t *)&vq->used->ring[p->size];
    vq->size = p->size;
    vq->mask = p->size - 1;
    vq->index = p->index;
    vq->name = p->name ? p->name : "virtio";
    vq->event_idx = p->event_idx;
    vq->intr_enabled = true;
    vq->notify = p->notify;
    vq->notify_ctx = p->notify_ctx;

    /* All descriptors free, linked in table order. */
    for (unsigned i = 0; i < p->size; i++)
        vq->state[i].next = (uint16_t)((i + 1) & vq->mask);
    vq->free_head = 0;
    vq->num_free = p->size;
    return 0;
}

void virtio_vq_ring_addrs(const struct virtio_vq *vq, struct virtio_vq_addrs *a)
{
    a->desc = virtio_dma_addr(vq->desc);
    a->driver = virtio_dma_addr(vq->avail);
    a->device = virtio_dma_addr(vq->used);
}

/* Fills descriptors d[0 .. n) of an indirect table from segs (§2.7.5.3: chained by `next`,
 * starting at index 0).  Returns the device-writable byte count, or -1 for an invalid chain. */
static int64_t fill_indirect(struct virtq_desc *d, const struct virtio_vq_seg *segs, unsigned nout,
                             unsigned n)
{
    uint64_t total = 0, in_len = 0;

    for (unsigned k = 0; k < n; k++) {
        uint32_t len = segs[k].len;
        if (len == 0)
            return -1;
        total += len;
        d[k].addr = segs[k].addr;
        d[k].len = len;
        d[k].flags = (k >= nout ? VIRTQ_DESC_F_WRITE : 0) | (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
        d[k].next = (uint16_t)(k + 1 < n ? k + 1 : 0);
        if (k >= nout)
            in_len += len;
    }
    /* §2.7.5.2: a chain is at most 2^32 bytes; we keep it below so lengths fit in 32 bits. */
    return total > UINT32_MAX ? -1 : (int64_t)in_len;
}

/* Fills a direct chain of n descriptors taken from the free list, starting at the head.
 * Returns the device-writable byte count, or -1 for an invalid chain; *after receives the
 * free-list entry that follows the chain.  Nothing is taken from the list here. */
static int64_t fill_direct(struct virtio_vq *vq, const struct virtio_vq_seg *segs, unsigned nout,
                           unsigned n, uint16_t *after)
{
    uint64_t total = 0, in_len = 0;
    uint16_t i = vq->free_head;

    for (unsigned k = 0; k < n; k++) {
        struct virtq_desc *d = &vq->desc[i];
        uint32_t len = segs[k].len;
        uint16_t next = vq->state[i].next;
        if (len == 0)
            return -1;
        total += len;
        d->addr = segs[k].addr;
        d->len = len;
        d->flags = (k >= nout ? VIRTQ_DESC_F_WRITE : 0) | (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
        d->next = k + 1 < n ? next : 0;
        if (k >= nout)
            in_len += len;
        i = next;
    }
    *after = i;
    return total > UINT32_MAX ? -1 : (int64_t)in_len;
}

int virtio_vq_add(struct virtio_vq *vq, const struct virtio_vq_seg *segs, unsigned nout,
                  unsigned nin, void *token)
{
    unsigned n = nout + nin;
    struct virtio_vq_desc_state *st;
    uint16_t head = vq->free_head;
    bool indirect;
    int64_t in_len;

    if (__builtin_expect(vq->broken, 0))
        return -EIO;
    /* §2.7.5.3: no chain longer than the queue size, indirect or not. */
    if (!token || nout > vq->size || nin > vq->size || n == 0 || n > vq->size)
        return -EINVAL;

    /* Long chains, and chains that would not fit directly, go indirect when they can. */
    indirect = vq->indirect && n <= VIRTIO_VQ_INDIRECT_SEGS &&
               (n > VIRTIO_VQ_DIRECT_SEGS || n > vq->num_free);
    if ((indirect ? 1 : n) > vq->num_free)
        return -ENOSPC;

    if (indirect) {
        struct virtq_desc *table = &vq->indirect[(size_t)head * VIRTIO_VQ_INDIRECT_SEGS];
        struct virtq_desc *d = &vq->desc[head];
        in_len = fill_indirect(table, segs, nout, n);
        if (in_len < 0)
            return -EINVAL;
        /* §2.7.5.3: one ring descriptor points at the table; INDIRECT never with NEXT, and
         * WRITE is ignored by the device there (the table's own flags count). */
        d->addr = virtio_dma_addr(table);
        d->len = n * (uint32_t)sizeof(struct virtq_desc);
        d->flags = VIRTQ_DESC_F_INDIRECT;
        d->next = 0;
        vq->free_head = vq->state[head].next;
        vq->num_free -= 1;
        vq->state[head].ndesc = 1;
    } else {
        uint16_t after;
        in_len = fill_direct(vq, segs, nout, n, &after);
        if (in_len < 0)
            return -EINVAL;
        vq->free_head = after;
        vq->num_free -= n;
        vq->state[head].ndesc = (uint16_t)n;
    }
    st = &vq->state[head];
    st->token = token;
    st->in_len = (uint32_t)in_len;

    /* §2.7.13.2: put the head in the next available-ring slot. */
    vq->avail->ring[vq->avail_idx & vq->mask] = head;
    /* §2.7.13.3 (Updating idx): the descriptors and the ring entry must be visible before the
     * new idx exposes them.  store->store: compiler barrier on x86. */
    virtio_wmb();
    store16(&vq->avail->idx, ++vq->avail_idx);
    /* Saturate: more than 0xffff additions without a kick decision forces a kick. */
    vq->num_added += vq->num_added < 0xffff;
    return 0;
}

bool virtio_vq_kick_prepare(struct virtio_vq *vq)
{
    uint16_t new_idx = vq->avail_idx;
    uint16_t added = vq->num_added;
    uint16_t old_idx = (uint16_t)(new_idx - added);

    if (added == 0)
        return false;
    vq->num_added = 0;
    /* §2.7.13.4 (Notifying the device): the idx store must be visible before we read the
     * device's avail_event / flags, or the device may go idle between the two and we skip
     * the kick it needed.  store->load: full fence. */
    virtio_mb();
    if (added == 0xffff)
        return true;
    if (vq->event_idx)
        return virtio_vq_need_event(load16(vq->avail_event), new_idx, old_idx); /* §2.7.10 */
    return !(load16(&vq->used->flags) & VIRTQ_USED_F_NO_NOTIFY);                /* §2.7.10 */
}

void virtio_vq_notify(struct virtio_vq *vq)
{
    vq->stats.notifies++;
    vq->notify(vq->notify_ctx, vq->index);
}

bool virtio_vq_kick(struct virtio_vq *vq)
{
    if (!virtio_vq_kick_prepare(vq))
        return false;
    virtio_vq_notify(vq);
    return true;
}

static void mark_broken(struct virtio_vq *vq, uint16_t used_idx)
{
    vq->broken = true;
    vq->stats.idx_jump++;
    log_error("%s: queue %u: used idx jumped from %u to %u (size %u): queue disabled", vq->name,
              vq->index, vq->last_used, used_idx, vq->size);
}

/* Reads the device's used idx and validates it.  Returns whether entries are pending. */
static bool refresh_used(struct virtio_vq *vq)
{
    uint16_t used_idx = load16(&vq->used->idx);

    /* At most `size` chains can be in flight, so a valid index is never more than `size`
     * ahead of ours (an index that went backwards shows up as a huge jump). */
    if (__builtin_expect((uint16_t)(used_idx - vq->last_used) > vq->size, 0)) {
        mark_broken(vq, used_idx);
        return false;
    }
    /* §2.7.14 / §2.7.8: read the entries only after the idx that exposes them (the device
     * wrote them before the idx).  load->load: compiler barrier on x86. */
    virtio_rmb();
    vq->used_seen = used_idx;
    return used_idx != vq->last_used;
}

/* Returns a chain to the free list: its private links still join its descriptors. */
static void free_chain(struct virtio_vq *vq, uint16_t head)
{
    struct virtio_vq_desc_state *st = &vq->state[head];
    uint16_t tail = head;

    for (unsigned k = 1; k < st->ndesc; k++)
        tail = vq->state[tail].next;
    vq->state[tail].next = vq->free_head;
    vq->free_head = head;
    vq->num_free += st->ndesc;
    st->token = NULL;
}

void *virtio_vq_get_buf(struct virtio_vq *vq, uint32_t *len)
{
    while (!vq->broken) {
        const struct virtq_used_elem *e;
        struct virtio_vq_desc_state *st;
        uint32_t id, used_len;
        void *token;

        if (vq->last_used == vq->used_seen && !refresh_used(vq))
            return NULL;
        e = &vq->used->ring[vq->last_used & vq->mask];
        id = load32(&e->id);
        used_len = load32(&e->len);
        vq->last_used++;

        if (__builtin_expect(id >= vq->size, 0)) {
            if (log_due(++vq->stats.bad_id))
                log_warn("%s: queue %u: used id %u out of range (size %u), dropped (%llu so far)",
                         vq->name, vq->index, id, vq->size, (unsigned long long)vq->stats.bad_id);
            continue;
        }
        st = &vq->state[id];
        token = st->token;
        if (__builtin_expect(!token, 0)) {
            if (log_due(++vq->stats.not_head))
                log_warn("%s: queue %u: used id %u heads no chain in flight, dropped "
                         "(%llu so far)",
                         vq->name, vq->index, id, (unsigned long long)vq->stats.not_head);
            continue;
        }
        if (__builtin_expect(used_len > st->in_len, 0)) {
            if (log_due(++vq->stats.bad_len))
                log_warn("%s: queue %u: used len %u > %u writable bytes, contents dropped "
                         "(%llu so far)",
                         vq->name, vq->index, used_len, st->in_len,
                         (unsigned long long)vq->stats.bad_len);
            used_len = 0;
        }
        free_chain(vq, (uint16_t)id);
        *len = used_len;
        return token;
    }
    return NULL;
}

bool virtio_vq_has_used(const struct virtio_vq *vq)
{
    return !vq->broken &&
           (vq->last_used != vq->used_seen || load16(&vq->used->idx) != vq->last_used);
}

void virtio_vq_intr_disable(struct virtio_vq *vq)
{
    if (!vq->intr_enabled)
        return;
    vq->intr_enabled = false;
    /* §2.7.7.  With EVENT_IDX flags must stay 0; instead point used_event just behind the next
     * entry: the device notifies only when its idx crosses used_event, which it cannot do
     * again before it has lapped 2^16 entries (then one spurious notification, tolerated).
     * Without EVENT_IDX the NO_INTERRUPT flag.  Advisory either way: no barrier needed. */
    if (vq->event_idx)
        store16(vq->used_event, (uint16_t)(vq->last_used - 1));
    else
        store16(&vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Requests a notification when the device writes used entry `event` (EVENT_IDX) or at the
 * next entry, then returns how many entries are pending after a full fence. */
static uint16_t rearm(struct virtio_vq *vq, uint16_t event)
{
    vq->intr_enabled = true;
    if (vq->event_idx)
        store16(vq->used_event, event); /* §2.7.7 */
    else
        store16(&vq->avail->flags, 0); /* §2.7.7 */
    /* §2.7.14 (the note on re-enabling): the request must be visible to the device before we
     * read used->idx again; otherwise an entry written in between is neither seen by us nor
     * notified by the device (a lost wake-up).  store->load: full fence. */
    virtio_mb();
    return (uint16_t)(load16(&vq->used->idx) - vq->last_used);
}

bool virtio_vq_intr_enable(struct virtio_vq *vq)
{
    if (vq->broken)
        return false;
    return rearm(vq, vq->last_used) != 0;
}

bool virtio_vq_intr_enable_delayed(struct virtio_vq *vq)
{
    /* Chains in flight: one avail entry per chain added, one used entry per chain done. */
    uint16_t bufs = (uint16_t)((uint16_t)(vq->avail_idx - vq->last_used) * 3 / 4);

    if (vq->broken)
        return false;
    return rearm(vq, (uint16_t)(vq->last_used + bufs)) > bufs;
}

void *virtio_vq_detach_unused(struct virtio_vq *vq)
{
    for (unsigned i = 0; i < vq->size; i++) {
        void *token = vq->state[i].token;
        if (token) {
            free_chain(vq, (uint16_t)i);
            return token;
        }
    }
    return NULL;
}
