/*
 * Interrupt and exception entry stubs.
 *
 * Who jumps here: the CPU, through the IDT built by core/trap.c, in 64-bit mode with the
 * interrupted RIP, CS, RFLAGS, RSP, SS (and for some exceptions an error code) pushed on the
 * current stack, or on the IST stack named in the gate.  Interrupts are off (interrupt gates).
 *
 * Each stub pushes a zero where the CPU pushes no error code, then its vector, and joins
 * trap_common, which saves the general registers as a struct trap_frame (core/trap.h) and calls
 * core_trap(frame).  Stubs are 16 bytes apart so core/trap.c can compute their addresses.
 */
    .text
    .p2align 4
    .globl core_trap_stubs
core_trap_stubs:
    vector = 0
    .rept 256
    .p2align 4
    /* Exceptions with an error code: #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17,
       #CP 21, #VC 29, #SX 30. */
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp trap_common
    vector = vector + 1
    .endr

trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld                                 /* the C ABI expects DF = 0 */
    movq %rsp, %rdi
    /* The CPU aligned RSP to 16 before its 5 pushes; + error + vector + 15 registers = 176:
       RSP is 16-byte aligned here, as the call requires. */
    call core_trap
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                      /* vector and error code */
    iretq
