/* Bringing up the application processors (INIT-SIPI-SIPI through boot/trampoline.S). */
#ifndef CORE_SMP_H
#define CORE_SMP_H

/* Give every core in core_platform its struct cpu and stacks (guard pages unmapped).
 * Boot, core 0, after paging is final and before core_gdt_init(). */
void core_smp_prepare(void);

/* Start cores 1..ncpus-1, one at a time, and wait until each has reached its main loop.
 * A core that does not start within its timeout is logged and left out.  Boot, core 0.
 * Returns the number of cores online, core 0 included. */
unsigned core_smp_start(void);

/* Per-core initialisation shared by core 0 and the APs: GDT/TSS, IDT, GS base, LAPIC, heap. */
void core_smp_init_this_cpu(struct cpu *c);

#endif
