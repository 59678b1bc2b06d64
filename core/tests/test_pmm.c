/*
 * Host tests of the physical page allocator (core/pmm.c).  The "physical memory" is an aligned
 * host allocation, identity mapped as far as the allocator can tell.  Panics are checked in a
 * forked child, whose panic() (tests/host/log_host.c) aborts.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/pmm.h"
#include "tests/host/expect_panic.h"
#include "tests/host/log_host.h"

#define PAGE        CORE_PMM_PAGE_SIZE
#define ARENA_SIZE  (4ul << 20) /* 1024 pages */
#define ARENA_ALIGN (64ul << 10)

static uint8_t *arena; /* aligned host memory that tests add as ranges */

static int setup(void **state)
{
    core_pmm_reset();
    arena = aligned_alloc(ARENA_ALIGN, ARENA_SIZE);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    core_pmm_reset();
    free(arena);
    arena = NULL;
    return 0;
}

static uint64_t addr(size_t offset)
{
    return (uint64_t)(uintptr_t)(arena + offset);
}

static size_t total_pages(void)
{
    size_t total, nfree;
    core_pmm_stats(&total, &nfree);
    return total;
}

static size_t free_pages(void)
{
    size_t total, nfree;
    core_pmm_stats(&total, &nfree);
    return nfree;
}

static bool in_arena(const void *p, size_t npages)
{
    const uint8_t *b = p;
    return b >= arena && b + npages * PAGE <= arena + ARENA_SIZE;
}

/* --- adding ranges ----------------------------------------------------------------------- */

static void test_add_aligned(void **state)
{
    /* 256 pages: one holds the bitmap. */
    assert_int_equal(core_pmm_add_range(addr(0), 256 * PAGE), 0);
    assert_int_equal(total_pages(), 255);
    assert_int_equal(free_pages(), 255);
}

static void test_add_unaligned_is_trimmed(void **state)
{
    /* Starts 100 bytes into page 0 and ends 100 bytes into page 11: pages 1..10 remain, and one
     * of them holds the bitmap. */
    assert_int_equal(core_pmm_add_range(addr(100), 11 * PAGE), 0);
    assert_int_equal(total_pages(), 9);
    for (int i = 0; i < 9; i++) {
        uint8_t *p = core_pmm_alloc(1);
        assert_non_null(p);
        assert_true(p >= arena + 2 * PAGE && p < arena + 11 * PAGE);
        assert_int_equal((uintptr_t)p % PAGE, 0);
    }
    assert_null(core_pmm_alloc(1));
}

static void test_add_empty_and_tiny(void **state)
{
    unsigned errors = log_host_count[LOG_ERROR];
    assert_int_equal(core_pmm_add_range(addr(0), 0), 0);
    assert_int_equal(core_pmm_add_range(addr(0), PAGE), 0);     /* bitmap, nothing left */
    assert_int_equal(core_pmm_add_range(addr(10), PAGE), 0);    /* no whole page */
    assert_int_equal(core_pmm_add_range(addr(0), PAGE - 1), 0); /* no whole page */
    assert_int_equal(total_pages(), 0);
    assert_int_equal(log_host_count[LOG_ERROR], errors);
    assert_null(core_pmm_alloc(1));
}

static void test_add_overlap_rejected(void **state)
{
    unsigned errors = log_host_count[LOG_ERROR];
    assert_int_equal(core_pmm_add_range(addr(64 * PAGE), 64 * PAGE), 0);
    /* Overlapping the bitmap page, the end, all of it, and inside it. */
    assert_int_equal(core_pmm_add_range(addr(0), 65 * PAGE), -EINVAL);
    assert_int_equal(core_pmm_add_range(addr(127 * PAGE), 10 * PAGE), -EINVAL);
    assert_int_equal(core_pmm_add_range(addr(0), 256 * PAGE), -EINVAL);
    assert_int_equal(core_pmm_add_range(addr(70 * PAGE), 2 * PAGE), -EINVAL);
    assert_int_equal(log_host_count[LOG_ERROR], errors + 4);
    assert_int_equal(total_pages(), 63);
    /* Adjacent on both sides is fine, also when the input overlaps by less than a page. */
    assert_int_equal(core_pmm_add_range(addr(0), 64 * PAGE + 100), 0);
    assert_int_equal(core_pmm_add_range(addr(128 * PAGE - 100), 64 * PAGE), 0);
    assert_int_equal(total_pages(), 63 + 63 + 62);
}

static void test_add_wrapping_rejected(void **state)
{
    assert_int_equal(core_pmm_add_range(UINT64_MAX - PAGE, 2 * PAGE), -EINVAL);
    assert_int_equal(core_pmm_add_range(1, UINT64_MAX), -EINVAL);
    assert_int_equal(total_pages(), 0);
}

static void test_add_too_many_ranges(void **state)
{
    /* Ranges of two pages with a gap page between them: each adds one allocatable page. */
    for (int i = 0; i < CORE_PMM_MAX_RANGES; i++)
        assert_int_equal(core_pmm_add_range(addr((size_t)i * 3 * PAGE), 2 * PAGE), 0);
    assert_int_equal(core_pmm_add_range(addr((size_t)CORE_PMM_MAX_RANGES * 3 * PAGE), 2 * PAGE),
                     -ENOSPC);
    assert_int_equal(total_pages(), CORE_PMM_MAX_RANGES);
    for (int i = 0; i < CORE_PMM_MAX_RANGES; i++)
        assert_non_null(core_pmm_alloc(1));
    assert_null(core_pmm_alloc(1));
}

/* --- allocation -------------------------------------------------------------------------- */

static void test_alloc_all_single_pages(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), ARENA_SIZE), 0);
    size_t total = total_pages();
    uint8_t **pages = calloc(total, sizeof(*pages));
    assert_non_null(pages);

    for (size_t i = 0; i < total; i++) {
        pages[i] = core_pmm_alloc(1);
        assert_non_null(pages[i]);
        assert_int_equal((uintptr_t)pages[i] % PAGE, 0);
        assert_true(in_arena(pages[i], 1));
        memset(pages[i], (int)(i & 0xff), PAGE);
    }
    assert_int_equal(free_pages(), 0);
    assert_null(core_pmm_alloc(1));
    /* No page was handed out twice: each still holds its own pattern. */
    for (size_t i = 0; i < total; i++)
        for (size_t j = 0; j < PAGE; j += 512)
            assert_int_equal(pages[i][j], i & 0xff);
    for (size_t i = 0; i < total; i++)
        core_pmm_free(pages[i], 1);
    assert_int_equal(free_pages(), total);
    free(pages);
}

static void test_alloc_zero_and_huge(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), ARENA_SIZE), 0);
    size_t total = total_pages();
    assert_null(core_pmm_alloc(0));
    assert_null(core_pmm_alloc(total + 1));
    assert_null(core_pmm_alloc(SIZE_MAX));
    assert_null(core_pmm_alloc(SIZE_MAX / PAGE + 1));
    assert_null(core_pmm_alloc_aligned(1, 3)); /* alignment not a power of two */
    assert_null(core_pmm_alloc_aligned(1, 0));
    assert_int_equal(free_pages(), total);
    /* All of it at once works. */
    void *p = core_pmm_alloc(total);
    assert_non_null(p);
    assert_int_equal(free_pages(), 0);
    core_pmm_free(p, total);
    core_pmm_free(NULL, 5);
    core_pmm_free(p, 0);
    assert_int_equal(free_pages(), total);
}

static void test_exhaustion_logged_once_per_burst(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), 64 * PAGE), 0);
    void *all = core_pmm_alloc(63);
    assert_non_null(all);

    unsigned errors = log_host_count[LOG_ERROR];
    for (int i = 0; i < 100; i++)
        assert_null(core_pmm_alloc(1));
    assert_int_equal(log_host_count[LOG_ERROR], errors + 1);
    assert_non_null(strstr(log_host_last, "out of memory"));

    /* A free ends the burst: the next failure is logged again. */
    core_pmm_free(all, 1);
    for (int i = 0; i < 10; i++)
        assert_null(core_pmm_alloc(2));
    assert_int_equal(log_host_count[LOG_ERROR], errors + 2);
    /* So does a successful allocation. */
    void *one = core_pmm_alloc(1);
    assert_ptr_equal(one, all);
    assert_null(core_pmm_alloc(1));
    assert_int_equal(log_host_count[LOG_ERROR], errors + 3);
}

static void test_alignment(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), ARENA_SIZE), 0);
    /* Page 0 of the range is the bitmap: a single page first pushes the next 64 KiB boundary. */
    void *small = core_pmm_alloc(1);
    assert_non_null(small);
    size_t align_pages = ARENA_ALIGN / PAGE;
    size_t n = 0;
    void *p;
    while ((p = core_pmm_alloc_aligned(align_pages, align_pages)) != NULL) {
        assert_int_equal((uintptr_t)p % ARENA_ALIGN, 0);
        assert_true(in_arena(p, align_pages));
        n++;
    }
    /* The first 64 KiB block holds the bitmap: every other one was handed out. */
    assert_int_equal(n, ARENA_SIZE / ARENA_ALIGN - 1);
    /* The pages below the first boundary are still there for unaligned requests. */
    assert_int_equal(free_pages(), align_pages - 2);
    assert_non_null(core_pmm_alloc(align_pages - 2));
    assert_null(core_pmm_alloc(1));
}

static void test_free_coalesces(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), ARENA_SIZE), 0);
    size_t total = total_pages();
    void **pages = calloc(total, sizeof(*pages));
    assert_non_null(pages);
    for (size_t i = 0; i < total; i++)
        assert_non_null(pages[i] = core_pmm_alloc(1));

    /* Free every other page: half of memory is free, but no run of two pages. */
    for (size_t i = 0; i < total; i += 2)
        core_pmm_free(pages[i], 1);
    assert_null(core_pmm_alloc(2));
    /* Free the rest in a scrambled order; then all of it is one run again. */
    for (size_t k = 0; k < total / 2; k++) {
        size_t i = 1 + 2 * ((k * 7919) % (total / 2));
        core_pmm_free(pages[i], 1);
    }
    assert_int_equal(free_pages(), total);
    void *all = core_pmm_alloc(total);
    assert_ptr_equal(all, pages[0]);
    core_pmm_free(all, total);
    free(pages);
}

static void test_free_in_parts(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), 64 * PAGE), 0);
    uint8_t *a = core_pmm_alloc(8);
    uint8_t *b = core_pmm_alloc(8);
    assert_ptr_equal(b, a + 8 * PAGE);
    /* A run freed in two parts, and two runs freed as one. */
    core_pmm_free(a + 4 * PAGE, 4);
    core_pmm_free(a, 4);
    assert_ptr_equal(core_pmm_alloc(8), a);
    core_pmm_free(a, 16);
    assert_int_equal(free_pages(), 63);
    assert_ptr_equal(core_pmm_alloc(63), a);
}

static void test_runs_do_not_span_ranges(void **state)
{
    /* Two adjacent ranges of 32 pages (31 allocatable each). */
    assert_int_equal(core_pmm_add_range(addr(0), 32 * PAGE), 0);
    assert_int_equal(core_pmm_add_range(addr(32 * PAGE), 32 * PAGE), 0);
    assert_int_equal(total_pages(), 62);
    assert_null(core_pmm_alloc(40));
    void *a = core_pmm_alloc(31);
    void *b = core_pmm_alloc(31);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(free_pages(), 0);
    core_pmm_free(a, 31);
    core_pmm_free(b, 31);
}

/* --- broken invariants ------------------------------------------------------------------- */

static void double_free(void)
{
    void *p = core_pmm_alloc(2);
    core_pmm_free(p, 2);
    core_pmm_free(p, 2);
}

static void partial_double_free(void)
{
    uint8_t *p = core_pmm_alloc(4);
    core_pmm_free(p + 2 * PAGE, 1);
    core_pmm_free(p, 4);
}

static void free_unaligned(void)
{
    uint8_t *p = core_pmm_alloc(1);
    core_pmm_free(p + 16, 1);
}

static void free_outside(void)
{
    static uint8_t other[2 * PAGE] __attribute__((aligned(PAGE)));
    core_pmm_free(other, 1);
}

static void free_too_many(void)
{
    void *p = core_pmm_alloc(1);
    core_pmm_free(p, SIZE_MAX);
}

static void test_bad_frees_panic(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), 64 * PAGE), 0);
    host_expect_panic(double_free, "double free");
    host_expect_panic(partial_double_free, "double free");
    host_expect_panic(free_unaligned, "not page aligned");
    host_expect_panic(free_outside, "not in a managed range");
    host_expect_panic(free_too_many, "not in a managed range");
}

/* --- concurrency ------------------------------------------------------------------------- */

#define THREADS 4
#define ROUNDS  20000

/* Each thread allocates runs, stamps them with its id, checks the stamp and frees them. */
static void *churn(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    uint64_t *held[8] = {0};
    size_t held_n[8] = {0};
    unsigned seed = (unsigned)id * 2654435761u;

    for (int r = 0; r < ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        int slot = (seed >> 16) % 8;
        if (held[slot]) {
            for (size_t i = 0; i < held_n[slot] * PAGE / 8; i += 64)
                if (held[slot][i] != id * 1000 + (uintptr_t)slot)
                    return (void *)1;
            core_pmm_free(held[slot], held_n[slot]);
            held[slot] = NULL;
        } else {
            size_t n = 1 + (seed >> 24) % 4;
            held[slot] = core_pmm_alloc(n);
            if (!held[slot])
                continue; /* possible under contention only if the arena is too small */
            held_n[slot] = n;
            for (size_t i = 0; i < n * PAGE / 8; i++)
                held[slot][i] = id * 1000 + (uintptr_t)slot;
        }
    }
    for (int s = 0; s < 8; s++)
        core_pmm_free(held[s], held_n[s]);
    return NULL;
}

static void test_concurrent_alloc_free(void **state)
{
    assert_int_equal(core_pmm_add_range(addr(0), ARENA_SIZE), 0);
    size_t total = total_pages();
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
    for (int i = 0; i < THREADS; i++) {
        void *ret;
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_null(ret);
    }
    assert_int_equal(free_pages(), total);
    assert_non_null(core_pmm_alloc(total));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_aligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_unaligned_is_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_empty_and_tiny, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_overlap_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_wrapping_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_too_many_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_all_single_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_zero_and_huge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion_logged_once_per_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_coalesces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_in_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_do_not_span_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_frees_panic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_alloc_free, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
