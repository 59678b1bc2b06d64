/*
 * AP trampoline: the first instructions of every application processor.
 *
 * Who jumps here: the AP itself, on the STARTUP IPI that core 0 sends (core/smp.c, INIT-SIPI-
 * SIPI) with vector BOOT_TRAMPOLINE_BASE >> 12.  Core 0 copies this code to
 * BOOT_TRAMPOLINE_BASE first (it is linked as data) and fills the mailbox at BOOT_MAILBOX.
 * State at entry: 16-bit real mode, CS:IP = (BASE >> 4):0000, interrupts off, no stack.
 *
 * Steps:
 *   1. real mode: load the trampoline GDT (a copy of the early GDT), set CR0.PE;
 *   2. protected mode: PAE, CR3 from the mailbox (the early identity tables), EFER.LME+NXE,
 *      paging on: long mode;
 *   3. 64-bit: take the stack and struct cpu from the mailbox and jump to boot_ap_main(cpu),
 *      which loads the final page tables, GDT and IDT.
 * The code is position-dependent on BASE: every address below is BASE + offset.
 */
#include "boot/boot.h"

#define T(x) (BOOT_TRAMPOLINE_BASE + ((x) - boot_trampoline_start))

    .section .trampoline, "a"
    .code16
    .globl boot_trampoline_start
boot_trampoline_start:
    /* 1. Real mode: flat data segment at 0 so T() addresses work, then protected mode. */
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl T(tramp_gdt_ptr)
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $BOOT_SEL_CODE32, $T(tramp32)

    .code32
tramp32:
    /* 2. Protected mode to long mode, as in boot/pvh.S step 5. */
    movl $BOOT_SEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    BOOT_ENTER_LONG_MODE BOOT_MAILBOX + BOOT_MB_CR3
    ljmpl $BOOT_SEL_CODE64, $T(tramp64)

    .code64
tramp64:
    /* 3. Kernel stack and struct cpu from the mailbox; into C. */
    movl $BOOT_SEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movq BOOT_MAILBOX + BOOT_MB_STACK, %rsp
    movq BOOT_MAILBOX + BOOT_MB_CPU, %rdi
    xorl %ebp, %ebp
    movq BOOT_MAILBOX + BOOT_MB_ENTRY, %rax
    pushq $0                            /* fake return address: ends the backtrace */
    jmp *%rax

    .p2align 3
tramp_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: code, long mode */
    .quad 0x00cf92000000ffff            /* 0x10: data */
    .quad 0x00cf9a000000ffff            /* 0x18: code, 32-bit */
tramp_gdt_end:
tramp_gdt_ptr:
    .word tramp_gdt_end - tramp_gdt - 1
    .long T(tramp_gdt)

    .globl boot_trampoline_end
boot_trampoline_end:
