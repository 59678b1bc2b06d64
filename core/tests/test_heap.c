/*
 * Host tests of the per-core heap (core/heap.c) on top of the real page allocator, which gets
 * an aligned host allocation as its only range.  "Cores" are struct heaps: a test passes a
 * different heap to act as another core, and pthreads make the remote frees concurrent.
 * Panics are checked in a forked child, whose panic() (tests/host/log_host.c) aborts.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/heap.h"
#include "core/log.h"
#include "core/pmm.h"
#include "tests/host/expect_panic.h"
#include "tests/host/log_host.h"
#include "tests/host/xorshift.h"

#define PAGE       CORE_PMM_PAGE_SIZE
#define SLAB       CORE_HEAP_SLAB_SIZE
#define ARENA_SIZE (32ul << 20)
#define MAX_SMALL  CORE_HEAP_MAX_SMALL

static uint8_t *arena;
static size_t pmm_free_at_start;
static struct heap heap_a, heap_b;

static size_t pmm_free(void)
{
    size_t total, nfree;
    core_pmm_stats(&total, &nfree);
    return nfree;
}

static struct heap_stats stats(const struct heap *h)
{
    struct heap_stats st;
    core_heap_stats(h, &st);
    return st;
}

static int setup_size(size_t size)
{
    core_pmm_reset();
    arena = aligned_alloc(SLAB, size);
    if (!arena || core_pmm_add_range((uintptr_t)arena, size) != 0)
        return -1;
    pmm_free_at_start = pmm_free();
    core_heap_init(&heap_a, 0);
    core_heap_init(&heap_b, 1);
    return 0;
}

static int setup(void **state)
{
    return setup_size(ARENA_SIZE);
}

static int setup_small(void **state)
{
    return setup_size(1ul << 20);
}

static int teardown(void **state)
{
    core_pmm_reset();
    free(arena);
    arena = NULL;
    return 0;
}

/* Every live byte is accounted for and every page is either free or held by a heap. */
static void assert_empty(const struct heap *h)
{
    struct heap_stats st = stats(h);
    assert_int_equal(st.bytes_in_use, 0);
    assert_int_equal(st.allocs, st.frees);
    assert_int_equal(st.big_blocks, 0);
    assert_int_equal(st.pages, st.slabs * (SLAB / PAGE));
}

static void assert_pages_conserved(void)
{
    assert_int_equal(pmm_free() + stats(&heap_a).pages + stats(&heap_b).pages, pmm_free_at_start);
}

/* Byte i of an allocation with tag t. */
static inline uint8_t pattern(uint32_t t, size_t i)
{
    return (uint8_t)(t * 131 + i * 7 + (i >> 8));
}

static void fill(void *p, size_t n, uint32_t t)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = pattern(t, i);
}

static bool check(const void *p, size_t n, uint32_t t)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != pattern(t, i))
            return false;
    return true;
}

/* xorshift64: deterministic sizes and choices. */
static uint64_t rnd(uint64_t *s)
{
    return xorshift64(s);
}

/* Mostly small, some medium, a few large: the mix a web server's heap sees. */
static size_t random_size(uint64_t *s)
{
    uint64_t r = rnd(s);
    switch (r % 10) {
    case 0:
        return MAX_SMALL + 1 + (r >> 8) % (200 * 1024);
    case 1:
    case 2:
        return 257 + (r >> 8) % (MAX_SMALL - 256);
    default:
        return (r >> 8) % 257;
    }
}

/* --- single heap ------------------------------------------------------------------------- */

static void test_every_small_size(void **state)
{
    for (size_t size = 0; size <= MAX_SMALL; size++) {
        size_t before = stats(&heap_a).bytes_in_use;
        uint8_t *p = core_heap_alloc(&heap_a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        size_t got = stats(&heap_a).bytes_in_use - before;
        /* Rounded up to a multiple of 16 up to 128 bytes, by at most 25% above. */
        if (size <= 128)
            assert_int_equal(got, size <= 16 ? 16 : (size + 15) / 16 * 16);
        else
            assert_true(got >= size && got % 16 == 0 && got <= size + size / 4);
        memset(p, 0xa5, size);
        core_heap_free(&heap_a, p);
    }
    assert_empty(&heap_a);
    assert_pages_conserved();
}

static void test_classes_do_not_overlap(void **state)
{
    /* Many live objects of every class at once, each with its own pattern. */
    enum { PER_SIZE = 40 };
    static const size_t sizes[] = {1,   16,  17,   48,   100,  128,  129,  200,  256,  300,
                                   512, 700, 1024, 1500, 2048, 3000, 4096, 5000, 8000, 8192};
    enum { N = sizeof(sizes) / sizeof(sizes[0]) * PER_SIZE };
    void *p[N];
    for (unsigned i = 0; i < N; i++) {
        size_t size = sizes[i % (N / PER_SIZE)];
        p[i] = core_heap_alloc(&heap_a, size);
        assert_non_null(p[i]);
        fill(p[i], size, i);
    }
    for (unsigned i = 0; i < N; i++)
        assert_true(check(p[i], sizes[i % (N / PER_SIZE)], i));
    for (unsigned i = 0; i < N; i++)
        core_heap_free(&heap_a, p[i]);
    assert_empty(&heap_a);
    /* Only the current slab of each class is kept. */
    assert_true(stats(&heap_a).slabs <= N / PER_SIZE);
    assert_pages_conserved();
}

static void test_local_free_is_reused(void **state)
{
    void *p = core_heap_alloc(&heap_a, 100);
    core_heap_free(&heap_a, p);
    assert_ptr_equal(core_heap_alloc(&heap_a, 112), p); /* same class, LIFO */
    core_heap_free(&heap_a, p);
    assert_empty(&heap_a);
}

static void test_empty_slabs_return_to_pmm(void **state)
{
    /* Three slabs' worth of 1 KiB objects; free all: only the current slab stays. */
    enum { N = 3 * (SLAB / 1024) };
    void *p[N];
    for (int i = 0; i < N; i++)
        assert_non_null(p[i] = core_heap_alloc(&heap_a, 1024));
    assert_true(stats(&heap_a).slabs >= 3);
    for (int i = 0; i < N; i++)
        core_heap_free(&heap_a, p[i]);
    assert_int_equal(stats(&heap_a).slabs, 1);
    assert_empty(&heap_a);
    assert_pages_conserved();
}

static void test_recycled_memory_is_not_a_double_free(void **state)
{
    /* Slabs given back to the pmm still hold free-list words.  Taken again (as a slab of the
     * same class or a large block), an object the caller never writes to must still free. */
    enum { N = 2 * ((SLAB - 64) / 32) };
    static void *p[N];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++)
            assert_non_null(p[i] = core_heap_alloc(&heap_a, 32));
        for (int i = 0; i < N; i++)
            core_heap_free(&heap_a, p[i]);
        void *big = core_heap_alloc(&heap_a, 3 * SLAB);
        assert_non_null(big);
        core_heap_free(&heap_a, big);
    }
    assert_empty(&heap_a);
}

static void test_large_blocks(void **state)
{
    static const size_t sizes[] = {MAX_SMALL + 1, 16384, 16717, 65536, 1 << 20, 3 << 20};
    enum { N = sizeof(sizes) / sizeof(sizes[0]) };
    void *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = core_heap_alloc(&heap_a, sizes[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        fill(p[i], sizes[i], (uint32_t)i);
    }
    struct heap_stats st = stats(&heap_a);
    assert_int_equal(st.big_blocks, N);
    assert_int_equal(st.slabs, 0);
    for (int i = 0; i < N; i++) {
        assert_true(check(p[i], sizes[i], (uint32_t)i));
        core_heap_free(&heap_a, p[i]);
    }
    assert_empty(&heap_a);
    assert_int_equal(pmm_free(), pmm_free_at_start);
}

static void test_heap_calloc(void **state)
{
    /* A recycled object is zeroed. */
    uint8_t *p = core_heap_alloc(&heap_a, 64);
    memset(p, 0xff, 64);
    core_heap_free(&heap_a, p);
    uint8_t *q = core_heap_calloc(&heap_a, 8, 8);
    assert_ptr_equal(q, p);
    for (int i = 0; i < 64; i++)
        assert_int_equal(q[i], 0);
    core_heap_free(&heap_a, q);

    uint8_t *big = core_heap_calloc(&heap_a, 1000, 100);
    assert_non_null(big);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(big[i], 0);
    core_heap_free(&heap_a, big);

    /* n * size overflows: NULL, counted, logged. */
    uint64_t failures = stats(&heap_a).failures;
    assert_null(core_heap_calloc(&heap_a, SIZE_MAX / 2 + 1, 2));
    assert_null(core_heap_calloc(&heap_a, 2, SIZE_MAX / 2 + 1));
    assert_null(core_heap_calloc(&heap_a, (size_t)1 << 33, (size_t)1 << 33));
    assert_int_equal(stats(&heap_a).failures, failures + 3);
    assert_empty(&heap_a);
}

static void test_heap_realloc(void **state)
{
    /* NULL in: an allocation. */
    uint8_t *p = core_heap_realloc(&heap_a, NULL, 10);
    assert_non_null(p);
    fill(p, 10, 1);
    /* Growing through every kind: small classes, large blocks; the contents follow. */
    static const size_t steps[] = {10, 20, 100, 1000, 8192, 8193, 50000, 300000};
    for (unsigned i = 1; i < sizeof(steps) / sizeof(steps[0]); i++) {
        p = core_heap_realloc(&heap_a, p, steps[i]);
        assert_non_null(p);
        assert_true(check(p, steps[i - 1], 1));
        fill(p, steps[i], 1);
    }
    /* Shrinking a little stays in place; a lot moves to a smaller block. */
    uint8_t *same = core_heap_realloc(&heap_a, p, 250000);
    assert_ptr_equal(same, p);
    p = core_heap_realloc(&heap_a, p, 100);
    assert_non_null(p);
    assert_true(check(p, 100, 1));
    assert_int_equal(stats(&heap_a).big_blocks, 0);
    /* Within one class it never moves. */
    assert_ptr_equal(core_heap_realloc(&heap_a, p, 112), p);
    assert_ptr_equal(core_heap_realloc(&heap_a, p, 97), p);
    uint8_t *tiny = core_heap_alloc(&heap_a, 16);
    assert_ptr_equal(core_heap_realloc(&heap_a, tiny, 1), tiny);
    core_heap_free(&heap_a, tiny);
    /* Size 0 frees. */
    assert_null(core_heap_realloc(&heap_a, p, 0));
    assert_empty(&heap_a);
    assert_pages_conserved();
}

static void test_random_ops(void **state)
{
    enum { SLOTS = 512, OPS = 60000 };
    static void *ptr[SLOTS];
    static size_t len[SLOTS];
    static uint32_t tag[SLOTS];
    uint64_t s = 0x9e3779b97f4a7c15ull;
    uint32_t next_tag = 1;

    memset(ptr, 0, sizeof(ptr));
    for (int op = 0; op < OPS; op++) {
        unsigned i = rnd(&s) % SLOTS;
        unsigned what = rnd(&s) % 3;
        if (!ptr[i]) {
            len[i] = random_size(&s);
            ptr[i] =
                what == 0 ? core_heap_calloc(&heap_a, 1, len[i]) : core_heap_alloc(&heap_a, len[i]);
            assert_non_null(ptr[i]);
            assert_int_equal((uintptr_t)ptr[i] % 16, 0);
            tag[i] = next_tag++;
            fill(ptr[i], len[i], tag[i]);
        } else if (what == 0) {
            size_t n = random_size(&s);
            assert_true(check(ptr[i], len[i], tag[i]));
            void *q = core_heap_realloc(&heap_a, ptr[i], n);
            if (n == 0) {
                assert_null(q);
                ptr[i] = NULL;
                continue;
            }
            assert_non_null(q);
            assert_true(check(q, len[i] < n ? len[i] : n, tag[i]));
            ptr[i] = q;
            len[i] = n;
            tag[i] = next_tag++;
            fill(ptr[i], len[i], tag[i]);
        } else {
            assert_true(check(ptr[i], len[i], tag[i]));
            core_heap_free(&heap_a, ptr[i]);
            ptr[i] = NULL;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (ptr[i]) {
            assert_true(check(ptr[i], len[i], tag[i]));
            core_heap_free(&heap_a, ptr[i]);
        }
    }
    assert_empty(&heap_a);
    assert_int_equal(stats(&heap_a).failures, 0);
    assert_pages_conserved();
}

/* --- exhaustion -------------------------------------------------------------------------- */

static void test_exhaustion(void **state)
{
    /* setup_small: 1 MiB, i.e. 15 usable slabs; fill them with 4 KiB objects. */
    enum { MAX = 1024 };
    static void *p[MAX];
    unsigned n = 0;
    unsigned errors = log_host_count[LOG_ERROR];
    while (n < MAX && (p[n] = core_heap_alloc(&heap_a, 4096)) != NULL)
        n++;
    assert_true(n > 0 && n < MAX);
    /* The pmm and the heap each log the burst once, not per failing call. */
    for (int i = 0; i < 100; i++) {
        assert_null(core_heap_alloc(&heap_a, 4096));
        assert_null(core_heap_alloc(&heap_a, 100000));
    }
    assert_int_equal(log_host_count[LOG_ERROR], errors + 2);
    assert_non_null(strstr(log_host_last, "out of memory"));
    assert_int_equal(stats(&heap_a).failures, 201);

    /* Memory comes back: allocation works again, and a new burst is logged again. */
    for (unsigned i = 0; i < n; i++)
        core_heap_free(&heap_a, p[i]);
    void *big = core_heap_alloc(&heap_a, 512 * 1024);
    assert_non_null(big);
    core_heap_free(&heap_a, big);
    assert_null(core_heap_alloc(&heap_a, 2 << 20));
    assert_int_equal(log_host_count[LOG_ERROR], errors + 4);
    assert_null(core_heap_alloc(&heap_a, SIZE_MAX)); /* huge: no overflow, just NULL */
    assert_null(core_heap_alloc(&heap_a, SIZE_MAX - 4096));
    assert_empty(&heap_a);
}

/* --- other cores ------------------------------------------------------------------------- */

static void test_remote_free_single_thread(void **state)
{
    void *p = core_heap_alloc(&heap_a, 300);
    void *big = core_heap_alloc(&heap_a, 100000);
    /* Heap b frees a's memory: it waits on a's remote list and still counts as in use. */
    core_heap_free(&heap_b, p);
    core_heap_free(&heap_b, big);
    assert_int_equal(stats(&heap_a).big_blocks, 1);
    assert_int_equal(stats(&heap_b).frees, 0);
    core_heap_collect(&heap_a);
    struct heap_stats st = stats(&heap_a);
    assert_int_equal(st.remote_frees, 2);
    assert_empty(&heap_a);
    assert_empty(&heap_b);
    assert_pages_conserved();
    core_heap_collect(&heap_a); /* nothing left: harmless */
}

static void test_realloc_from_other_core(void **state)
{
    uint8_t *p = core_heap_alloc(&heap_a, 200);
    fill(p, 200, 7);
    /* In place: the block stays a's. */
    assert_ptr_equal(core_heap_realloc(&heap_b, p, 180), p);
    /* Moving: the new block is b's, the old one goes back to a remotely. */
    uint8_t *q = core_heap_realloc(&heap_b, p, 5000);
    assert_non_null(q);
    assert_ptr_not_equal(q, p);
    assert_true(check(q, 200, 7));
    assert_int_equal(stats(&heap_b).allocs, 1);
    core_heap_collect(&heap_a);
    assert_int_equal(stats(&heap_a).remote_frees, 1);
    assert_empty(&heap_a);
    core_heap_free(&heap_b, q);
    assert_empty(&heap_b);
}

struct free_job {
    struct heap *h; /* the freeing "core" */
    void **p;
    unsigned n;
};

static void *free_all(void *arg)
{
    struct free_job *job = arg;
    for (unsigned i = 0; i < job->n; i++)
        core_heap_free(job->h, job->p[i]);
    return NULL;
}

static void test_remote_frees_are_reused(void **state)
{
    /* Two full slabs of 64-byte objects, so the current slab has no untouched room left. */
    enum { PER_SLAB = (SLAB - 64) / 64, N = 2 * PER_SLAB };
    static void *first[N];
    for (int i = 0; i < N; i++)
        assert_non_null(first[i] = core_heap_alloc(&heap_a, 64));
    size_t pages = stats(&heap_a).pages;
    size_t nfree = pmm_free();

    /* Another thread, as core b, frees them all. */
    struct free_job job = {&heap_b, first, N};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_all, &job), 0);
    assert_int_equal(pthread_join(t, NULL), 0);

    /* a allocates as many again: the class runs dry, a takes the remote list back and hands
     * out the same memory, without needing more pages. */
    for (int i = 0; i < N; i++) {
        void *p = core_heap_alloc(&heap_a, 64);
        bool seen = false;
        for (int k = 0; k < N && !seen; k++)
            seen = first[k] == p;
        assert_true(seen);
    }
    assert_int_equal(stats(&heap_a).remote_frees, N);
    assert_int_equal(stats(&heap_a).pages, pages);
    assert_int_equal(pmm_free(), nfree);
}

/*
 * Two threads as two cores.  Each allocates batches, stamps them and hands them to the other
 * through a small queue; the other checks and frees them (remote frees) while the owner keeps
 * allocating and freeing locally, so pushes race with the owner's exchange.
 */
enum { BATCH = 64, ROUNDS = 600, QUEUE = 4 };

struct batch {
    void *p[BATCH];
    size_t len[BATCH];
    uint32_t tag[BATCH];
};

struct queue {
    pthread_mutex_t lock;
    struct batch *slot[QUEUE];
    unsigned head, tail; /* head - tail batches queued */
};

struct worker {
    struct heap *h;
    struct queue *out, *in;
    uint64_t seed;
    size_t peak_pages; /* most pages h held at once */
    size_t allocated;  /* bytes h handed out in all (for the batches) */
    bool ok;
};

static bool queue_put(struct queue *q, struct batch *b)
{
    pthread_mutex_lock(&q->lock);
    bool room = q->head - q->tail < QUEUE;
    if (room)
        q->slot[q->head++ % QUEUE] = b;
    pthread_mutex_unlock(&q->lock);
    return room;
}

static struct batch *queue_get(struct queue *q)
{
    struct batch *b = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->head != q->tail)
        b = q->slot[q->tail++ % QUEUE];
    pthread_mutex_unlock(&q->lock);
    return b;
}

static void *worker(void *arg)
{
    struct worker *w = arg;
    unsigned sent = 0, received = 0;
    struct batch *pending = NULL;

    w->ok = true;
    while (sent < ROUNDS || received < ROUNDS) {
        bool progress = false;
        if (sent < ROUNDS && !pending) {
            pending = malloc(sizeof(*pending)); /* the host's malloc: test bookkeeping */
            for (int i = 0; i < BATCH; i++) {
                size_t n = random_size(&w->seed);
                pending->p[i] = core_heap_alloc(w->h, n);
                if (!pending->p[i])
                    w->ok = false;
                pending->len[i] = n;
                w->allocated += n;
                pending->tag[i] = (uint32_t)(sent * BATCH + (unsigned)i);
                fill(pending->p[i], n, pending->tag[i]);
                /* Some local churn in between. */
                void *tmp = core_heap_alloc(w->h, random_size(&w->seed));
                core_heap_free(w->h, tmp);
            }
            size_t pages = stats(w->h).pages;
            if (pages > w->peak_pages)
                w->peak_pages = pages;
        }
        if (pending && queue_put(w->out, pending)) {
            pending = NULL;
            sent++;
            progress = true;
        }
        struct batch *b = queue_get(w->in);
        if (b) {
            for (int i = 0; i < BATCH; i++) {
                if (!check(b->p[i], b->len[i], b->tag[i]))
                    w->ok = false;
                core_heap_free(w->h, b->p[i]);
            }
            free(b);
            received++;
            progress = true;
        }
        if (!progress)
            sched_yield();
    }
    return NULL;
}

static void test_remote_free_threads(void **state)
{
    struct queue ab = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct queue ba = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct worker wa = {.h = &heap_a, .out = &ab, .in = &ba, .seed = 0x1234567887654321ull};
    struct worker wb = {.h = &heap_b, .out = &ba, .in = &ab, .seed = 0x0fedcba987654321ull};
    pthread_t ta, tb;

    assert_int_equal(pthread_create(&ta, NULL, worker, &wa), 0);
    assert_int_equal(pthread_create(&tb, NULL, worker, &wb), 0);
    assert_int_equal(pthread_join(ta, NULL), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);
    assert_true(wa.ok);
    assert_true(wb.ok);

    /* Everything was freed: once each heap takes back its remote list, nothing is in use. */
    core_heap_collect(&heap_a);
    core_heap_collect(&heap_b);
    assert_int_equal(stats(&heap_a).remote_frees, ROUNDS * BATCH);
    assert_int_equal(stats(&heap_b).remote_frees, ROUNDS * BATCH);
    assert_empty(&heap_a);
    assert_empty(&heap_b);
    assert_pages_conserved();
    /* Remote-freed memory was reused: each heap allocated far more than the arena in all
     * (ROUNDS * BATCH objects of ~12 KB on average) but held only what was in flight (about
     * six batches, ~5 MB) at any time. */
    assert_true(wa.allocated > 10 * ARENA_SIZE && wb.allocated > 10 * ARENA_SIZE);
    assert_true(wa.peak_pages * PAGE < ARENA_SIZE / 2);
    assert_true(wb.peak_pages * PAGE < ARENA_SIZE / 2);
}

/* --- broken invariants ------------------------------------------------------------------- */

static void double_free_small(void)
{
    void *p = core_heap_alloc(&heap_a, 40);
    core_heap_free(&heap_a, p);
    core_heap_free(&heap_a, p);
}

static void double_free_after_others(void)
{
    void *p = core_heap_alloc(&heap_a, 40);
    void *q = core_heap_alloc(&heap_a, 40);
    core_heap_free(&heap_a, p);
    core_heap_free(&heap_a, q);
    core_heap_free(&heap_a, p);
}

static void double_free_remote(void)
{
    void *p = core_heap_alloc(&heap_a, 40);
    core_heap_free(&heap_b, p);
    core_heap_free(&heap_b, p);
}

static void double_free_remote_then_local(void)
{
    void *p = core_heap_alloc(&heap_a, 40);
    core_heap_free(&heap_b, p);
    core_heap_free(&heap_a, p);
}

static void double_free_big(void)
{
    void *p = core_heap_alloc(&heap_a, 100000);
    core_heap_free(&heap_a, p);
    core_heap_free(&heap_a, p);
}

static void free_interior(void)
{
    uint8_t *p = core_heap_alloc(&heap_a, 64);
    core_heap_free(&heap_a, p + 16);
}

static void free_interior_big(void)
{
    uint8_t *p = core_heap_alloc(&heap_a, 100000);
    core_heap_free(&heap_a, p + 4096);
}

static void free_never_allocated(void)
{
    uint8_t *p = core_heap_alloc(&heap_a, 64);
    core_heap_free(&heap_a, p + 64); /* the next object, still untouched */
}

static void free_foreign(void)
{
    /* A pointer into pmm pages the heap does not own. */
    uint8_t *page = core_pmm_alloc_aligned(SLAB / PAGE, SLAB / PAGE);
    memset(page, 0, PAGE);
    core_heap_free(&heap_a, page + 64);
}

static void test_bad_frees_panic(void **state)
{
    host_expect_panic(double_free_small, "double free");
    host_expect_panic(double_free_after_others, "double free");
    host_expect_panic(double_free_remote, "double free");
    host_expect_panic(double_free_remote_then_local, "double free");
    host_expect_panic(double_free_big, "not a heap pointer or was freed");
    host_expect_panic(free_interior, "is not an object of slab");
    host_expect_panic(free_interior_big, "is not the start of large block");
    host_expect_panic(free_never_allocated, "never allocated");
    host_expect_panic(free_foreign, "not a heap pointer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_small_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classes_do_not_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_free_is_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_slabs_return_to_pmm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recycled_memory_is_not_a_double_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heap_calloc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heap_realloc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_remote_free_single_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_realloc_from_other_core, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remote_frees_are_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remote_free_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_frees_panic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
