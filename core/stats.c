/* Console stats lines (see stats.h), and the per-core runtime's own counters. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/irq.h"
#include "core/panic.h"
#include "core/stats.h"
#include "core/time.h"
#include "core/x86.h"

#define STATS_MAX_SOURCES 16
#define STATS_LINE        512

static core_stats_fn sources[STATS_MAX_SOURCES];
static unsigned nsources;

void core_stats_register(core_stats_fn fn)
{
    if (nsources == STATS_MAX_SOURCES)
        panic("%s: more than %d stats sources", __func__, STATS_MAX_SOURCES);
    sources[nsources++] = fn;
}

void core_stats_append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strnlen(buf, len);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap); /* truncation is acceptable: a shorter line */
    va_end(ap);
}

/* The runtime's own counters: idle behaviour (halts, wake-ups by cause, busy share). */
static void runtime_stats(unsigned id, char *buf, size_t len)
{
    struct cpu *c = &core_cpus[id];
    uint64_t now = rdtsc();
    uint64_t halted = c->tsc_halted;
    if (__atomic_load_n(&c->halted, __ATOMIC_ACQUIRE) && c->tsc_halt_start)
        halted += now - c->tsc_halt_start; /* the halt in progress counts as idle too */
    uint64_t span = now - c->tsc_stats;
    uint64_t idle = halted - c->tsc_halted_stats;
    unsigned busy_pct = span ? (unsigned)(100 - (idle > span ? span : idle) * 100 / span) : 0;
    /* Written by core 0 only (the stats command runs there). */
    c->tsc_stats = now;
    c->tsc_halted_stats = halted;
    core_stats_append(buf, len,
                      " halts=%llu wakeups_irq=%llu wakeups_timer=%llu wakeups_ipi=%llu "
                      "irqs=%llu busy_pct=%u poll_us=%llu",
                      (unsigned long long)c->halts, (unsigned long long)c->wakeups_irq,
                      (unsigned long long)c->wakeups_timer, (unsigned long long)c->wakeups_ipi,
                      (unsigned long long)core_irq_count(id), busy_pct,
                      (unsigned long long)(c->poll_ns / 1000));
}

void core_stats_print(void)
{
    char line[STATS_LINE];
    for (unsigned id = 0; id < core_ncpus; id++) {
        snprintf(line, sizeof(line), "cpu%u", id);
        runtime_stats(id, line, sizeof(line) - 1);
        for (unsigned i = 0; i < nsources; i++)
            sources[i](id, line, sizeof(line) - 1);
        size_t n = strlen(line);
        line[n++] = '\n';
        core_console_write(line, n);
    }
}
