/*
 * PVH entry: the first Toril instruction on core 0.
 *
 * Who jumps here: QEMU's -kernel loader (through qboot on microvm, SeaBIOS on q35), which found
 * the XEN_ELFNOTE_PHYS32_ENTRY note below.  Machine state at entry (PVH boot ABI):
 *   32-bit protected mode, flat segments, paging off, CR4 = 0, interrupts off;
 *   %ebx = physical address of struct hvm_start_info (magic 0x336ec578);
 *   the GDTR still points into firmware memory, and there is no stack.
 *
 * Steps:
 *   1. load our own GDT and segment registers;
 *   2. zero .bss (page tables and the boot stack live there) and take the boot stack;
 *   3. check the CPU can do long mode with NX, else say so on COM1 and stop;
 *   4. build identity page tables for the first 4 GiB (2 MiB pages, no permissions yet:
 *      boot/paging.c replaces them with W^X tables from C);
 *   5. enable PAE, point CR3 at them, set EFER.LME and EFER.NXE, enable paging: long mode;
 *   6. far jump to 64-bit code and call core_main(start_info) in C.
 */
#include "boot/boot.h"

/* XEN_ELFNOTE_PHYS32_ENTRY (type 18): QEMU 7.2 reads the value as 8 bytes in an ELF64 file. */
    .section .note.Xen, "a"
    .p2align 2
    .long 4                 /* namesz */
    .long 8                 /* descsz */
    .long 18                /* type: XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .p2align 2
    .quad pvh_start

    .section .text.boot, "ax"
    .code32
    .globl pvh_start
pvh_start:
    /* 1. Our GDT; the firmware's may be gone once we reuse its memory. */
    movl %ebx, %esi                     /* keep start_info in a register the steps don't use */
    lgdt boot_gdt_ptr
    ljmp $BOOT_SEL_CODE32, $1f
1:  movl $BOOT_SEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs

    /* 2. Zero .bss (the loader zero-fills it too, but we do not rely on a loader detail). */
    cld
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    shrl $2, %ecx
    xorl %eax, %eax
    rep stosl
    movl $boot_stack_top, %esp

    /* 3. Long mode (CPUID 0x80000001 EDX bit 29) and NX (bit 20). */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    testl $(1 << 20), %edx
    jz no_long_mode

    /* 4. PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 512 x 2 MiB pages. */
    movl $boot_pdpt, %eax
    orl $0x3, %eax                      /* present, writable */
    movl %eax, boot_pml4
    movl $boot_pd, %edi
    movl $0, %ecx                       /* PDPT index */
2:  movl %edi, %eax
    orl $0x3, %eax
    movl %eax, boot_pdpt(,%ecx,8)
    addl $4096, %edi
    incl %ecx
    cmpl $4, %ecx
    jb 2b
    movl $boot_pd, %edi
    movl $0x83, %eax                    /* present, writable, 2 MiB page */
    xorl %edx, %edx                     /* bits 32..63 of the entry (physical address) */
    movl $2048, %ecx                    /* 4 GiB / 2 MiB */
3:  movl %eax, (%edi)
    movl %edx, 4(%edi)
    addl $0x200000, %eax
    adcl $0, %edx
    addl $8, %edi
    decl %ecx
    jnz 3b

    /* 5. PAE, CR3, EFER.LME + EFER.NXE, then paging (with write protection in ring 0). */
    BOOT_ENTER_LONG_MODE $boot_pml4

    /* 6. Into 64-bit code. */
    ljmp $BOOT_SEL_CODE64, $long_mode

no_long_mode:
    /* Without long mode there is nothing we can run: tell COM1 and stop. */
    movl $no_long_mode_msg, %esi
4:  lodsb
    testb %al, %al
    jz 5f
    movw $0x3f8, %dx
    outb %al, %dx
    jmp 4b
5:  cli
    hlt
    jmp 5b

    .code64
long_mode:
    movl $BOOT_SEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movq $boot_stack_top, %rsp
    xorl %ebp, %ebp                     /* ends the frame-pointer chain for backtraces */
    movl %esi, %edi                     /* core_main(start_info physical address) */
    call core_main
6:  cli                                 /* core_main never returns */
    hlt
    jmp 6b

    .section .rodata
no_long_mode_msg:
    .asciz "toril: this CPU has no long mode or no NX; cannot boot\r\n"

/*
 * Early GDT: null, 64-bit code, data, 32-bit code (selectors in boot/boot.h).  The final GDT
 * with per-core TSS entries is built in boot/gdt.c.
 */
    .p2align 3
    .globl boot_gdt_early
boot_gdt_early:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: code, long mode (L=1), DPL 0 */
    .quad 0x00cf92000000ffff            /* 0x10: data, 4 GiB, writable */
    .quad 0x00cf9a000000ffff            /* 0x18: code, 32-bit, 4 GiB */
boot_gdt_early_end:
boot_gdt_ptr:
    .word boot_gdt_early_end - boot_gdt_early - 1
    .long boot_gdt_early

    .section .bss.pagetables, "aw", @nobits
    .p2align 12
    .globl boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096

    .section .bss
    .p2align 12
    .globl boot_stack_guard
boot_stack_guard:   .skip 4096          /* unmapped by boot/paging.c */
boot_stack:         .skip 32768         /* core 0's stack until it moves to its own */
    .globl boot_stack_top
boot_stack_top:
