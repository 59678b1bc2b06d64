/*
 * Per-core heap: the arena behind malloc() (core/malloc.c routes each call to the calling
 * core's struct heap, embedded in its struct cpu).
 *
 * Small requests (up to CORE_HEAP_MAX_SMALL bytes) are rounded up to one of 32 size classes
 * (16, 32, ... 128 in steps of 16, then four steps per power of two up to 8192; at most 25%
 * rounding) and carved from 64 KiB slabs, each taken from the page allocator at a 64 KiB-aligned
 * address and owned by one heap.  A slab begins with a header naming its owner and class, so
 * the owner of any pointer is found by rounding it down to 64 KiB.  Larger requests take whole
 * pages from the page allocator, also 64 KiB aligned, behind the same kind of header.
 *
 * No lock on any path but the page allocator's.  A free by the owning core pushes onto the
 * slab's free list.  A free by another core pushes onto the owner's remote-free list, a
 * lock-free stack; the owner takes the whole list with one atomic exchange when a size class
 * runs dry or when it calls core_heap_collect().
 *
 * Every pointer returned is 16-byte aligned.  Memory is not zeroed (core_heap_calloc() zeroes).
 * A slab returns to the page allocator when its last object is freed, except the one slab per
 * class that allocations currently come from; a large block returns when it is freed.
 *
 * Context: the main loop or boot of the core that passes h.  Never from an interrupt handler:
 * the owner's operations are not atomic with respect to an interrupt on the same core.
 * Misuse that can be detected cheaply (a pointer this heap never returned, most double frees)
 * is a broken invariant: panic.
 */
#ifndef CORE_HEAP_H
#define CORE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORE_HEAP_SLAB_SIZE (64 * 1024) /* slab size and alignment of every heap block */
#define CORE_HEAP_MAX_SMALL 8192        /* largest request served from a slab */
#define CORE_HEAP_NCLASSES  32          /* size classes 16 .. CORE_HEAP_MAX_SMALL */

struct heap_slab; /* private to heap.c */
struct heap_obj;  /* a freed object, linked through its first bytes */

/* One size class of one heap. */
struct heap_class {
    struct heap_slab *current; /* slab allocations come from; NULL until the first */
    struct heap_slab *partial; /* other slabs with free objects (doubly linked) */
};

/*
 * A core's heap.  Every field is read and written only by the owning core, except remote_head.
 */
struct heap {
    unsigned owner_id; /* core id, for log lines */
    bool oom_logged;   /* the current burst of failed allocations was logged */
    struct heap_class classes[CORE_HEAP_NCLASSES];

    /* Statistics (see struct heap_stats). */
    size_t bytes_in_use;
    size_t slabs;
    size_t big_blocks;
    size_t big_pages;
    uint64_t allocs;
    uint64_t frees;
    uint64_t remote_frees;
    uint64_t failures;

    /* Objects freed by other cores, not yet taken back: a Treiber stack that any core pushes
     * onto with compare-and-swap (release) and only the owner empties, with one exchange
     * (acquire).  Single consumer and no pop of single elements, so no ABA problem.  On a cache
     * line of its own so that remote frees do not disturb the owner's fields. */
    struct heap_obj *remote_head __attribute__((aligned(64)));
};

/* A snapshot of one heap's counters, for the stats line and tests. */
struct heap_stats {
    size_t bytes_in_use;   /* bytes of live allocations, as rounded up to their class or pages */
    size_t pages;          /* pages held from the page allocator (slabs and large blocks) */
    size_t slabs;          /* 64 KiB slabs held */
    size_t big_blocks;     /* live large allocations */
    uint64_t allocs;       /* successful allocations since init */
    uint64_t frees;        /* frees processed since init, remote ones included */
    uint64_t remote_frees; /* of those, frees by other cores (counted when taken back) */
    uint64_t failures;     /* allocations that returned NULL */
};

/* Prepare h for the core owner_id.  Boot, before h is used; every heap starts empty. */
void core_heap_init(struct heap *h, unsigned owner_id);

/*
 * size bytes (0 is served as 1), 16-byte aligned.  Returns NULL when the page allocator is out
 * of memory; that is logged once per burst of failures, not per call.  Never blocks: the slow
 * path takes the page allocator's spinlock.
 */
void *core_heap_alloc(struct heap *h, size_t size);

/* n * size bytes, zeroed; NULL when n * size overflows (logged like an exhaustion) or memory
 * is out. */
void *core_heap_calloc(struct heap *h, size_t n, size_t size);

/*
 * Resize p to size bytes, keeping the contents up to the smaller of the sizes.  p == NULL is
 * core_heap_alloc(h, size); size == 0 frees p and returns NULL.  p may come from any core's
 * heap: when it has to move, the new block comes from h and the old one is freed as by
 * core_heap_free(h, p).  On failure returns NULL and p is untouched.
 */
void *core_heap_realloc(struct heap *h, void *p, size_t size);

/*
 * Free p (NULL does nothing).  h is the calling core's heap, not necessarily p's owner: a
 * pointer from another core's heap goes onto that heap's remote-free list (lock-free).
 */
void core_heap_free(struct heap *h, void *p);

/*
 * Take back the objects other cores freed into h.  Allocation does this itself when a class
 * runs dry; the main loop may call it when idle so memory freed remotely into classes it no
 * longer allocates from returns to the page allocator.  Cheap when there is nothing to take
 * (one load).
 */
void core_heap_collect(struct heap *h);

/* Counters of h.  The owning core; another core may read them for a stats line (approximate). */
void core_heap_stats(const struct heap *h, struct heap_stats *st);

#endif
