/*
 * Serial console on COM1 (16550 UART at I/O port 0x3f8): all output, and input for the shell.
 *
 * Output is polled and serialized by a console lock, one whole line at a time (core/log.h is
 * the usual way to write).  Input arrives by interrupt (IRQ 4 routed to core 0); the handler
 * only moves bytes into a ring that core 0's main loop drains into the shell.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/* Program the UART (115200 8N1, FIFOs on).  Boot, core 0, first thing. */
void core_console_init(void);

/* Route the UART's receive interrupt to core 0.  Boot, core 0, after the IOAPIC is up. */
void core_console_enable_input(void);

/* Write n bytes ('\n' becomes "\r\n") under the console lock.  Any core, main loop. */
void core_console_write(const char *s, size_t n);

/*
 * Write without waiting for the console lock if another core holds it for long: panic()'s
 * path, which must print even if the lock holder is wedged.  Any context.
 */
void core_console_write_panic(const char *s, size_t n);

/*
 * Feed received bytes to the shell.  Core 0, main loop; returns whether there were any.
 */
bool core_console_poll(void);

#endif
