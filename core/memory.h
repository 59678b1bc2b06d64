/* Physical memory at boot: which RAM the page allocator (core/pmm.h) may hand out. */
#ifndef CORE_MEMORY_H
#define CORE_MEMORY_H

/*
 * Give core_pmm every usable RAM range from the E820 map, minus the first MiB (firmware data,
 * the AP trampoline), minus the kernel image, and minus anything the page tables do not map.
 * Boot, core 0, after boot_paging_init().  Logs the total.
 */
void core_memory_init(void);

#endif
