/*
 * Counters, read two ways from one place: the console `stats` command (one line per core,
 * "cpuN key=value key=value ...") and the admin endpoint's /metrics (the Prometheus text
 * exposition format, version 0.0.4).
 *
 * A module describes its counters once, in a table of fields (console key, metric family,
 * labels, help), and gives one function that reads their current values for a core.  Both
 * outputs are made from that table and that function, so they never disagree on what a counter
 * means or where it comes from.
 */
#ifndef CORE_STATS_H
#define CORE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Prometheus metric types used here. */
enum core_stats_type {
    CORE_STATS_COUNTER, /* only grows (family name ends in _total) */
    CORE_STATS_GAUGE,   /* goes up and down */
};

/* Who is reading: a value may be computed differently for each (busy_pct is "since the
 * previous console line", so only the console read may move its window). */
enum core_stats_view {
    CORE_STATS_CONSOLE,
    CORE_STATS_METRICS,
};

/*
 * One counter.  key and metric may each be NULL: a field with only a key is on the console
 * line only, one with only a metric is in /metrics only.  Fields of one metric family (same
 * `metric`, different `labels`) must be adjacent in the table; the first carries the help.
 */
struct core_stats_field {
    const char *key;    /* console key ("reqs"), [a-z0-9_]+, or NULL */
    const char *metric; /* metric family ("toril_http_requests_total"), or NULL */
    const char *labels; /* extra labels of this sample, e.g. "code=\"2xx\"", or NULL */
    const char *help;   /* the family's # HELP text (first field of a family) */
    enum core_stats_type type;
    uint32_t scale; /* metric value = raw value / scale, printed with 6 decimals when > 1
                       (1000000: raw microseconds, metric seconds); 0 or 1: integer */
};

struct core_stats_source {
    const struct core_stats_field *fields;
    unsigned nfields;
    /* true: one set of values per core (samples labelled core="N", on each core's console
     * line); false: one set for the machine (no core label; metrics only, read with cpu 0). */
    bool per_cpu;
    /*
     * Store the current value of fields[i] in values[i] for every i < nfields.  Return false
     * when core `cpu` has none of these counters (no stack, service not started): the source
     * is then left out of that core's line and samples.  Called on the core that reads (core 0
     * for the console, any core for /metrics); reads another core's counters without locks
     * (aligned 64-bit loads: a value may be a moment old, never torn).  Must not block.
     */
    bool (*read)(unsigned cpu, enum core_stats_view view, uint64_t *values);
};

/* Most fields one source may have (the size of the values array the readers pass). */
#define CORE_STATS_MAX_FIELDS 24

/* Register a counter source (static storage, never freed).  Boot, core 0, before other cores
 * start; panics past the table's size or with more than CORE_STATS_MAX_FIELDS fields. */
void core_stats_add(const struct core_stats_source *src);

/*
 * Console-only counters, for a module whose counters are not (yet) described as fields: fn
 * appends " key=value" pairs for core `cpu` to buf (NUL-terminated, `len` bytes in all) with
 * core_stats_append().  They are on the console line, after the sources' fields, and not in
 * /metrics.  Called on core 0's main loop.  Register at boot, core 0, before other cores start.
 */
typedef void (*core_stats_fn)(unsigned cpu, char *buf, size_t len);
void core_stats_register(core_stats_fn fn);

/* printf-style append to a stats line buffer (silently stops at the end of buf). */
void core_stats_append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print one line per core (every per-core source's keys).  Core 0, main loop. */
void core_stats_print(void);

/*
 * Write every source's metrics in the Prometheus text format into buf (NUL-terminated when
 * len > 0), families in registration order, one sample per core for per-core sources.
 * Returns the length the whole text needs, not counting the NUL (as snprintf does): a result
 * >= len means buf was too small and holds a cut text.  Call with len 0 to size a buffer.
 * Main loop, any core; does not block.
 */
size_t core_stats_metrics(char *buf, size_t len);

#endif
