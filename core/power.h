/*
 * Ending the VM.  QEMU runs with -no-reboot (scripts/run-qemu), so a reset ends it with exit
 * status 0, and with an isa-debug-exit device at port 0x501, where writing V ends it with
 * status (V << 1) | 1: failures are always odd, never confused with a clean 0.
 */
#ifndef CORE_POWER_H
#define CORE_POWER_H

#include <stdint.h>

enum core_exit_code {
    CORE_EXIT_PANIC = 1, /* QEMU exits 3 */
    CORE_EXIT_BOOT = 2,  /* could not boot (no memory map, no CPU table): QEMU exits 5 */
};

/* Clean power-off: ACPI S5 where the firmware tables describe it (microvm, q35), else a reset
 * (QEMU runs with -no-reboot).  QEMU exits 0 either way.  Any core, main loop. */
__attribute__((noreturn)) void core_power_off(void);

/* Failure power-off: QEMU exits (code << 1) | 1.  Any context. */
__attribute__((noreturn)) void core_power_fail(enum core_exit_code code);

#endif
