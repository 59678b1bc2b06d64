/*
 * Per-core software timers on the LAPIC one-shot timer.  Tickless: the hardware timer is armed
 * only for the earliest pending timer of the core, and not at all when none is pending.
 * A timer belongs to the core that added it; add, cancel and expiry all happen in that core's
 * main loop (callbacks run from core_timer_run(), never in interrupt context).
 */
#ifndef CORE_TIMER_H
#define CORE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct core_timer {
    uint64_t deadline;     /* core_time_ns() at which it is due */
    void (*fn)(void *arg); /* called once when due, from the main loop */
    void *arg;
    struct core_timer *next; /* in the owning core's list, earliest first */
    bool pending;            /* in the list */
};

/* Arm `t` (caller-owned memory) to call fn(arg) at `deadline` ns; re-arming moves it.
 * Main loop, this core. */
void core_timer_add(struct core_timer *t, uint64_t deadline, void (*fn)(void *), void *arg);

/* Disarm `t` if pending.  Main loop, this core. */
void core_timer_cancel(struct core_timer *t);

/* Run the timers that are due.  Returns whether any ran.  Main loop, this core. */
bool core_timer_run(void);

/* Deadline of this core's earliest timer, or UINT64_MAX.  Main loop, this core. */
uint64_t core_timer_next(void);

#endif
