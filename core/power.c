/* Ending the VM (see power.h for the exit-status convention). */
#include "core/log.h"
#include "core/platform.h"
#include "core/power.h"
#include "core/x86.h"

#define DEBUG_EXIT_PORT 0x501

/* Reset the machine by a triple fault: an empty IDT makes the breakpoint below unhandleable.
 * Works on every machine type; with -no-reboot QEMU then exits 0. */
static __attribute__((noreturn)) void triple_fault(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) empty = {0, 0};
    __asm__ volatile("cli; lidt %0; int3" ::"m"(empty));
    for (;;)
        __asm__ volatile("hlt");
}

#define PM1_SLP_TYP_SHIFT 10        /* PM1 control: SLP_TYP, bits 10-12 (ACPI 6.4, 4.8.3.2.1) */
#define PM1_SLP_EN        (1u << 13)
#define SLEEP_TYP_SHIFT   2           /* sleep control register: SLP_TYP, bits 2-4 (4.8.3.7) */
#define SLEEP_EN          (1u << 5)

/* ACPI S5 where the FADT and the DSDT's \_S5 describe it; returns only if there is none (or
 * the machine ignored it). */
static void acpi_s5(void)
{
    const struct platform_acpi_pm *pm = &core_platform.pm;
    if (!pm->s5_valid)
        return;
    if (pm->hw_reduced && pm->sleep_ctl) /* microvm: the GED's sleep register */
        *(volatile uint8_t *)(uintptr_t)pm->sleep_ctl =
            (uint8_t)(pm->s5_typ << SLEEP_TYP_SHIFT | SLEEP_EN);
    else if (!pm->hw_reduced && pm->pm1a_cnt) /* q35: the PM1a control block */
        outw(pm->pm1a_cnt, (uint16_t)((inw(pm->pm1a_cnt) & ~(7u << PM1_SLP_TYP_SHIFT)) |
                                      pm->s5_typ << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
    /* QEMU stops the VM at once; give its main loop a moment before falling back. */
    for (volatile unsigned i = 0; i < 10000000; i++)
        __asm__ volatile("pause");
}

void core_power_off(void)
{
    core_log_flush(); /* the last lines (e.g. "shutting down") are still in a log buffer */
    acpi_s5();
    triple_fault();
}

void core_power_fail(enum core_exit_code code)
{
    core_log_flush();
    outb(DEBUG_EXIT_PORT, (uint8_t)code);
    /* No isa-debug-exit device (QEMU run by hand): reset rather than hang. */
    triple_fault();
}
