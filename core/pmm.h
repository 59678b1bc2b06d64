/*
 * Physical page allocator: 4 KiB pages from the usable RAM ranges of the E820 map.
 *
 * Boot (core 0) hands over each usable range with core_pmm_add_range(), after it has cut out
 * low memory and the kernel image.  Afterwards any core may allocate and free runs of
 * contiguous pages.  Pages are returned as identity-mapped pointers: the caller of
 * core_pmm_add_range() promises that every byte it adds is mapped at its physical address.
 *
 * One bitmap per range, kept in the first pages of the range itself, under one spinlock.  This
 * is off the fast path: its users are the per-core heaps (which take 64 KiB slabs and keep them)
 * and boot-time allocations (stacks, virtqueues, the content cache).  Allocation is first fit;
 * freed pages are available at once, so adjacent frees merge by construction and a large run
 * succeeds again as soon as its pages are all free.  Runs never span two ranges.
 *
 * Pages are not zeroed.  Nothing here may be called from an interrupt handler (spinlock).
 */
#ifndef CORE_PMM_H
#define CORE_PMM_H

#include <stddef.h>
#include <stdint.h>

#define CORE_PMM_PAGE_SHIFT 12
#define CORE_PMM_PAGE_SIZE  (1ul << CORE_PMM_PAGE_SHIFT)
#define CORE_PMM_MAX_RANGES 32 /* usable ranges kept; an E820 map has a handful */

/*
 * Add the usable RAM range [base, base + len).  Boot only, core 0, before other cores run.
 * The range is trimmed inward to page boundaries, and page 0 is never used (its address would
 * be NULL).  Its first pages hold the range's bitmap (1 bit per page, 1/32768 of the range).
 * Returns 0 when added, also when the range is too small to hold a page after trimming (then it
 * is skipped, with a log line unless len is 0); -EINVAL (logged) when it wraps around the address
 * space or overlaps a range added before; -ENOSPC (logged) when CORE_PMM_MAX_RANGES are in use.
 */
int core_pmm_add_range(uint64_t base, uint64_t len);

/*
 * Allocate npages contiguous pages, page aligned.  Any core, main loop or boot; spins briefly on
 * the allocator lock, never sleeps.  Returns NULL when npages is 0 or no free run is long enough;
 * running out is logged once per burst of failures (until the next successful allocation or
 * free), not per call.  The caller owns the pages until it passes them to core_pmm_free().
 */
void *core_pmm_alloc(size_t npages);

/*
 * Like core_pmm_alloc(), and the first page's physical address is a multiple of
 * align_pages * CORE_PMM_PAGE_SIZE.  align_pages must be a power of two (else NULL).
 */
void *core_pmm_alloc_aligned(size_t npages, size_t align_pages);

/*
 * Return npages pages starting at p, which must all have been allocated (they need not come from
 * one call: a run may be freed in parts, or several runs at once).  Any core.  p == NULL or
 * npages == 0 does nothing.  A page that is not allocated (double free), a p that is not
 * page-aligned or a run outside the added ranges is a broken invariant: panic.
 */
void core_pmm_free(void *p, size_t npages);

/* Pages managed (excluding the bitmaps) and pages currently free.  Any core; a snapshot. */
void core_pmm_stats(size_t *total_pages, size_t *free_pages);

#ifdef TORIL_HOST_TEST
/* Host tests only: forget all ranges, so each test starts from an empty allocator. */
void core_pmm_reset(void);
#endif

#endif
