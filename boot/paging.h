/*
 * Final page tables: an identity map with W^X permissions.
 *
 *   page 0                  not present (NULL dereferences fault)
 *   kernel text             read-only, executable
 *   kernel rodata           read-only, no-execute
 *   everything else in RAM  read-write, no-execute (data, bss, heap, stacks)
 *   guard pages             not present (one below every stack)
 *   non-RAM below 4 GiB     read-write, no-execute, uncached (device MMIO)
 *
 * The kernel's own span is mapped with 4 KiB pages so each section gets its permissions;
 * the rest with 2 MiB pages (1 GiB above 4 GiB where the CPU has them).
 *
 * These are the master tables.  A core with per-core data (core/percpu.h) runs on a clone
 * that maps one window of the image to its own pages; everything else is shared.
 */
#ifndef BOOT_PAGING_H
#define BOOT_PAGING_H

#include <stdint.h>

/*
 * Build the tables from boot_info's memory map and switch core 0 to them.  Boot, core 0,
 * once.  Panics if the tables do not fit their static pool.
 */
void boot_paging_init(void);

/* The master tables' CR3 value (core 0's, and any core's that has no window of its own). */
uint64_t boot_paging_cr3(void);

/*
 * Per-core tables: a copy of the master tables in which the page-aligned window
 * [va, va + len) of the kernel image maps to [phys, phys + len) instead (core/percpu.h: each
 * core sees its own copy of the per-core data at the same address).  Table pages come from
 * alloc_page (zeroing not needed: every entry is written).  Stores the new CR3 value in *cr3.
 * Boot, core 0, before the other cores start, and after every other change to the tables: the
 * first call freezes them (a later unmap_guard or map_mmio panics).  Returns 0 or -ENOMEM.
 */
int boot_paging_clone(uint64_t va, uint64_t len, uint64_t phys, void *(*alloc_page)(void),
                      uint64_t *cr3);

/* Make the 4 KiB page of RAM at `page` not present (a stack guard), splitting the 2 MiB
 * mapping around it into 4 KiB pages if needed.  Boot, core 0, before the other cores start
 * (no TLB shootdown is done) and before any boot_paging_clone(). */
void boot_paging_unmap_guard(void *page);

/*
 * Map [phys, phys+len) as uncached device memory (for MMIO windows above 4 GiB, e.g. PCI
 * BARs).  Boot, core 0, before the other cores start.  Returns 0 or -ENOMEM when the table
 * pool is exhausted.
 */
int boot_paging_map_mmio(uint64_t phys, uint64_t len);

/* End of the RAM that is mapped: the page allocator must not hand out memory beyond it. */
uint64_t boot_paging_ram_limit(void);

#endif
