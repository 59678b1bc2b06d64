/*
 * Final page tables (see paging.h for the permissions).  Identity map: virtual address ==
 * physical address everywhere, which keeps DMA addresses equal to pointers.
 *
 * Table pages come from a static pool in .bss: the page allocator is not up yet when the
 * tables are built, and they never change after boot.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "boot/info.h"
#include "boot/paging.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/x86.h"

#define PTE_P    (1ull << 0)  /* present */
#define PTE_W    (1ull << 1)  /* writable */
#define PTE_PWT  (1ull << 3)  /* write-through */
#define PTE_PCD  (1ull << 4)  /* cache disable: device memory */
#define PTE_PS   (1ull << 7)  /* 2 MiB / 1 GiB page in a PD / PDPT entry */
#define PTE_NX   (1ull << 63) /* no-execute (EFER.NXE is set in boot/pvh.S) */
#define PTE_ADDR 0x000ffffffffff000ull

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

#define POOL_PAGES 96 /* 384 KiB: PML4, PDPTs, PDs for 4 GiB + MMIO, PTs for the kernel */

extern char __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __kernel_end[];

static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096), section(".bss.pagetables")));
static unsigned pool_used;
static uint64_t *pml4;
static uint64_t ram_limit;

static uint64_t *table_alloc(void)
{
    if (pool_used == POOL_PAGES)
        return NULL;
    return pool[pool_used++]; /* zeroed: .bss */
}

/* The next-level table under entry `idx` of `table`, created if absent. */
static uint64_t *table_next(uint64_t *table, unsigned idx)
{
    if (!(table[idx] & PTE_P)) {
        uint64_t *t = table_alloc();
        if (!t)
            return NULL;
        table[idx] = (uintptr_t)t | PTE_P | PTE_W;
    }
    if (table[idx] & PTE_PS)
        panic("%s: entry %u is a large page", __func__, idx);
    return (uint64_t *)(uintptr_t)(table[idx] & PTE_ADDR);
}

/* Install one mapping of `size` (4K, 2M or 1G) at `addr`.  Returns 0 or -ENOMEM. */
static int map(uint64_t addr, uint64_t size, uint64_t flags)
{
    uint64_t *pdpt = table_next(pml4, (addr >> 39) & 511);
    if (!pdpt)
        return -ENOMEM;
    if (size == SZ_1G) {
        pdpt[(addr >> 30) & 511] = addr | flags | PTE_PS;
        return 0;
    }
    uint64_t *pd = table_next(pdpt, (addr >> 30) & 511);
    if (!pd)
        return -ENOMEM;
    if (size == SZ_2M) {
        pd[(addr >> 21) & 511] = addr | flags | PTE_PS;
        return 0;
    }
    uint64_t *pt = table_next(pd, (addr >> 21) & 511);
    if (!pt)
        return -ENOMEM;
    pt[(addr >> 12) & 511] = addr | flags;
    return 0;
}

static bool range_has_ram(uint64_t base, uint64_t len)
{
    for (unsigned i = 0; i < boot_info.nmem; i++) {
        const struct boot_mem_range *r = &boot_info.mem[i];
        if (r->type == BOOT_MEM_RAM && r->base < base + len && base < r->base + r->len)
            return true;
    }
    return false;
}

/* Permissions of a 4 KiB page inside the kernel's span (the first 2 MiB regions). */
static uint64_t kernel_page_flags(uint64_t addr)
{
    if (addr == 0)
        return 0; /* NULL page: not present */
    if (addr >= (uintptr_t)__text_start && addr < (uintptr_t)__text_end)
        return PTE_P; /* read-only, executable */
    if (addr >= (uintptr_t)__rodata_start && addr < (uintptr_t)__rodata_end)
        return PTE_P | PTE_NX;
    return PTE_P | PTE_W | PTE_NX;
}

static bool cpu_has_1g_pages(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x80000001)
        return false;
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    return d & (1u << 26);
}

void boot_paging_init(void)
{
    pml4 = table_alloc();

    /* How far to map: all RAM, and at least the 4 GiB that hold the MMIO devices. */
    uint64_t top = 4 * SZ_1G;
    for (unsigned i = 0; i < boot_info.nmem; i++) {
        const struct boot_mem_range *r = &boot_info.mem[i];
        if (r->type == BOOT_MEM_RAM && r->base + r->len > top)
            top = r->base + r->len;
    }
    top = (top + SZ_1G - 1) & ~(SZ_1G - 1);

    /* The kernel's span, in 4 KiB pages so every section has its own permissions. */
    uint64_t kernel_span = ((uintptr_t)__kernel_end + SZ_2M - 1) & ~(SZ_2M - 1);
    for (uint64_t a = 0; a < kernel_span; a += SZ_4K) {
        uint64_t flags = kernel_page_flags(a);
        if (flags && map(a, SZ_4K, flags) < 0)
            panic("%s: page table pool exhausted mapping the kernel", __func__);
    }

    /* Below 4 GiB in 2 MiB pages; RAM write-back, the rest uncached (MMIO). */
    uint64_t addr;
    for (addr = kernel_span; addr < 4 * SZ_1G; addr += SZ_2M) {
        uint64_t flags = PTE_P | PTE_W | PTE_NX;
        if (!range_has_ram(addr, SZ_2M))
            flags |= PTE_PCD | PTE_PWT;
        if (map(addr, SZ_2M, flags) < 0)
            panic("%s: page table pool exhausted below 4 GiB", __func__);
    }

    /* RAM above 4 GiB: 1 GiB pages where possible; stop (and say so) if the pool runs out. */
    bool big = cpu_has_1g_pages();
    for (; addr < top; addr += big ? SZ_1G : SZ_2M) {
        if (map(addr, big ? SZ_1G : SZ_2M, PTE_P | PTE_W | PTE_NX) < 0) {
            log_warn("paging: RAM above %#llx left unmapped (page table pool full)",
                     (unsigned long long)addr);
            break;
        }
    }
    ram_limit = addr;

    write_cr3((uintptr_t)pml4);
}

void boot_paging_load(void)
{
    write_cr3((uintptr_t)pml4);
}

uint64_t boot_paging_ram_limit(void)
{
    return ram_limit;
}

void boot_paging_unmap_guard(void *page)
{
    uint64_t a = (uintptr_t)page;
    if (a & (SZ_4K - 1) || a >= ((uintptr_t)__kernel_end))
        panic("%s: %p is not a page in the kernel image", __func__, page);
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(a >> 39) & 511] & PTE_ADDR);
    uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(a >> 30) & 511] & PTE_ADDR);
    uint64_t *pt = (uint64_t *)(uintptr_t)(pd[(a >> 21) & 511] & PTE_ADDR);
    pt[(a >> 12) & 511] = 0;
    invlpg(page);
}

int boot_paging_map_mmio(uint64_t phys, uint64_t len)
{
    uint64_t a = phys & ~(SZ_2M - 1);
    for (; a < phys + len; a += SZ_2M) {
        if (a < ram_limit)
            continue; /* mapped by boot_paging_init (uncached where it is not RAM) */
        if (map(a, SZ_2M, PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT) < 0)
            return -ENOMEM;
    }
    return 0;
}
