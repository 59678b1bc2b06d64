/*
 * The final GDT: the early entries of boot/pvh.S plus one TSS per core, whose IST1 stack is
 * used by the fatal exceptions (#DF, #PF, #MC, NMI) so that a stack overflow into a guard page
 * still reaches panic() on a good stack.
 */
#ifndef BOOT_GDT_H
#define BOOT_GDT_H

#include "core/cpu.h"

#define BOOT_IST_FATAL 1 /* IST slot of the fatal-exception stack */

/* Fill the TSS descriptors of cores 0..ncpus-1 from core_cpus[].ist_top.  Boot, core 0,
 * before any core calls boot_gdt_load(). */
void boot_gdt_init(unsigned ncpus);

/* Load the GDT, reload the segment registers and this core's task register.  Boot, each
 * core once. */
void boot_gdt_load(const struct cpu *c);

#endif
