/*
 * What the loader told us: the PVH hvm_start_info, copied into kernel memory at boot (the
 * loader's copy lives in memory we later reuse, and its fields are not trusted).
 */
#ifndef BOOT_INFO_H
#define BOOT_INFO_H

#include <stdint.h>

#include "core/limits.h"

#define BOOT_MEMMAP_MAX 64 /* E820 entries kept; more are ignored with a warning */

enum boot_mem_type {
    BOOT_MEM_RAM = 1,      /* usable RAM */
    BOOT_MEM_RESERVED = 2, /* anything else (ACPI tables, firmware, holes) */
    BOOT_MEM_ACPI = 3,     /* ACPI tables, reclaimable after parsing (we keep them) */
};

struct boot_mem_range {
    uint64_t base;
    uint64_t len;
    uint32_t type; /* enum boot_mem_type (E820 numbering) */
};

struct boot_info {
    char cmdline[CORE_CMDLINE_MAX];             /* NUL-terminated, possibly truncated */
    uint64_t rsdp;                              /* ACPI RSDP physical address, 0 if unknown */
    uint64_t ebda;                              /* Extended BIOS Data Area (from the BIOS data
                                                   area word at 0x40e, read while page 0 is
                                                   still mapped), 0 if implausible */
    unsigned nmem;                              /* entries in mem[] */
    struct boot_mem_range mem[BOOT_MEMMAP_MAX]; /* the E820 map as the loader gave it */
};

extern struct boot_info boot_info;

/*
 * Parse the hvm_start_info at physical address `phys` into boot_info.  Boot, core 0, before
 * paging changes (the early identity map covers the first 4 GiB).  Returns 0, or -EINVAL when
 * the magic is wrong or the map is missing (the caller panics: nothing to run on).
 */
int boot_info_parse(uint64_t phys);

#endif
