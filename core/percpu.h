/*
 * The per-core window: one range of the kernel image that every core sees at the same virtual
 * address but backed by its own physical pages.  It holds the state of code that keeps its
 * state in globals and must run independently on every core: lwIP (netstack/module.mk puts
 * lwIP's .data and .bss there, and nothing else).  One copy of the code, one copy of the data
 * per core, and no renaming: the image does not grow with the number of cores.
 *
 * How: core 0 uses the image's own pages.  Before the other cores start, core_percpu_init()
 * copies the window's initial contents (nothing has run in it yet) once per other core and
 * builds each of them page tables that differ from the master tables only in where the
 * window's pages point (boot_paging_clone()).  Each core loads its own tables as it starts.
 *
 * Rules:
 *   - Nothing shared between cores may live in the window: a pointer into it means something
 *     different on every core.  Shared structures (replication rings, the DHCP lease, the
 *     content cache, the console, per-core counters read by the stats line) live in ordinary
 *     data or the heap.  The build checks what is in the window (scripts/check-percpu) and
 *     shared structures assert at boot that they are outside it (core_percpu_assert_shared).
 *   - Memory handed to a device is addressed physically: a window address has a different
 *     physical address on every core, so it goes through core_percpu_phys() (the virtio
 *     drivers' virtio_dma_addr() does).  lwIP's packet buffers come from the per-core heaps,
 *     outside the window; only its small static state is inside.
 */
#ifndef CORE_PERCPU_H
#define CORE_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"

/* The window's bounds (boot/linker.ld), page aligned. */
extern char __percpu_start[], __percpu_end[];

/* Whether any byte of [p, p + len) lies in the window.  Any core, any context. */
static inline bool core_percpu_overlaps(const void *p, size_t len)
{
    uintptr_t a = (uintptr_t)p;
    return a < (uintptr_t)__percpu_end && a + len > (uintptr_t)__percpu_start;
}

/*
 * Give every core but core 0 its own copy of the window and its own page tables, then check
 * that the copies are separate.  Boot, core 0, after the last change to the page tables and
 * before anything has run in the window (before the other cores start and before any core
 * enters lwIP).  Logs the window size and the memory it took.  Returns 0 or -ENOMEM (logged
 * with the memory needed).
 */
int core_percpu_init(void);

/*
 * On a core that has just loaded its own tables (boot_ap_main, and core 0 in
 * core_percpu_init): check that the window shows this core's copy and nobody else's writes,
 * then write to it.  Panics if the check fails.
 */
void core_percpu_check_this_cpu(void);

/*
 * Core 0, after the other cores started (each wrote to its own window as it checked it): check
 * that none of their writes reached core 0's window, and log the result.  Panics if one did.
 */
void core_percpu_check_after_start(unsigned online);

/* Physical address of p as seen by this core: p itself outside the window (identity map),
 * this core's copy inside it.  Any context on the calling core. */
static inline uint64_t core_percpu_phys(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (!core_percpu_overlaps(p, 1))
        return a;
    return core_cpu_self()->percpu_phys + (a - (uintptr_t)__percpu_start);
}

/* Panic, naming `what`, if [p, p + len) overlaps the window.  For structures that other cores
 * read or write, at the place they are set up.  Any core. */
void core_percpu_assert_shared(const void *p, size_t len, const char *what);

#endif
