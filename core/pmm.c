/*
 * Physical page allocator (see pmm.h): a bitmap per RAM range, first fit, one spinlock.
 *
 * Bit i of a range's bitmap is 1 when page i is allocated.  The bits past the last page of the
 * last bitmap word are set, so a word-wise search never finds a free page that does not exist.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "core/panic.h"
#include "core/pmm.h"
#include "core/spinlock.h"

#define PAGE      CORE_PMM_PAGE_SIZE
#define NOT_FOUND SIZE_MAX

struct pmm_range {
    uint64_t start;   /* first byte of the trimmed range (bitmap pages included) */
    uint64_t end;     /* one past its last byte; [start, end) is what overlap checks compare */
    uint64_t base;    /* address of page 0, the first page after the bitmap */
    size_t npages;    /* allocatable pages, base .. base + npages * PAGE */
    size_t nfree;     /* of those, pages now free */
    size_t hint;      /* every page below hint is allocated: searches start here */
    uint64_t *bitmap; /* ceil(npages / 64) words at start, 1 bit per page, 1 = allocated */
};

/*
 * The allocator.  Shared by all cores: every field is read and written under lock, except the
 * ranges' constant fields (start, end, base, npages, bitmap), which are written at boot before
 * the other cores start.  Zero-initialised: unlocked, no ranges.
 */
static struct {
    struct spinlock lock;
    struct pmm_range ranges[CORE_PMM_MAX_RANGES];
    unsigned nranges;
    size_t total;    /* sum of npages */
    size_t free;     /* sum of nfree */
    bool oom_logged; /* the current burst of failed allocations was logged */
} pmm;

/* First index in [from, to) whose bit equals value, or to when there is none. */
static size_t find_bit(const uint64_t *bm, size_t from, size_t to, bool value)
{
    uint64_t flip = value ? 0 : ~0ull;
    size_t i = from;

    while (i < to) {
        uint64_t w = (bm[i / 64] ^ flip) & (~0ull << (i % 64));
        if (w) {
            size_t k = (i & ~(size_t)63) + (size_t)__builtin_ctzll(w);
            return k < to ? k : to;
        }
        i = (i & ~(size_t)63) + 64;
    }
    return to;
}

/* Set or clear bits [i, i + n). */
static void fill_bits(uint64_t *bm, size_t i, size_t n, bool value)
{
    while (n > 0) {
        size_t bit = i % 64;
        size_t k = 64 - bit < n ? 64 - bit : n;
        uint64_t mask = (k == 64 ? ~0ull : ((1ull << k) - 1)) << bit;
        if (value)
            bm[i / 64] |= mask;
        else
            bm[i / 64] &= ~mask;
        i += k;
        n -= k;
    }
}

/* Smallest index >= i whose page address is a multiple of align pages (a power of two). */
static size_t align_index(const struct pmm_range *r, size_t i, size_t align)
{
    uint64_t page = (r->base >> CORE_PMM_PAGE_SHIFT) + i;
    uint64_t up = (page + align - 1) & ~(uint64_t)(align - 1);
    uint64_t idx = up - (r->base >> CORE_PMM_PAGE_SHIFT);
    return idx > r->npages ? r->npages : (size_t)idx;
}

/* First fit of n free pages at an aligned index in r; NOT_FOUND when there is none. */
static size_t find_run(struct pmm_range *r, size_t n, size_t align)
{
    /* Pages below the first free one are all allocated: remember that for the next search. */
    r->hint = find_bit(r->bitmap, r->hint, r->npages, false);

    size_t i = r->hint;
    for (;;) {
        i = align_index(r, find_bit(r->bitmap, i, r->npages, false), align);
        if (r->npages - i < n)
            return NOT_FOUND;
        size_t used = find_bit(r->bitmap, i, i + n, true);
        if (used == i + n)
            return i;
        i = used + 1;
    }
}

int core_pmm_add_range(uint64_t base, uint64_t len)
{
    if (len == 0)
        return 0;
    if (len > UINT64_MAX - base) {
        log_error("pmm: range %#llx+%#llx wraps around, ignored", (unsigned long long)base,
                  (unsigned long long)len);
        return -EINVAL;
    }

    /* Trim inward to whole pages, and keep page 0 out: its address is NULL. */
    uint64_t start = (base + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    uint64_t end = (base + len) & ~(uint64_t)(PAGE - 1);
    if (start == 0)
        start = PAGE;
    uint64_t pages = end > start ? (end - start) >> CORE_PMM_PAGE_SHIFT : 0;
    /* The bitmap takes ceil(pages / 8) bytes in whole pages; keep a range only if a page is
     * left after it. */
    uint64_t bitmap_pages = (pages + 8 * PAGE - 1) / (8 * PAGE);
    if (pages <= bitmap_pages) {
        log_info("pmm: range %#llx+%#llx too small, skipped", (unsigned long long)base,
                 (unsigned long long)len);
        return 0;
    }

    core_spin_lock(&pmm.lock);
    int err = 0;
    for (unsigned i = 0; i < pmm.nranges; i++) {
        const struct pmm_range *o = &pmm.ranges[i];
        if (start < o->end && o->start < end) {
            log_error("pmm: range %#llx-%#llx overlaps %#llx-%#llx, ignored",
                      (unsigned long long)start, (unsigned long long)end,
                      (unsigned long long)o->start, (unsigned long long)o->end);
            err = -EINVAL;
            goto out;
        }
    }
    if (pmm.nranges == CORE_PMM_MAX_RANGES) {
        log_error("pmm: more than %d ranges, %#llx-%#llx ignored", CORE_PMM_MAX_RANGES,
                  (unsigned long long)start, (unsigned long long)end);
        err = -ENOSPC;
        goto out;
    }

    struct pmm_range *r = &pmm.ranges[pmm.nranges];
    r->start = start;
    r->end = end;
    r->base = start + bitmap_pages * PAGE;
    r->npages = (size_t)(pages - bitmap_pages);
    r->nfree = r->npages;
    r->hint = 0;
    r->bitmap = (uint64_t *)(uintptr_t)start;
    size_t words = (r->npages + 63) / 64;
    for (size_t w = 0; w < words; w++)
        r->bitmap[w] = 0;
    if (r->npages % 64)
        r->bitmap[words - 1] = ~0ull << (r->npages % 64);
    pmm.nranges++;
    pmm.total += r->npages;
    pmm.free += r->npages;

out:
    core_spin_unlock(&pmm.lock);
    return err;
}

void *core_pmm_alloc_aligned(size_t npages, size_t align_pages)
{
    if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
        return NULL;

    core_spin_lock(&pmm.lock);
    for (unsigned k = 0; k < pmm.nranges && npages <= pmm.free; k++) {
        struct pmm_range *r = &pmm.ranges[k];
        if (r->nfree < npages)
            continue;
        size_t i = find_run(r, npages, align_pages);
        if (i == NOT_FOUND)
            continue;
        fill_bits(r->bitmap, i, npages, true);
        if (i == r->hint)
            r->hint = i + npages;
        r->nfree -= npages;
        pmm.free -= npages;
        pmm.oom_logged = false;
        core_spin_unlock(&pmm.lock);
        return (void *)(uintptr_t)(r->base + (uint64_t)i * PAGE);
    }
    bool log = !pmm.oom_logged;
    pmm.oom_logged = true;
    size_t nfree = pmm.free;
    core_spin_unlock(&pmm.lock);

    if (log)
        log_error("pmm: out of memory: no run of %zu pages (aligned to %zu), %zu pages free",
                  npages, align_pages, nfree);
    return NULL;
}

void *core_pmm_alloc(size_t npages)
{
    return core_pmm_alloc_aligned(npages, 1);
}

void core_pmm_free(void *p, size_t npages)
{
    uint64_t addr = (uintptr_t)p;

    if (p == NULL || npages == 0)
        return;
    if (addr % PAGE)
        panic("%s: %p is not page aligned", __func__, p);

    core_spin_lock(&pmm.lock);
    for (unsigned k = 0; k < pmm.nranges; k++) {
        struct pmm_range *r = &pmm.ranges[k];
        if (addr < r->base || addr >= r->base + (uint64_t)r->npages * PAGE)
            continue;
        size_t i = (size_t)((addr - r->base) >> CORE_PMM_PAGE_SHIFT);
        if (npages > r->npages - i)
            break;
        if (find_bit(r->bitmap, i, i + npages, false) != i + npages) {
            core_spin_unlock(&pmm.lock);
            panic("%s: double free of %p (%zu pages)", __func__, p, npages);
        }
        fill_bits(r->bitmap, i, npages, false);
        if (i < r->hint)
            r->hint = i;
        r->nfree += npages;
        pmm.free += npages;
        pmm.oom_logged = false;
        core_spin_unlock(&pmm.lock);
        return;
    }
    core_spin_unlock(&pmm.lock);
    panic("%s: %p (%zu pages) is not in a managed range", __func__, p, npages);
}

void core_pmm_stats(size_t *total_pages, size_t *free_pages)
{
    core_spin_lock(&pmm.lock);
    *total_pages = pmm.total;
    *free_pages = pmm.free;
    core_spin_unlock(&pmm.lock);
}

#ifdef TORIL_HOST_TEST
void core_pmm_reset(void)
{
    core_spin_lock(&pmm.lock);
    pmm.nranges = 0;
    pmm.total = 0;
    pmm.free = 0;
    pmm.oom_logged = false;
    core_spin_unlock(&pmm.lock);
}
#endif
