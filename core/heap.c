/*
 * Per-core heap (see heap.h): size-class slabs and large page blocks, both 64 KiB aligned with
 * a 64-byte header at the start, and a lock-free remote-free list per heap.
 *
 * Layout of a slab (CORE_HEAP_SLAB_SIZE bytes):
 *   [struct heap_slab header, 64 B][object 0][object 1] ... [object cap-1][unused tail]
 * Objects never handed out lie between bump and end; freed ones are on the free list.
 * Layout of a large block (npages pages):
 *   [struct big header, 64 B][the caller's bytes, up to the end of the last page]
 *
 * A freed object carries two words: the next pointer and a check word, next ^ a key that says
 * which list it is on.  Freeing an object whose words already match is a double free: one load
 * and compare catches it while the object sits on a list (once it is handed out again, the
 * check word is cleared and a late second free can no longer be told apart).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/heap.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/pmm.h"

#define SLAB_SIZE  CORE_HEAP_SLAB_SIZE
#define SLAB_PAGES (SLAB_SIZE / CORE_PMM_PAGE_SIZE)
#define HDR_SIZE   64 /* slab and large-block header; keeps objects 16-byte aligned */

#define SLAB_MAGIC      0x534c41422d54524cull /* "SLAB-TRL": a live slab */
#define BIG_MAGIC       0x4249472d2d54524cull /* "BIG--TRL": a live large block */
#define DEAD_MAGIC      0x444541442d54524cull /* a slab or block given back to the pmm */
#define KEY_LOCAL_FREE  0x5a17c0de0f1ee1ccull /* check-word key: on a slab's free list */
#define KEY_REMOTE_FREE 0xa5e83f21f0e11e33ull /* check-word key: on a remote-free list */

_Static_assert(SLAB_SIZE % CORE_PMM_PAGE_SIZE == 0, "slabs are whole pages");
_Static_assert((SLAB_SIZE & (SLAB_SIZE - 1)) == 0, "blocks are found by aligning down");

/* The start of every slab and large block. */
struct block_hdr {
    uint64_t magic;     /* SLAB_MAGIC or BIG_MAGIC while live */
    struct heap *owner; /* the heap that allocated it; the only one that changes it */
};

struct heap_slab {
    struct block_hdr hdr;
    struct heap_obj *free;  /* freed objects, LIFO */
    char *bump;             /* first object never handed out */
    char *end;              /* one past the last object */
    struct heap_slab *prev; /* partial list of its class, when listed */
    struct heap_slab *next; /* partial list of its class, when listed */
    uint32_t size;          /* object size, the class size */
    uint16_t used;          /* objects handed out and not freed back to this slab */
    uint8_t cls;            /* index into class_size[] */
    uint8_t listed;         /* on its class's partial list */
};

struct big {
    struct block_hdr hdr;
    size_t npages; /* pages of the block, header included */
    size_t usable; /* bytes after the header */
};

/* A freed object (every object is at least 16 bytes). */
struct heap_obj {
    struct heap_obj *next;
    uint64_t check; /* next ^ KEY_LOCAL_FREE or KEY_REMOTE_FREE while on a list */
};

_Static_assert(sizeof(struct heap_slab) <= HDR_SIZE, "slab header fits");
_Static_assert(sizeof(struct big) <= HDR_SIZE, "large block header fits");

static const uint16_t class_size[CORE_HEAP_NCLASSES] = {
    16,  32,  48,  64,   80,   96,   112,  128,  160,  192,  224,  256,  320,  384,  448,  512,
    640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
};

/* The smallest class that holds size bytes (size <= CORE_HEAP_MAX_SMALL). */
static inline unsigned size_class(size_t size)
{
    if (size <= 128)
        return size ? (unsigned)(size - 1) / 16 : 0;
    /* Above 128: four classes per power of two.  b is the top bit of size - 1, the next two
     * bits pick the quarter. */
    size_t s = size - 1;
    unsigned b = 63 - (unsigned)__builtin_clzll(s);
    return 8 + (b - 7) * 4 + (unsigned)((s >> (b - 2)) & 3);
}

static inline struct block_hdr *block_of(const void *p)
{
    return (struct block_hdr *)((uintptr_t)p & ~(uintptr_t)(SLAB_SIZE - 1));
}

/*
 * The block p lies in, after checking that p can be a pointer this heap handed out.  Reads
 * only fields that are constant while the block is live, so any core may call it.
 */
static struct block_hdr *checked_block(const void *p, const char *fn)
{
    struct block_hdr *b = block_of(p);
    uintptr_t off = (uintptr_t)p - (uintptr_t)b;

    if (b->magic == SLAB_MAGIC) {
        const struct heap_slab *s = (const struct heap_slab *)b;
        if (off < HDR_SIZE || (const char *)p >= s->end || (uint32_t)(off - HDR_SIZE) % s->size)
            panic("%s: %p is not an object of slab %p", fn, p, (void *)s);
    } else if (b->magic == BIG_MAGIC) {
        if (off != HDR_SIZE)
            panic("%s: %p is not the start of large block %p", fn, p, (void *)b);
    } else {
        panic("%s: %p is not a heap pointer or was freed (magic %#llx)", fn, p,
              (unsigned long long)b->magic);
    }
    return b;
}

static void check_not_on_list(const void *p, const char *fn)
{
    const struct heap_obj *o = p;
    uint64_t key = (uint64_t)(uintptr_t)o->next ^ o->check;
    if (key == KEY_LOCAL_FREE || key == KEY_REMOTE_FREE)
        panic("%s: double free of %p", fn, p);
}

static size_t usable_size(const struct block_hdr *b)
{
    if (b->magic == SLAB_MAGIC)
        return ((const struct heap_slab *)b)->size;
    return ((const struct big *)b)->usable;
}

/* A failed allocation: count it, and log the first of a burst. */
static void *fail(struct heap *h, size_t size)
{
    h->failures++;
    if (!h->oom_logged) {
        h->oom_logged = true;
        log_error("heap c%u: out of memory for %zu bytes (%zu in use)", h->owner_id, size,
                  h->bytes_in_use);
    }
    return NULL;
}

/* --- slabs ------------------------------------------------------------------------------- */

static void list_add(struct heap_class *k, struct heap_slab *s)
{
    s->prev = NULL;
    s->next = k->partial;
    if (k->partial)
        k->partial->prev = s;
    k->partial = s;
    s->listed = 1;
}

static void list_del(struct heap_class *k, struct heap_slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        k->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->listed = 0;
}

static struct heap_slab *slab_new(struct heap *h, unsigned cls)
{
    struct heap_slab *s = core_pmm_alloc_aligned(SLAB_PAGES, SLAB_PAGES);
    if (!s)
        return NULL;
    s->hdr.magic = SLAB_MAGIC;
    s->hdr.owner = h;
    s->free = NULL;
    s->size = class_size[cls];
    s->bump = (char *)s + HDR_SIZE;
    s->end = s->bump + (SLAB_SIZE - HDR_SIZE) / s->size * s->size;
    s->prev = s->next = NULL;
    s->used = 0;
    s->cls = (uint8_t)cls;
    s->listed = 0;
    h->slabs++;
    return s;
}

static void slab_release(struct heap *h, struct heap_slab *s)
{
    s->hdr.magic = DEAD_MAGIC;
    h->slabs--;
    core_pmm_free(s, SLAB_PAGES);
}

/* An object of s, or NULL when s is full. */
static inline void *slab_pop(struct heap_slab *s)
{
    struct heap_obj *o = s->free;
    if (o) {
        s->free = o->next;
    } else if (s->bump < s->end) {
        o = (struct heap_obj *)s->bump;
        s->bump += s->size;
    } else {
        return NULL;
    }
    /* Not on a list any more: a free must not look like a double free, also when the memory
     * still holds the words of an earlier life (a slab given back to the pmm and taken again). */
    o->check = 0;
    s->used++;
    return o;
}

/* Free p into its slab s, owned by h.  The caller checked p's shape and the double-free words. */
static void slab_free(struct heap *h, struct heap_slab *s, void *p)
{
    struct heap_class *k = &h->classes[s->cls];
    struct heap_obj *o = p;

    if ((char *)p >= s->bump || s->used == 0)
        panic("%s: %p was never allocated from slab %p", __func__, p, (void *)s);
    o->next = s->free;
    o->check = (uint64_t)(uintptr_t)o->next ^ KEY_LOCAL_FREE;
    s->free = o;
    s->used--;
    h->bytes_in_use -= s->size;
    h->frees++;

    /* The current slab stays, even empty: an alloc-free pair must not go to the pmm each time. */
    if (s == k->current)
        return;
    if (s->used == 0) {
        if (s->listed)
            list_del(k, s);
        slab_release(h, s);
    } else if (!s->listed) {
        list_add(k, s); /* it was full: it has room again */
    }
}

/* The class ran dry: take back remote frees, then switch to a partial slab or a new one. */
static void *alloc_slow(struct heap *h, unsigned cls)
{
    struct heap_class *k = &h->classes[cls];

    core_heap_collect(h);
    for (;;) {
        void *p = k->current ? slab_pop(k->current) : NULL;
        if (p)
            return p;
        struct heap_slab *s = k->partial;
        if (!s)
            break;
        /* The old current slab is full; it is listed again by its next free. */
        list_del(k, s);
        k->current = s;
    }
    struct heap_slab *s = slab_new(h, cls);
    if (!s)
        return NULL;
    h->oom_logged = false;
    k->current = s;
    return slab_pop(s);
}

/* --- large blocks ------------------------------------------------------------------------ */

static void *big_alloc(struct heap *h, size_t size)
{
    if (size > SIZE_MAX - HDR_SIZE - CORE_PMM_PAGE_SIZE)
        return fail(h, size);
    size_t npages = (size + HDR_SIZE + CORE_PMM_PAGE_SIZE - 1) / CORE_PMM_PAGE_SIZE;

    core_heap_collect(h); /* large blocks freed by other cores go back to the pmm first */
    struct big *g = core_pmm_alloc_aligned(npages, SLAB_PAGES);
    if (!g)
        return fail(h, size);
    g->hdr.magic = BIG_MAGIC;
    g->hdr.owner = h;
    g->npages = npages;
    g->usable = npages * CORE_PMM_PAGE_SIZE - HDR_SIZE;
    h->oom_logged = false;
    h->big_blocks++;
    h->big_pages += npages;
    h->bytes_in_use += g->usable;
    h->allocs++;
    struct heap_obj *o = (struct heap_obj *)((char *)g + HDR_SIZE);
    o->check = 0; /* as in slab_pop */
    return o;
}

static void big_free(struct heap *h, struct big *g)
{
    h->big_blocks--;
    h->big_pages -= g->npages;
    h->bytes_in_use -= g->usable;
    h->frees++;
    g->hdr.magic = DEAD_MAGIC;
    core_pmm_free(g, g->npages);
}

/* --- public ------------------------------------------------------------------------------ */

void core_heap_init(struct heap *h, unsigned owner_id)
{
    memset(h, 0, sizeof(*h));
    h->owner_id = owner_id;
}

void *core_heap_alloc(struct heap *h, size_t size)
{
    if (size > CORE_HEAP_MAX_SMALL)
        return big_alloc(h, size);

    unsigned cls = size_class(size);
    struct heap_slab *s = h->classes[cls].current;
    void *p = s ? slab_pop(s) : NULL;
    if (__builtin_expect(!p, 0)) {
        p = alloc_slow(h, cls);
        if (!p)
            return fail(h, size);
    }
    h->bytes_in_use += class_size[cls];
    h->allocs++;
    return p;
}

void *core_heap_calloc(struct heap *h, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return fail(h, SIZE_MAX);
    void *p = core_heap_alloc(h, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void core_heap_free(struct heap *h, void *p)
{
    if (!p)
        return;
    struct block_hdr *b = checked_block(p, __func__);
    check_not_on_list(p, __func__);

    if (b->owner == h) {
        if (b->magic == SLAB_MAGIC)
            slab_free(h, (struct heap_slab *)b, p);
        else
            big_free(h, (struct big *)b);
        return;
    }

    /* Another core's object: push it onto the owner's remote-free list.  The release CAS
     * publishes the two words written before it to the owner's acquire exchange. */
    struct heap *owner = b->owner;
    struct heap_obj *o = p;
    struct heap_obj *head = __atomic_load_n(&owner->remote_head, __ATOMIC_RELAXED);
    do {
        o->next = head;
        o->check = (uint64_t)(uintptr_t)head ^ KEY_REMOTE_FREE;
    } while (!__atomic_compare_exchange_n(&owner->remote_head, &head, o, true, __ATOMIC_RELEASE,
                                          __ATOMIC_RELAXED));
}

void core_heap_collect(struct heap *h)
{
    if (!__atomic_load_n(&h->remote_head, __ATOMIC_RELAXED))
        return;
    struct heap_obj *o = __atomic_exchange_n(&h->remote_head, NULL, __ATOMIC_ACQUIRE);
    while (o) {
        struct heap_obj *next = o->next;
        struct block_hdr *b = block_of(o);
        o->check = 0; /* off the remote list; slab_free puts it on the local one */
        if (b->magic == SLAB_MAGIC)
            slab_free(h, (struct heap_slab *)b, o);
        else
            big_free(h, (struct big *)b);
        h->remote_frees++;
        o = next;
    }
}

void *core_heap_realloc(struct heap *h, void *p, size_t size)
{
    if (!p)
        return core_heap_alloc(h, size);
    if (size == 0) {
        core_heap_free(h, p);
        return NULL;
    }

    struct block_hdr *b = checked_block(p, __func__);
    size_t have = usable_size(b);
    /* Stay in place unless that would waste more than half of the block (a smaller class or
     * fewer pages would do). */
    if (size <= have && (size > have / 2 || have == class_size[0]))
        return p;

    void *q = core_heap_alloc(h, size);
    if (!q)
        return NULL;
    memcpy(q, p, size < have ? size : have);
    core_heap_free(h, p);
    return q;
}

void core_heap_stats(const struct heap *h, struct heap_stats *st)
{
    st->bytes_in_use = h->bytes_in_use;
    st->pages = h->slabs * SLAB_PAGES + h->big_pages;
    st->slabs = h->slabs;
    st->big_blocks = h->big_blocks;
    st->allocs = h->allocs;
    st->frees = h->frees;
    st->remote_frees = h->remote_frees;
    st->failures = h->failures;
}
