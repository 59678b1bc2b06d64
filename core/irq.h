/*
 * Interrupt vectors for devices (IOAPIC lines, MSI/MSI-X).  One vector space for all cores:
 * a vector is allocated once and may be targeted at any core's LAPIC.  Handlers run in
 * interrupt context: they acknowledge the device, note the work and return; the core's main
 * loop does the work (lwIP, httpd and the heap are never entered from an interrupt).  core/trap.c sends the LAPIC EOI after the handler.
 */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include <stdint.h>

typedef void (*core_irq_handler)(void *arg);

/*
 * Allocate a vector and install `fn(arg)` as its handler; `name` shows in logs.  Boot or main
 * loop, any core (allocation is under a lock).  Returns the vector (0x30..0xef) or -ENOSPC.
 */
int core_irq_alloc(core_irq_handler fn, void *arg, const char *name);

/*
 * MSI message for `vector` delivered to the core with LAPIC id `apic_id` (fixed delivery,
 * edge): the address and data a device writes (PCI MSI/MSI-X capability).  Any context.
 */
void core_irq_msi_message(int vector, uint32_t apic_id, uint64_t *addr, uint32_t *data);

/* Interrupts handled per core since boot, for the stats line. */
uint64_t core_irq_count(unsigned cpu);

#endif
