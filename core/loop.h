/*
 * Each core's main loop: run due timers and the core's pollers; when none had work, halt until
 * an interrupt, an IPI or the next timer (core/loop.c).  Everything that is not an interrupt
 * handler runs from here: lwIP, httpd, the console shell.
 */
#ifndef CORE_LOOP_H
#define CORE_LOOP_H

#include <stdbool.h>

#define CORE_LOOP_MAX_POLLERS 8

struct core_poller {
    /* Do pending work; return whether there was any.  Main loop, owning core. */
    bool (*poll)(void *arg);
    /*
     * About to halt, with interrupts off: re-enable the source's interrupt (e.g. a virtqueue's
     * event index) and return true if work arrived meanwhile (then the core does not halt).
     * NULL when the source always interrupts (the console).  Main loop, owning core.
     */
    bool (*arm)(void *arg);
    void *arg;
    const char *name;
};

/* Register a poller on this core.  Boot, the owning core, before core_loop_run(). */
void core_loop_add(const struct core_poller *p);

/*
 * Run `init(cpu)` on every core, on that core, just before it enters its main loop (where a
 * subsystem registers its per-core pollers).  Boot, core 0, before the other cores start.
 */
void core_loop_on_each_cpu(void (*init)(unsigned cpu));

/* Run this core's per-core initialisers, then its main loop.  Never returns. */
__attribute__((noreturn)) void core_loop_run(void);

/* Make core `cpu` leave its halt and run its loop once (an IPI if it may be halted).
 * Any core, main loop. */
void core_loop_kick(unsigned cpu);

#endif
