/*
 * Local APIC: this core's interrupt controller.  xAPIC through MMIO, or x2APIC through MSRs
 * when CPUID offers it (QEMU 7.2's TCG APIC does not; KVM does).  One-shot timer only: no
 * periodic tick anywhere in Toril.
 */
#ifndef CORE_LAPIC_H
#define CORE_LAPIC_H

#include <stdint.h>

/* Enable this core's LAPIC (spurious vector, timer masked).  Boot, each core. */
void core_lapic_init(uint64_t mmio_base);

/* This core's LAPIC id (as the MADT names it).  Any context. */
uint32_t core_lapic_id(void);

/* End of interrupt.  Interrupt context. */
void core_lapic_eoi(void);

/* Fixed-delivery IPI with `vector` to the core with LAPIC id `apic_id`.  Any context. */
void core_lapic_send_ipi(uint32_t apic_id, uint8_t vector);

/* INIT and STARTUP IPIs for bringing up an AP (core/smp.c).  Boot, core 0. */
void core_lapic_send_init(uint32_t apic_id);
void core_lapic_send_startup(uint32_t apic_id, uint8_t page);

/* NMI to every other core (panic stops them).  Any context. */
void core_lapic_nmi_others(void);

/* Measure the timer's rate against the TSC.  Boot, core 0, after core_time_init(). */
void core_lapic_timer_calibrate(void);

/* Fire TRAP_VECTOR_TIMER once, `ns` from now (clamped to the timer's range); 0 disarms.
 * Main loop, this core. */
void core_lapic_timer_oneshot(uint64_t ns);

#endif
