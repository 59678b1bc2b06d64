/* Per-core main loop (see loop.h). */
#include <stdint.h>

#include "core/config.h"
#include "core/cpu.h"
#include "core/lapic.h"
#include "core/loop.h"
#include "core/panic.h"
#include "core/time.h"
#include "core/timer.h"
#include "core/trap.h"
#include "core/x86.h"

/* Per-core poller tables: written by the owning core at boot, then read by it only. */
static struct core_poller pollers[CORE_MAX_CPUS][CORE_LOOP_MAX_POLLERS];
static unsigned npollers[CORE_MAX_CPUS];

#define MAX_CPU_INITS 8
/* Registered by core 0 before the other cores start; read-only afterwards. */
static void (*cpu_inits[MAX_CPU_INITS])(unsigned cpu);
static unsigned ncpu_inits;

void core_loop_on_each_cpu(void (*init)(unsigned cpu))
{
    if (ncpu_inits == MAX_CPU_INITS)
        panic("%s: more than %d per-core initialisers", __func__, MAX_CPU_INITS);
    cpu_inits[ncpu_inits++] = init;
}

void core_loop_add(const struct core_poller *p)
{
    unsigned id = core_cpu_id();
    if (npollers[id] == CORE_LOOP_MAX_POLLERS)
        panic("%s: more than %d pollers on cpu%u", __func__, CORE_LOOP_MAX_POLLERS, id);
    pollers[id][npollers[id]++] = *p;
}

void core_loop_kick(unsigned cpu)
{
    struct cpu *c = &core_cpus[cpu];
    if (cpu == core_cpu_id())
        return;
    /* The halting core sets `halted` with interrupts off before hlt; an IPI sent after that
     * store wakes it, and one sent before it is seen by its final recheck of `pending`. */
    __atomic_or_fetch(&c->pending, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&c->halted, __ATOMIC_SEQ_CST))
        core_lapic_send_ipi(c->apic_id, TRAP_VECTOR_IPI);
}

/* Interrupts off: would halting now lose work?  Arms every source's interrupt on the way. */
static bool work_arrived(struct cpu *c, unsigned n, struct core_poller *ps)
{
    bool work = false;
    for (unsigned i = 0; i < n; i++)
        if (ps[i].arm && ps[i].arm(ps[i].arg))
            work = true;
    if (__atomic_exchange_n(&c->pending, 0, __ATOMIC_SEQ_CST))
        work = true;
    /* An interrupt since this iteration's polls began may have queued work for a poller
     * (the console ring, say) after that poller looked: go round once more. */
    if (c->wake_cause != CORE_WAKE_NONE)
        work = true;
    return work || core_timer_next() <= core_time_ns();
}

/*
 * Adaptive poll window, in the spirit of Linux's haltpoll governor: after work, a core keeps
 * polling for up to poll_ns before it halts, because halting and being woken costs far more
 * (an exit to the hypervisor and an IPI or interrupt injection) than a short spin when
 * traffic comes in bursts.  A halt that ended within the maximum window would have been
 * caught by a longer poll: grow.  A halt that lasted longer: shrink, so an idle core stops
 * spending anything at all.
 */
#define POLL_GROW_START_NS 10000 /* first non-zero window */

static void adapt_poll_window(struct cpu *c, uint64_t halted_ns, uint64_t max_ns)
{
    if (halted_ns <= max_ns) {
        uint64_t w = c->poll_ns ? c->poll_ns * 2 : POLL_GROW_START_NS;
        c->poll_ns = w > max_ns ? max_ns : w;
    } else {
        c->poll_ns /= 2;
        if (c->poll_ns < POLL_GROW_START_NS / 2)
            c->poll_ns = 0;
    }
}

/* Halt until an interrupt; account the time and the cause.  Interrupts are off on entry. */
static void halt(struct cpu *c)
{
    uint64_t next = core_timer_next();
    if (next != UINT64_MAX) {
        uint64_t now = core_time_ns();
        core_lapic_timer_oneshot(next > now ? next - now : 1);
    }
    c->wake_cause = CORE_WAKE_NONE;
    c->halts++;
    uint64_t t0 = rdtsc();
    c->tsc_halt_start = t0;
    /* sti takes effect after the next instruction, so no interrupt slips in between: an
     * interrupt pending now wakes the hlt at once. */
    __asm__ volatile("sti; hlt" ::: "memory");
    uint64_t t1 = rdtsc();
    __atomic_store_n(&c->halted, false, __ATOMIC_SEQ_CST);
    c->tsc_halted += t1 - t0;
    adapt_poll_window(c, core_time_tsc_to_ns(t1 - t0), core_config->halt_poll_us * 1000ull);
    switch (c->wake_cause) {
    case CORE_WAKE_TIMER:
        c->wakeups_timer++;
        break;
    case CORE_WAKE_IPI:
        c->wakeups_ipi++;
        break;
    default:
        c->wakeups_irq++;
        if (next != UINT64_MAX)
            core_lapic_timer_oneshot(0); /* the timer will be re-armed for what is due then */
        break;
    }
}

void core_loop_run(void)
{
    struct cpu *c = core_cpu_self();
    for (unsigned i = 0; i < ncpu_inits; i++)
        cpu_inits[i](c->id);
    unsigned n = npollers[c->id];
    struct core_poller *ps = pollers[c->id];
    bool poll_only = core_config->idle == CORE_CONFIG_IDLE_POLL;
    uint64_t last_work = core_time_ns();

    irq_enable();
    for (;;) {
        c->wake_cause = CORE_WAKE_NONE;
        bool busy = core_timer_run();
        for (unsigned i = 0; i < n; i++)
            busy |= ps[i].poll(ps[i].arg);
        if (busy)
            last_work = core_time_ns();
        if (busy || poll_only || core_time_ns() - last_work < c->poll_ns) {
            cpu_relax();
            continue;
        }
        /* Take back memory other cores freed into this core's heap before sleeping. */
        core_heap_collect(&c->heap);
        irq_disable();
        __atomic_store_n(&c->halted, true, __ATOMIC_SEQ_CST);
        if (work_arrived(c, n, ps)) {
            __atomic_store_n(&c->halted, false, __ATOMIC_SEQ_CST);
            irq_enable();
            continue;
        }
        halt(c);                    /* returns with interrupts on */
        last_work = core_time_ns(); /* the poll window starts again after every wake-up */
    }
}
