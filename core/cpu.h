/*
 * Per-core state.  Each core owns one struct cpu; its GS base points at it, so core_cpu_self()
 * is one memory load.  Fields are written only by the owning core unless a comment says
 * otherwise.  The array of all cpus is built by core 0 before the other cores start.
 */
#ifndef CORE_CPU_H
#define CORE_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/heap.h"
#include "core/limits.h"

struct core_timer;

/* What ended the last halt (set by core/trap.c, read by the idle path). */
enum core_wake_cause {
    CORE_WAKE_NONE,
    CORE_WAKE_IRQ,   /* a device interrupt (MSI-X, IOAPIC) */
    CORE_WAKE_TIMER, /* the LAPIC one-shot timer */
    CORE_WAKE_IPI,   /* another core's wake-up IPI */
};

struct cpu {
    struct cpu *self;     /* this struct's own address: core_cpu_self() loads %gs:0 */
    unsigned id;          /* dense core id, 0 .. ncpus-1; core 0 boots the machine */
    uint32_t apic_id;     /* LAPIC id from the MADT: the target of IPIs and MSIs */
    volatile bool online; /* set by the core itself once it reached its main loop;
                             read by core 0 while it waits for the others */
    void *stack_top;      /* top of this core's kernel stack (a guard page lies below) */
    void *ist_top;        /* top of the stack for fatal exceptions (#DF, #PF, #MC, NMI) */
    uint64_t cr3;         /* this core's page tables: the master tables, or a clone that maps
                             the per-core window to this core's copy (core/percpu.h) */
    uint64_t percpu_phys; /* physical address of this core's copy of the window */
    struct heap heap;     /* this core's malloc arena */

    /* Idle accounting (stats line). */
    uint64_t halts;            /* times the core executed hlt */
    uint64_t wakeups_irq;      /* wake-ups by a device interrupt */
    uint64_t wakeups_timer;    /* wake-ups by the LAPIC one-shot timer */
    uint64_t wakeups_ipi;      /* wake-ups by an IPI from another core */
    uint64_t tsc_halted;       /* TSC ticks spent halted since boot, up to the last wake-up */
    uint64_t tsc_halt_start;   /* TSC when the current halt began (valid while halted) */
    uint64_t tsc_stats;        /* TSC at the previous stats line (busy_pct is since then) */
    uint64_t tsc_halted_stats; /* tsc_halted at the previous stats line */

    volatile enum core_wake_cause wake_cause; /* set in interrupt context */
    uint64_t poll_ns;          /* current adaptive poll window before halting (core/loop.c) */
    bool halted;               /* about to halt or halted; read by other cores (atomics) to
                                  decide whether a wake-up IPI is needed */
    struct core_timer *timers; /* this core's pending software timers, earliest first */

    /* Non-zero when another core posted work (core_loop_kick); atomics, any core. */
    uint32_t pending;
} __attribute__((aligned(64))); /* cores' structs never share a cache line */

/* All cores, indexed by id.  Filled by core 0 at boot (before the APs start), then read-only
 * except for the fields each core owns. */
extern struct cpu core_cpus[CORE_MAX_CPUS];
/* Number of cores that were discovered and started (<= CORE_MAX_CPUS). */
extern unsigned core_ncpus;

/* This core's struct cpu.  Any context, after the core's GS base is set in boot. */
static inline struct cpu *core_cpu_self(void)
{
    struct cpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c;
}

static inline unsigned core_cpu_id(void)
{
    return core_cpu_self()->id;
}

static inline void cpu_relax(void)
{
    __builtin_ia32_pause();
}

#endif
