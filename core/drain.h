/*
 * Graceful drain, then a clean power-off: what the console command `drain` and the ACPI power
 * button (QEMU's system_powerdown, virsh shutdown) start.
 *
 * Services that hold connections register a participant: begin() stops them taking new work,
 * done() says when nothing is left.  Core 0 coordinates: once every participant is done, or
 * drain_ms= after the start at the latest, it powers off (QEMU exits 0).  core knows nothing of
 * HTTP: httpd registers itself.
 */
#ifndef CORE_DRAIN_H
#define CORE_DRAIN_H

#include <stdbool.h>

struct core_drain_participant {
    const char *name;     /* for the log */
    void (*begin)(void);  /* stop taking new work.  Core 0, main loop, once */
    bool (*done)(void);   /* whether nothing is left in flight.  Core 0, main loop */
};

/* Register p (static storage).  Boot, core 0, before other cores start. */
void core_drain_register(const struct core_drain_participant *p);

/* Add the coordinator to core 0's loop.  Boot, core 0, before core_loop_run(). */
void core_drain_init(void);

/* Start a drain (`why` for the log); a second request while one runs is ignored.
 * Core 0, main loop. */
void core_drain_start(const char *why);

/* Ask for a drain from interrupt context (the power button): noted, core 0 woken; its loop
 * starts the drain.  Any core, any context. */
void core_drain_request_from_irq(void);

/* Whether a drain has started (health checks answer 503 from then on).  Any core. */
bool core_drain_active(void);

#endif
