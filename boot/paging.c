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
/* Set by the first boot_paging_clone(): the master tables must not change after that, or the
 * clones (which copied the path to the per-core window) would no longer match them. */
static bool frozen;

static void check_not_frozen(const char *who)
{
    if (frozen)
        panic("%s: page tables changed after per-core copies were made", who);
}

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


uint64_t boot_paging_ram_limit(void)
{
    return ram_limit;
}

/* The page table mapping `a` with 4 KiB pages, splitting a 2 MiB page into one if needed (the
 * new table maps the same addresses with the same permissions). */
static uint64_t *pt_for(uint64_t a)
{
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(a >> 39) & 511] & PTE_ADDR);
    if (!(pml4[(a >> 39) & 511] & PTE_P) || (pdpt[(a >> 30) & 511] & (PTE_PS | PTE_P)) != PTE_P)
        return NULL; /* not mapped, or a 1 GiB page (above 4 GiB only) */
    uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(a >> 30) & 511] & PTE_ADDR);
    uint64_t e = pd[(a >> 21) & 511];
    if (!(e & PTE_P))
        return NULL;
    if (e & PTE_PS) {
        uint64_t *pt = table_alloc();
        if (!pt)
            panic("%s: page table pool exhausted", __func__);
        uint64_t base = e & PTE_ADDR & ~(SZ_2M - 1), flags = e & ~PTE_ADDR & ~PTE_PS;
        for (unsigned i = 0; i < 512; i++)
            pt[i] = (base + i * SZ_4K) | flags;
        pd[(a >> 21) & 511] = (uintptr_t)pt | PTE_P | PTE_W;
        invlpg((void *)(uintptr_t)base); /* drop the old 2 MiB translation (one entry) */
    }
    return (uint64_t *)(uintptr_t)(pd[(a >> 21) & 511] & PTE_ADDR);
}

void boot_paging_unmap_guard(void *page)
{
    check_not_frozen(__func__);
    uint64_t a = (uintptr_t)page;
    uint64_t *pt = (a & (SZ_4K - 1)) == 0 && a < ram_limit ? pt_for(a) : NULL;
    if (!pt)
        panic("%s: %p is not a mapped page of RAM", __func__, page);
    pt[(a >> 12) & 511] = 0;
    invlpg(page);
}

int boot_paging_map_mmio(uint64_t phys, uint64_t len)
{
    check_not_frozen(__func__);
    uint64_t a = phys & ~(SZ_2M - 1);
    for (; a < phys + len; a += SZ_2M) {
        if (a < ram_limit)
            continue; /* mapped by boot_paging_init (uncached where it is not RAM) */
        if (map(a, SZ_2M, PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT) < 0)
            return -ENOMEM;
    }
    return 0;
}

uint64_t boot_paging_cr3(void)
{
    return (uintptr_t)pml4;
}

/*
 * A copy of the master tables that differs only in where the pages of [va, va + len) point.
 * The window lies inside the kernel image, which is mapped with 4 KiB pages, so the clone needs
 * its own page of each level on the path to it (PML4, PDPT, PD, and every PT the window
 * touches); all other entries keep pointing at the master's shared lower-level tables.  The
 * permissions of each window page are the master's (RW, NX).
 */
int boot_paging_clone(uint64_t va, uint64_t len, uint64_t phys, void *(*alloc_page)(void),
                      uint64_t *cr3)
{
    if ((va | len | phys) & (SZ_4K - 1) || len == 0 || va + len > (uintptr_t)__kernel_end)
        panic("%s: window %#llx+%#llx is not whole pages of the kernel image", __func__,
              (unsigned long long)va, (unsigned long long)len);
    /* One PDPT and one PD on the path: the kernel image lies in the first GiB. */
    if ((va >> 30) != ((va + len - 1) >> 30))
        panic("%s: window crosses a 1 GiB boundary", __func__);
    frozen = true;

    uint64_t *new_pml4 = alloc_page(), *new_pdpt = alloc_page(), *new_pd = alloc_page();
    if (!new_pml4 || !new_pdpt || !new_pd)
        return -ENOMEM;
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(va >> 39) & 511] & PTE_ADDR);
    uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(va >> 30) & 511] & PTE_ADDR);
    memcpy(new_pml4, pml4, SZ_4K);
    memcpy(new_pdpt, pdpt, SZ_4K);
    memcpy(new_pd, pd, SZ_4K);
    new_pml4[(va >> 39) & 511] = (uintptr_t)new_pdpt | (pml4[(va >> 39) & 511] & ~PTE_ADDR);
    new_pdpt[(va >> 30) & 511] = (uintptr_t)new_pd | (pdpt[(va >> 30) & 511] & ~PTE_ADDR);

    for (uint64_t a = va & ~(SZ_2M - 1); a < va + len; a += SZ_2M) {
        unsigned pdi = (a >> 21) & 511;
        if (!(pd[pdi] & PTE_P) || (pd[pdi] & PTE_PS))
            panic("%s: %#llx is not mapped with 4 KiB pages", __func__, (unsigned long long)a);
        uint64_t *pt = (uint64_t *)(uintptr_t)(pd[pdi] & PTE_ADDR);
        uint64_t *new_pt = alloc_page();
        if (!new_pt)
            return -ENOMEM;
        memcpy(new_pt, pt, SZ_4K);
        for (uint64_t p = a; p < a + SZ_2M; p += SZ_4K) {
            if (p < va || p >= va + len)
                continue;
            unsigned pti = (p >> 12) & 511;
            new_pt[pti] = (phys + (p - va)) | (pt[pti] & ~PTE_ADDR);
        }
        new_pd[pdi] = (uintptr_t)new_pt | (pd[pdi] & ~PTE_ADDR);
    }
    *cr3 = (uintptr_t)new_pml4;
    return 0;
}
