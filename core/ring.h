/*
 * Lock-free single-producer / single-consumer ring of fixed-size slots.
 *
 * Exactly one producer and one consumer: the producer is one core (or an interrupt handler),
 * the consumer one core.  Used for console input (the UART interrupt handler produces, the
 * main loop of the same core consumes) and for the ARP replication rings (one ring per
 * sender-receiver core pair).  Any other sharing needs a lock around one side.
 *
 * How it stays correct without locks: `tail` is written only by the producer and `head` only
 * by the consumer; both run freely (uint32_t, wrapping) and the slot of index i is
 * i & (capacity - 1), so tail - head is the fill level even across the wrap.
 *   - The producer fills the slot, then publishes it with a release store of tail; the
 *     consumer's acquire load of tail therefore sees the slot's bytes.
 *   - The consumer reads the slot, then frees it with a release store of head; the
 *     producer's acquire load of head therefore cannot reuse a slot still being read.
 * Each side also keeps a copy of the other side's index on its own cache line and reloads the
 * shared one only when the copy says full (producer) or empty (consumer), so a push or pop
 * touches the other side's cache line only once per burst.
 *
 * Because each index has one writer, an interrupt handler may produce while the same core's
 * main loop is in the middle of a pop (and vice versa); no interrupts need to be disabled.
 * Nothing here blocks or wakes anyone: a producer that wants a halted consumer to notice sends
 * it an IPI after the push.
 *
 * The struct is aligned to the cache line; the storage for the slots is the caller's
 * (capacity * slot_size bytes, alive as long as the ring).
 */
#ifndef CORE_RING_H
#define CORE_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define CORE_RING_CACHE_LINE 64 /* x86-64 cache line: head and tail never share one */

struct core_ring {
    /* Set by core_ring_init(), read-only afterwards. */
    unsigned char *slots; /* capacity * slot_size bytes, slot i at i * slot_size */
    uint32_t mask;        /* capacity - 1; capacity is a power of two */
    uint32_t slot_size;   /* bytes per slot */

    /* Producer's cache line. */
    _Alignas(CORE_RING_CACHE_LINE) uint32_t tail; /* next index to fill; written by the
                                                     producer only, released after the fill */
    uint32_t head_seen;                           /* producer's last view of head */

    /* Consumer's cache line. */
    _Alignas(CORE_RING_CACHE_LINE) uint32_t head; /* next index to read; written by the
                                                     consumer only, released after the read */
    uint32_t tail_seen;                           /* consumer's last view of tail */
};

/*
 * Set up `r` over `slots` (capacity * slot_size bytes).  Before either side uses the ring;
 * the ring must then reach the other core through something that orders memory (the core's
 * startup, or a release store of a pointer to it).  Returns 0, or -EINVAL when capacity is not
 * a power of two in 1..2^31 or slot_size is 0.
 */
static inline int core_ring_init(struct core_ring *r, void *slots, uint32_t capacity,
                                 uint32_t slot_size)
{
    if (capacity == 0 || capacity > (UINT32_C(1) << 31) || (capacity & (capacity - 1)) ||
        slot_size == 0 || !slots)
        return -EINVAL;
    memset(r, 0, sizeof(*r));
    r->slots = slots;
    r->mask = capacity - 1;
    r->slot_size = slot_size;
    return 0;
}

/*
 * Producer: the slot to fill next, or NULL when the ring is full.  Fill it (slot_size bytes),
 * then publish it with core_ring_push_commit(); until then the consumer does not see it.
 */
static inline void *core_ring_push_slot(struct core_ring *r)
{
    uint32_t tail = r->tail; /* our own index: no ordering needed */

    if (tail - r->head_seen > r->mask) {
        /* Looks full: see how far the consumer got.  Acquire: its reads of the slots it freed
         * are done before we overwrite them. */
        r->head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
        if (tail - r->head_seen > r->mask)
            return NULL;
    }
    return r->slots + (size_t)(tail & r->mask) * r->slot_size;
}

/* Producer: publish the slot returned by the last core_ring_push_slot(). */
static inline void core_ring_push_commit(struct core_ring *r)
{
    /* Release: the slot's bytes are visible before the consumer sees the new tail. */
    __atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

/* Producer: copy slot_size bytes from `item` into the ring.  False when full (nothing done). */
static inline bool core_ring_try_push(struct core_ring *r, const void *item)
{
    void *slot = core_ring_push_slot(r);

    if (!slot)
        return false;
    memcpy(slot, item, r->slot_size);
    core_ring_push_commit(r);
    return true;
}

/*
 * Consumer: the oldest filled slot, or NULL when the ring is empty.  Read it, then free it
 * with core_ring_pop_commit(); until then the producer does not reuse it.
 */
static inline const void *core_ring_peek(struct core_ring *r)
{
    uint32_t head = r->head; /* our own index: no ordering needed */

    if (head == r->tail_seen) {
        /* Looks empty: see how far the producer got.  Acquire: pairs with its release store,
         * so the slots up to the new tail hold their bytes. */
        r->tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
        if (head == r->tail_seen)
            return NULL;
    }
    return r->slots + (size_t)(head & r->mask) * r->slot_size;
}

/* Consumer: free the slot returned by the last core_ring_peek(). */
static inline void core_ring_pop_commit(struct core_ring *r)
{
    /* Release: our reads of the slot are done before the producer sees it free. */
    __atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
}

/* Consumer: copy the oldest slot into `item` (slot_size bytes).  False when empty. */
static inline bool core_ring_try_pop(struct core_ring *r, void *item)
{
    const void *slot = core_ring_peek(r);

    if (!slot)
        return false;
    memcpy(item, slot, r->slot_size);
    core_ring_pop_commit(r);
    return true;
}

#endif
