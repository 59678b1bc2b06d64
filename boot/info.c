/*
 * hvm_start_info (Xen PVH boot ABI, arch-x86/hvm/start_info.h), as QEMU's loaders fill it:
 * version 1 carries the E820-style memory map.  Addresses in it are physical and, under the
 * early identity map, directly readable if below 4 GiB.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/info.h"
#include "core/log.h"
#include "core/x86.h"

struct hvm_start_info {
    uint32_t magic;   /* HVM_START_MAGIC */
    uint32_t version; /* 0: no memory map fields; 1: memmap_* valid */
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;  /* NUL-terminated string, 0 if none */
    uint64_t rsdp_paddr;     /* 0 if the loader did not provide it */
    uint64_t memmap_paddr;   /* version >= 1 */
    uint32_t memmap_entries; /* version >= 1 */
    uint32_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

#define EARLY_MAP_LIMIT (4ull << 30) /* what boot/pvh.S identity-maps */

struct boot_info boot_info;

static int readable(uint64_t phys, uint64_t len)
{
    return phys != 0 && phys < EARLY_MAP_LIMIT && len <= EARLY_MAP_LIMIT - phys;
}

int boot_info_parse(uint64_t phys)
{
    if (!readable(phys, sizeof(struct hvm_start_info)))
        return -EINVAL;
    const struct hvm_start_info *si = (const void *)(uintptr_t)phys;
    if (si->magic != HVM_START_MAGIC) {
        log_error("boot: start_info magic %#x, expected %#x", si->magic, HVM_START_MAGIC);
        return -EINVAL;
    }

    /* Command line: bounded copy; the loader's string may be anything. */
    boot_info.cmdline[0] = '\0';
    if (readable(si->cmdline_paddr, 1)) {
        const char *src = (const char *)(uintptr_t)si->cmdline_paddr;
        size_t n = 0;
        while (n < sizeof(boot_info.cmdline) - 1 && readable(si->cmdline_paddr + n, 1) && src[n])
            n++;
        bool truncated =
            n == sizeof(boot_info.cmdline) - 1 && readable(si->cmdline_paddr + n, 1) && src[n];
        if (truncated) {
            /* Drop the cut token: "http_port=8080" must not arrive as "http_port=80". */
            while (n > 0 && src[n - 1] != ' ')
                n--;
            log_warn("boot: command line longer than %zu bytes; ignoring everything after "
                     "byte %zu",
                     sizeof(boot_info.cmdline) - 1, n);
        }
        memcpy(boot_info.cmdline, src, n);
        boot_info.cmdline[n] = '\0';
    }

    boot_info.rsdp = si->rsdp_paddr;
    /* Page 0 is unmapped once the final page tables are in: read the BDA now. */
    uint64_t ebda = (uint64_t)phys_read16(0x40e) << 4;
    boot_info.ebda = ebda >= 0x80000 && ebda < 0xa0000 ? ebda : 0;

    if (si->version < 1 || si->memmap_entries == 0 ||
        !readable(si->memmap_paddr,
                  (uint64_t)si->memmap_entries * sizeof(struct hvm_memmap_entry))) {
        log_error("boot: start_info version %u has no memory map", si->version);
        return -EINVAL;
    }
    unsigned n = si->memmap_entries;
    if (n > BOOT_MEMMAP_MAX) {
        log_warn("boot: %u memory map entries, using the first %d", n, BOOT_MEMMAP_MAX);
        n = BOOT_MEMMAP_MAX;
    }
    const struct hvm_memmap_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
    boot_info.nmem = 0;
    for (unsigned i = 0; i < n; i++) {
        if (e[i].size == 0 || e[i].addr + e[i].size < e[i].addr)
            continue; /* empty or wrapping: ignore */
        boot_info.mem[boot_info.nmem++] =
            (struct boot_mem_range){.base = e[i].addr, .len = e[i].size, .type = e[i].type};
    }
    return 0;
}
