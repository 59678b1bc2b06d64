/*
 * The machine as firmware tables describe it: cores, interrupt controllers, PCIe ECAM.
 * Filled at boot by core 0 from the ACPI MADT/MCFG (core/acpi.c) or, failing that, the MP
 * table (core/mptable.c); frozen before the other cores start, read-only afterwards.
 */
#ifndef CORE_PLATFORM_H
#define CORE_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"

#define PLATFORM_MAX_IOAPICS 4
#define PLATFORM_MAX_ISOS    16
#define PLATFORM_MAX_ECAM    4

struct platform_ioapic {
    uint32_t id;
    uint64_t base;     /* MMIO address */
    uint32_t gsi_base; /* first global system interrupt it serves */
};

/* An ISA IRQ that is wired to another GSI, or with other polarity/trigger (MADT type 2). */
struct platform_iso {
    uint8_t irq;
    uint32_t gsi;
    uint16_t flags; /* MPS INTI flags: bits 0-1 polarity, 2-3 trigger */
};

/* PCIe enhanced configuration space window (ACPI MCFG). */
struct platform_ecam {
    uint64_t base;
    uint16_t segment;
    uint8_t bus_start, bus_end;
};

/*
 * ACPI power management, from the FADT and the DSDT (all zero when absent): how the power
 * button reaches us and how to power off (S5).  Two shapes on QEMU:
 *   - full ACPI (q35): the PM1 event block (power button status and enable bits) raises the
 *     SCI, an ISA interrupt; S5 is SLP_TYP|SLP_EN written to the PM1a control block (I/O).
 *   - hardware-reduced ACPI (microvm): the Generic Event Device (ACPI0013) raises its own
 *     interrupt and says which event in a selector register; S5 goes to the FADT's sleep
 *     control register (MMIO).
 */
struct platform_acpi_pm {
    bool hw_reduced;     /* FADT flag HW_REDUCED_ACPI */
    uint16_t sci_irq;    /* full ACPI: FADT SCI_INT, an ISA IRQ (MADT overrides apply) */
    uint32_t smi_cmd;    /* full ACPI: port to write acpi_enable to (0: already in ACPI mode) */
    uint8_t acpi_enable; /* value for smi_cmd that sets SCI_EN */
    uint16_t pm1a_evt;   /* full ACPI: PM1a event block (status, then enable), I/O port */
    uint8_t pm1_evt_len; /* its bytes: status and enable are half each */
    uint16_t pm1a_cnt;   /* full ACPI: PM1a control block, I/O port */
    uint64_t sleep_ctl;  /* hardware-reduced: sleep control register, MMIO address (8-bit) */
    bool s5_valid;       /* \_S5 found in the DSDT */
    uint8_t s5_typ;      /* its SLP_TYP for PM1a (or the sleep control register) */
    bool ged_valid;      /* a GED with its selector register and interrupt */
    uint64_t ged_esel;   /* the GED's event selector register, MMIO address (32-bit) */
    uint32_t ged_gsi;    /* its interrupt (edge, active high, as QEMU's DSDT says) */
};

struct platform {
    const char *source;     /* "ACPI" or "MP table": for the boot log */
    uint64_t lapic_base;    /* xAPIC MMIO base */
    unsigned ncpus;         /* usable cores found (capped at CORE_MAX_CPUS) */
    unsigned ncpus_ignored; /* enabled cores beyond CORE_MAX_CPUS */
    uint32_t apic_ids[CORE_MAX_CPUS];
    unsigned nioapics;
    struct platform_ioapic ioapics[PLATFORM_MAX_IOAPICS];
    unsigned nisos;
    struct platform_iso isos[PLATFORM_MAX_ISOS];
    unsigned necam;
    struct platform_ecam ecam[PLATFORM_MAX_ECAM];
    struct platform_acpi_pm pm; /* ACPI power management (zero without ACPI) */
};

extern struct platform core_platform;

/* Fill core_platform from ACPI (rsdp: physical address from the loader, 0 to search) or the
 * MP table.  Boot, core 0.  Returns 0, or -ENODEV when no table describes any CPU. */
int core_platform_discover(uint64_t rsdp);

/* Parsers behind core_platform_discover(); each returns 0 or a negative errno. */
int core_acpi_parse(uint64_t rsdp, struct platform *p);
int core_mptable_parse(struct platform *p);

/* Add a core's LAPIC id (duplicates ignored; beyond CORE_MAX_CPUS counted in ncpus_ignored). */
void core_platform_add_cpu(struct platform *p, uint32_t apic_id);

#endif
