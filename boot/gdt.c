/* Final GDT and per-core TSS (see gdt.h).  Built once by core 0, then only loaded. */
#include <stdint.h>

#include "boot/boot.h"
#include "boot/gdt.h"

/* 64-bit TSS (Intel SDM vol. 3, 8.7): only the IST pointers are used. */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3]; /* stacks for privilege changes: unused, everything runs in ring 0 */
    uint64_t reserved1;
    uint64_t ist[7]; /* IST1..IST7; ist[0] is IST1 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base; /* beyond the limit: no I/O bitmap */
} __attribute__((packed));

#define GDT_FIXED 4 /* null, code64, data, code32 */

static uint64_t gdt[GDT_FIXED + 2 * CORE_MAX_CPUS] __attribute__((aligned(16))) = {
    0, 0x00af9a000000ffff, /* BOOT_SEL_CODE64 */
    0x00cf92000000ffff,    /* BOOT_SEL_DATA */
    0x00cf9a000000ffff,    /* BOOT_SEL_CODE32 */
};
static struct tss tss[CORE_MAX_CPUS] __attribute__((aligned(16)));

void boot_gdt_init(unsigned ncpus)
{
    for (unsigned i = 0; i < ncpus; i++) {
        tss[i].ist[BOOT_IST_FATAL - 1] = (uintptr_t)core_cpus[i].ist_top;
        tss[i].iomap_base = sizeof(struct tss);
        uint64_t base = (uintptr_t)&tss[i];
        uint64_t limit = sizeof(struct tss) - 1;
        /* 16-byte system descriptor, type 9 (available 64-bit TSS), present. */
        gdt[GDT_FIXED + 2 * i] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                                 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
        gdt[GDT_FIXED + 2 * i + 1] = base >> 32;
    }
}

void boot_gdt_load(const struct cpu *c)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof(gdt) - 1, (uintptr_t)gdt};

    __asm__ volatile("lgdt %0\n\t"
                     /* reload CS with a far return to the next instruction */
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(ptr), "i"(BOOT_SEL_CODE64), "i"(BOOT_SEL_DATA),
                       "r"((uint16_t)(BOOT_SEL_TSS0 + 16 * c->id))
                     : "rax", "memory");
}
