/*
 * The ACPI power button (QEMU's system_powerdown, virsh shutdown): pressing it starts a drain
 * (core/drain.h).  microvm signals it through its Generic Event Device, q35 through the PM1
 * event block and the SCI; core/acpi.c found which (struct platform_acpi_pm).
 */
#ifndef CORE_PWRBTN_H
#define CORE_PWRBTN_H

/*
 * Enable the button's interrupt, aimed at core 0 (on q35 first switching the chipset to ACPI
 * mode when firmware left it in legacy mode).  Boot, core 0, after core_ioapic_init().
 * Returns 0, or -ENODEV when the machine describes no power button we can use (logged).
 */
int core_pwrbtn_init(void);

#endif
