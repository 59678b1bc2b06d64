/*
 * IOAPIC routing of wired interrupts (the console UART; virtio-mmio devices on microvm).
 * MSI/MSI-X devices bypass it (core/irq.h).
 */
#ifndef CORE_IOAPIC_H
#define CORE_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Mask every pin of every IOAPIC in core_platform.  Boot, core 0. */
void core_ioapic_init(void);

/* Route ISA IRQ `irq` (after the MADT's source overrides) to `vector` on `apic_id`.
 * Boot or main loop, core 0.  Returns 0 or -ENODEV when no IOAPIC serves it. */
int core_ioapic_route_isa(unsigned irq, int vector, uint32_t apic_id);

/* Route global system interrupt `gsi`.  level/active_low as the device's wiring says
 * (virtio-mmio on microvm: level, active high, as its DSDT says).  Returns 0 or -ENODEV. */
int core_ioapic_route_gsi(uint32_t gsi, int vector, uint32_t apic_id, bool level, bool active_low);

#endif
