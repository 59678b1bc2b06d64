/* Per-core software timers (see timer.h).  A sorted list: cores hold few timers (lwIP's one
 * timeout chain, the shell), so O(n) insertion is cheaper than a heap's bookkeeping. */
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/time.h"
#include "core/timer.h"

void core_timer_cancel(struct core_timer *t)
{
    if (!t->pending)
        return;
    struct core_timer **pp = &core_cpu_self()->timers;
    while (*pp && *pp != t)
        pp = &(*pp)->next;
    if (*pp)
        *pp = t->next;
    t->pending = false;
    t->next = NULL;
}

void core_timer_add(struct core_timer *t, uint64_t deadline, void (*fn)(void *), void *arg)
{
    core_timer_cancel(t);
    t->deadline = deadline;
    t->fn = fn;
    t->arg = arg;
    struct core_timer **pp = &core_cpu_self()->timers;
    while (*pp && (*pp)->deadline <= deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->pending = true;
}

bool core_timer_run(void)
{
    struct cpu *c = core_cpu_self();
    bool ran = false;
    uint64_t now = core_time_ns();
    while (c->timers && c->timers->deadline <= now) {
        struct core_timer *t = c->timers;
        c->timers = t->next;
        t->next = NULL;
        t->pending = false;
        t->fn(t->arg); /* may re-add itself or others */
        ran = true;
    }
    return ran;
}

uint64_t core_timer_next(void)
{
    struct core_timer *t = core_cpu_self()->timers;
    return t ? t->deadline : UINT64_MAX;
}
