/* Counter sources, the console stats lines and the Prometheus text (see stats.h), and the
 * per-core runtime's own counters. */
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

/* Filled at boot on core 0 before the other cores start; read-only afterwards. */
static const struct core_stats_source *sources[STATS_MAX_SOURCES];
static unsigned nsources;
static core_stats_fn line_sources[STATS_MAX_SOURCES];
static unsigned nline_sources;

void core_stats_register(core_stats_fn fn)
{
    if (nline_sources == STATS_MAX_SOURCES)
        panic("%s: more than %d stats sources", __func__, STATS_MAX_SOURCES);
    line_sources[nline_sources++] = fn;
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

void core_stats_add(const struct core_stats_source *src)
{
    if (nsources == STATS_MAX_SOURCES)
        panic("%s: more than %d stats sources", __func__, STATS_MAX_SOURCES);
    if (src->nfields > CORE_STATS_MAX_FIELDS)
        panic("%s: %u fields, at most %d", __func__, src->nfields, CORE_STATS_MAX_FIELDS);
    sources[nsources++] = src;
}

/* ---- output buffers that count what they could not hold ------------------------------- */

struct out {
    char *buf;
    size_t len;  /* bytes of buf */
    size_t used; /* bytes the text needs so far (may exceed len: then buf holds a cut text) */
};

static __attribute__((format(printf, 2, 3))) void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->used < o->len ? o->len - o->used : 0;
    int n = vsnprintf(room ? o->buf + o->used : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used += (size_t)n;
}

/* ---- the runtime's own counters ---------------------------------------------------------- */

enum {
    RT_HALTS,
    RT_WAKE_IRQ,
    RT_WAKE_TIMER,
    RT_WAKE_IPI,
    RT_IRQS,
    RT_BUSY_PCT,
    RT_POLL_US,
    RT_BUSY_US,
    RT_NFIELDS
};

static const struct core_stats_field runtime_fields[RT_NFIELDS] = {
    [RT_HALTS] = {"halts", "toril_cpu_halts_total", NULL, "Times the core halted (hlt).",
                  CORE_STATS_COUNTER, 1},
    [RT_WAKE_IRQ] = {"wakeups_irq", "toril_cpu_wakeups_total", "cause=\"irq\"",
                     "Wake-ups from halt, by cause.", CORE_STATS_COUNTER, 1},
    [RT_WAKE_TIMER] = {"wakeups_timer", "toril_cpu_wakeups_total", "cause=\"timer\"", NULL,
                       CORE_STATS_COUNTER, 1},
    [RT_WAKE_IPI] = {"wakeups_ipi", "toril_cpu_wakeups_total", "cause=\"ipi\"", NULL,
                     CORE_STATS_COUNTER, 1},
    [RT_IRQS] = {"irqs", "toril_cpu_interrupts_total", NULL, "Device interrupts handled.",
                 CORE_STATS_COUNTER, 1},
    /* A share over the time since the previous console line: the console's own view. */
    [RT_BUSY_PCT] = {"busy_pct", NULL, NULL, NULL, CORE_STATS_GAUGE, 1},
    [RT_POLL_US] = {"poll_us", "toril_cpu_poll_window_seconds", NULL,
                    "Current adaptive poll window before halting.", CORE_STATS_GAUGE, 1000000},
    /* Since boot, for rate(): what busy_pct is over the console's window. */
    [RT_BUSY_US] = {NULL, "toril_cpu_busy_seconds_total", NULL,
                    "Time the core was not halted, since boot.", CORE_STATS_COUNTER, 1000000},
};

static bool runtime_read(unsigned id, enum core_stats_view view, uint64_t *v)
{
    struct cpu *c = &core_cpus[id];
    uint64_t now = rdtsc();
    uint64_t halted = c->tsc_halted;
    if (__atomic_load_n(&c->halted, __ATOMIC_ACQUIRE) && c->tsc_halt_start &&
        now > c->tsc_halt_start)
        halted += now - c->tsc_halt_start; /* the halt in progress counts as idle too */
    v[RT_HALTS] = c->halts;
    v[RT_WAKE_IRQ] = c->wakeups_irq;
    v[RT_WAKE_TIMER] = c->wakeups_timer;
    v[RT_WAKE_IPI] = c->wakeups_ipi;
    v[RT_IRQS] = core_irq_count(id);
    v[RT_POLL_US] = c->poll_ns / 1000;
    uint64_t up = core_time_ns();
    uint64_t halted_ns = core_time_tsc_to_ns(halted);
    v[RT_BUSY_US] = (up > halted_ns ? up - halted_ns : 0) / 1000;
    v[RT_BUSY_PCT] = 0;
    if (view == CORE_STATS_CONSOLE) {
        /* The window moves only here, on core 0 (the stats command runs there). */
        uint64_t span = now - c->tsc_stats;
        uint64_t idle = halted - c->tsc_halted_stats;
        v[RT_BUSY_PCT] = span ? 100 - (idle > span ? span : idle) * 100 / span : 0;
        c->tsc_stats = now;
        c->tsc_halted_stats = halted;
    }
    return true;
}

static const struct core_stats_source runtime_source = {
    .fields = runtime_fields, .nfields = RT_NFIELDS, .per_cpu = true, .read = runtime_read};

/* ---- console ----------------------------------------------------------------------------- */

static void line_for(unsigned id, const struct core_stats_source *s, struct out *o)
{
    uint64_t v[CORE_STATS_MAX_FIELDS];
    if (!s->per_cpu || !s->read(id, CORE_STATS_CONSOLE, v))
        return;
    for (unsigned i = 0; i < s->nfields; i++)
        if (s->fields[i].key)
            put(o, " %s=%llu", s->fields[i].key, (unsigned long long)v[i]);
}

void core_stats_print(void)
{
    char line[STATS_LINE];
    for (unsigned id = 0; id < core_ncpus; id++) {
        struct out o = {line, sizeof(line) - 1, 0}; /* room for the newline */
        put(&o, "cpu%u", id);
        line_for(id, &runtime_source, &o);
        for (unsigned i = 0; i < nsources; i++)
            line_for(id, sources[i], &o);
        size_t n = o.used < o.len ? o.used : o.len - 1; /* a cut line is still one line */
        line[n] = '\0';
        for (unsigned i = 0; i < nline_sources; i++)
            line_sources[i](id, line, sizeof(line) - 1);
        n = strlen(line);
        line[n++] = '\n';
        core_console_write(line, n);
    }
}

/* ---- Prometheus text ----------------------------------------------------------------------- */

static void sample(struct out *o, const struct core_stats_field *f, const char *core,
                   uint64_t value)
{
    const char *labels = f->labels;
    put(o, "%s", f->metric);
    if (core || labels)
        put(o, "{%s%s%s%s%s}", core ? "core=\"" : "", core ? core : "", core ? "\"" : "",
            core && labels ? "," : "", labels ? labels : "");
    if (f->scale > 1)
        put(o, " %llu.%06llu\n", (unsigned long long)(value / f->scale),
            (unsigned long long)(value % f->scale * 1000000 / f->scale));
    else
        put(o, " %llu\n", (unsigned long long)value);
}

static void metrics_of(const struct core_stats_source *s, struct out *o)
{
    /* Family by family (Prometheus wants a family's samples together), core by core.  Each
     * sample reads its core's values afresh: reads are a few loads, and this keeps no table of
     * every core's values (64 cores x 24 fields would be too big for a kernel stack). */
    uint64_t v[CORE_STATS_MAX_FIELDS];
    unsigned ncpu = s->per_cpu ? core_ncpus : 1;
    for (unsigned i = 0; i < s->nfields; i++) {
        const struct core_stats_field *f = &s->fields[i];
        if (!f->metric)
            continue;
        if (i == 0 || !s->fields[i - 1].metric || strcmp(s->fields[i - 1].metric, f->metric)) {
            put(o, "# HELP %s %s\n", f->metric, f->help ? f->help : "");
            put(o, "# TYPE %s %s\n", f->metric,
                f->type == CORE_STATS_COUNTER ? "counter" : "gauge");
        }
        for (unsigned id = 0; id < ncpu; id++) {
            if (!s->read(id, CORE_STATS_METRICS, v))
                continue;
            char core[12];
            snprintf(core, sizeof(core), "%u", id);
            sample(o, f, s->per_cpu ? core : NULL, v[i]);
        }
    }
}

size_t core_stats_metrics(char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    metrics_of(&runtime_source, &o);
    for (unsigned i = 0; i < nsources; i++)
        metrics_of(sources[i], &o);
    return o.used;
}
