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
 */
#ifndef BOOT_PAGING_H
#define BOOT_PAGING_H

#include <stdint.h>

/*
 * Build the tables from boot_info's memory map and switch core 0 to them.  Boot, core 0,
 * once.  Panics if the tables do not fit their static pool.
 */
void boot_paging_init(void);

/* Load the final tables on this core (an AP coming out of the trampoline).  Boot, any AP. */
void boot_paging_load(void);

/* Make the 4 KiB kernel page at `page` not present (a stack guard).  Boot, core 0, before
 * the other cores start (no TLB shootdown is done). */
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
