/* The ACPI power button (see pwrbtn.h).  Registers: ACPI 6.4, 4.8.3.1 (PM1 event: status in
 * the first half, enable in the second) and 4.8.3.2 (PM1 control); the GED's event selector as
 * QEMU's DSDT declares it (hw/acpi/generic_event_device.c: read returns the pending events and
 * clears them). */
#include <errno.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/drain.h"
#include "core/ioapic.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/platform.h"
#include "core/pwrbtn.h"
#include "core/x86.h"

#define PM1_PWRBTN        (1u << 8) /* PWRBTN_STS in status, PWRBTN_EN in enable */
#define PM1_SCI_EN        (1u << 0) /* PM1 control: the chipset raises SCIs, not SMIs */
#define GED_EVT_PWR_DOWN  (1u << 1) /* the GED's power-down event */
#define ACPI_ENABLE_POLLS 100000    /* reads of PM1 control while waiting for SCI_EN */

/* Interrupt context, core 0: the GED's edge interrupt.  Reading the selector acknowledges. */
static void ged_irq(void *arg)
{
    const struct platform_acpi_pm *pm = &core_platform.pm;
    uint32_t sel = *(volatile uint32_t *)(uintptr_t)pm->ged_esel;
    if (sel & GED_EVT_PWR_DOWN)
        core_drain_request_from_irq();
}

/* Interrupt context, core 0: the SCI (level-triggered).  Writing a status bit back as 1 clears
 * it, which drops the line. */
static void sci_irq(void *arg)
{
    const struct platform_acpi_pm *pm = &core_platform.pm;
    uint16_t sts = inw(pm->pm1a_evt);
    if (sts & PM1_PWRBTN) {
        outw(pm->pm1a_evt, PM1_PWRBTN);
        core_drain_request_from_irq();
    }
}

static int init_ged(const struct platform_acpi_pm *pm)
{
    int vector = core_irq_alloc(ged_irq, NULL, "acpi-ged");
    if (vector < 0)
        return vector;
    (void)*(volatile uint32_t *)(uintptr_t)pm->ged_esel; /* forget events from before boot */
    /* The DSDT declares it Edge, ActiveHigh. */
    int rc = core_ioapic_route_gsi(pm->ged_gsi, vector, core_cpus[0].apic_id, false, false);
    if (rc == 0)
        log_info("acpi: power button via GED (GSI %u)", pm->ged_gsi);
    return rc;
}

static bool has_override(unsigned irq)
{
    for (unsigned i = 0; i < core_platform.nisos; i++)
        if (core_platform.isos[i].irq == irq)
            return true;
    return false;
}

static int init_pm1(const struct platform_acpi_pm *pm)
{
    if (!(inw(pm->pm1a_cnt) & PM1_SCI_EN) && pm->smi_cmd && pm->acpi_enable) {
        outb((uint16_t)pm->smi_cmd, pm->acpi_enable); /* firmware's switch to ACPI mode */
        unsigned n = 0;
        while (!(inw(pm->pm1a_cnt) & PM1_SCI_EN) && ++n < ACPI_ENABLE_POLLS)
            __asm__ volatile("pause");
        if (!(inw(pm->pm1a_cnt) & PM1_SCI_EN)) {
            log_warn("acpi: the chipset did not enter ACPI mode; no power button");
            return -ENODEV;
        }
    }
    int vector = core_irq_alloc(sci_irq, NULL, "acpi-sci");
    if (vector < 0)
        return vector;
    uint16_t enable = (uint16_t)(pm->pm1a_evt + pm->pm1_evt_len / 2);
    outw(pm->pm1a_evt, PM1_PWRBTN); /* a press from before boot does not count */
    outw(enable, (uint16_t)(inw(enable) | PM1_PWRBTN));
    /* The SCI is an ISA IRQ; without a MADT override it is level, active low (ACPI 5.2.9). */
    int rc = has_override(pm->sci_irq)
                 ? core_ioapic_route_isa(pm->sci_irq, vector, core_cpus[0].apic_id)
                 : core_ioapic_route_gsi(pm->sci_irq, vector, core_cpus[0].apic_id, true, true);
    if (rc == 0)
        log_info("acpi: power button via PM1 (SCI IRQ %u)", pm->sci_irq);
    return rc;
}

int core_pwrbtn_init(void)
{
    const struct platform_acpi_pm *pm = &core_platform.pm;
    int rc = -ENODEV;
    if (pm->hw_reduced && pm->ged_valid)
        rc = init_ged(pm);
    else if (!pm->hw_reduced && pm->pm1a_evt && pm->pm1a_cnt)
        rc = init_pm1(pm);
    if (rc < 0)
        log_info("acpi: no power button (%d): use the console's drain or shutdown", rc);
    return rc;
}
