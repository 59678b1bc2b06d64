/*
 * Interrupt and exception entry.  core/trap_entry.S saves the general registers into a struct
 * trap_frame on the current stack (or the IST stack for fatal exceptions) and calls
 * core_trap(); vector state is not saved (SSE policy: see the Makefile).
 */
#ifndef CORE_TRAP_H
#define CORE_TRAP_H

#include <stdint.h>

/* Layout fixed by core/trap_entry.S: general registers in reverse push order, then the vector and
 * error code the stub pushed, then what the CPU pushed. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector; /* 0..255 */
    uint64_t error;  /* the CPU's error code, or 0 */
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Vectors 0..31 are exceptions.  Fixed vectors used by the kernel itself: */
#define TRAP_VECTOR_TIMER         0xf0 /* LAPIC one-shot timer */
#define TRAP_VECTOR_IPI           0xf1 /* wake-up / work IPI between cores */
#define TRAP_VECTOR_SPURIOUS      0xff /* LAPIC spurious vector: no EOI */
#define TRAP_VECTOR_FIRST_DYNAMIC 0x30 /* core_irq_alloc() hands out 0x30 .. 0xef */
#define TRAP_VECTOR_LAST_DYNAMIC  0xef

/* Build the IDT.  Boot, core 0, once, first thing after the console (so early faults are
 * reported, not triple faults); then each core loads it with core_trap_load(). */
void core_trap_init(void);
void core_trap_load(void);

/* Move the fatal exceptions (NMI, #DF, #PF, #MC) onto the per-core IST stacks.  Boot, core 0,
 * once its TSS is loaded and before any other core starts (they load their TSS first). */
void core_trap_enable_ist(void);

/* Called by core/trap_entry.S with interrupts off.  Interrupt context. */
void core_trap(struct trap_frame *f);

#endif
