/*
 * Constants shared by the assembly entry points and C: segment selectors, control-register
 * bits, the AP trampoline's location and mailbox layout.
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H

/* GDT selectors (boot/gdt.c builds the final GDT with the same first entries). */
#define BOOT_SEL_CODE64 0x08
#define BOOT_SEL_DATA   0x10
#define BOOT_SEL_CODE32 0x18
#define BOOT_SEL_TSS0   0x20 /* core i's TSS at 0x20 + 16 * i */

#define CR0_PE         (1u << 0)
#define CR0_MP         (1u << 1)
#define CR0_EM         (1u << 2)
#define CR0_WP         (1u << 16)
#define CR0_PG         (1u << 31)
#define CR4_PAE        (1u << 5)
#define CR4_PGE        (1u << 7)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE    (1u << 18)
#define MSR_EFER       0xc0000080
#define EFER_LME       (1u << 8)
#define EFER_NXE       (1u << 11)
#define MSR_GS_BASE    0xc0000101

/* The AP trampoline is copied to this page below 1 MiB (SIPI vector = address >> 12). */
#define BOOT_TRAMPOLINE_BASE 0x8000
/* Mailbox at the end of the trampoline page, filled by core 0 before each SIPI. */
#define BOOT_MAILBOX  (BOOT_TRAMPOLINE_BASE + 0xf00)
#define BOOT_MB_CR3   0x00 /* u32: early identity page tables (below 4 GiB) */
#define BOOT_MB_STACK 0x08 /* u64: top of the AP's kernel stack */
#define BOOT_MB_CPU   0x10 /* u64: the AP's struct cpu */
#define BOOT_MB_ENTRY 0x18 /* u64: 64-bit C entry, boot_ap_main(struct cpu *) */

#define HVM_START_MAGIC 0x336ec578

#ifdef __ASSEMBLY__
/*
 * Protected mode to long mode, shared by core 0's PVH entry and the APs' trampoline: PAE,
 * CR3 = `pml4` (an operand: an immediate or a memory location), EFER.LME (long mode) and
 * EFER.NXE (no-execute bits), then paging with write protection in ring 0.  Clobbers eax,
 * ecx, edx.  A far jump to a 64-bit code segment must follow.
 */
/* clang-format off */
.macro BOOT_ENTER_LONG_MODE pml4
    movl %cr4, %eax
    orl $(CR4_PAE | CR4_PGE), %eax
    movl %eax, %cr4
    movl \pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $(EFER_LME | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP | CR0_PE), %eax
    movl %eax, %cr0
.endm
/* clang-format on */
#endif

#endif
