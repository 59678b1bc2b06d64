/* Ending the VM (see power.h for the exit-status convention). */
#include "core/log.h"
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

void core_power_off(void)
{
    core_log_flush(); /* the last lines (e.g. "shutting down") are still in a log buffer */
    triple_fault();
}

void core_power_fail(enum core_exit_code code)
{
    core_log_flush();
    outb(DEBUG_EXIT_PORT, (uint8_t)code);
    /* No isa-debug-exit device (QEMU run by hand): reset rather than hang. */
    triple_fault();
}
