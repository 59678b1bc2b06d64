/*
 * Per-core log buffers, drained to the UART by core 0 (core/logbuf.h).
 *
 * Each core has a ring of whole lines; it is the ring's only producer and core 0 its only
 * consumer (core/ring.h argues the ordering).  The drop counters are written by their own core
 * and read by core 0 (aligned 64-bit: a moment old, never torn).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/logbuf.h"
#include "core/loop.h"
#include "core/ring.h"
#include "core/stats.h"

#define DRAIN_CPU 0 /* the core that writes to the UART */

struct line {
    uint16_t len;
    char text[CORE_LOG_LINE_MAX];
};

struct logbuf {
    struct core_ring ring;
    uint64_t dropped;  /* lines this core could not queue (its ring was full) */
    uint64_t reported; /* dropped as of core 0's last report (core 0 only) */
} __attribute__((aligned(64)));

/* Set at boot by core 0 before the other cores start; the rings are then per core as above. */
static struct logbuf *bufs;
static unsigned nbufs;
/* True once core 0's main loop drains the rings: until then every line is written at once
 * (boot, and a failure before the loop must never leave its last words in a buffer). */
static bool draining;

/* Write out what core `cpu` queued, at most `budget` bytes; returns the bytes written. */
static size_t drain_one(unsigned cpu, size_t budget)
{
    struct logbuf *b = &bufs[cpu];
    size_t done = 0;
    const struct line *l;
    while (done < budget && (l = core_ring_peek(&b->ring)) != NULL) {
        core_console_write(l->text, l->len);
        done += l->len;
        core_ring_pop_commit(&b->ring);
    }
    uint64_t dropped = __atomic_load_n(&b->dropped, __ATOMIC_RELAXED);
    if (dropped != b->reported && core_ring_peek(&b->ring) == NULL) {
        /* Reported once the flood is drained, so the count comes after the lines it cut (into
         * core 0's own buffer: written on the next pass). */
        log_warn("log: %llu lines dropped on cpu%u (its log buffer was full)",
                 (unsigned long long)(dropped - b->reported), cpu);
        b->reported = dropped;
    }
    return done;
}

static bool drain_poll(void *arg)
{
    (void)arg;
    __atomic_store_n(&draining, true, __ATOMIC_RELEASE);
    size_t done = 0;
    for (unsigned i = 0; i < nbufs && done < CORE_LOG_DRAIN_BYTES; i++)
        done += drain_one(i, CORE_LOG_DRAIN_BYTES - done);
    return done != 0;
}

/* Before core 0 halts: stay awake while any core has lines waiting. */
static bool drain_arm(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < nbufs; i++)
        if (core_ring_peek(&bufs[i].ring) != NULL ||
            __atomic_load_n(&bufs[i].dropped, __ATOMIC_RELAXED) != bufs[i].reported)
            return true;
    return false;
}

static const struct core_stats_field log_fields[] = {
    {"log_dropped", "toril_log_dropped_lines_total", NULL,
     "Log lines dropped because the core's log buffer was full.", CORE_STATS_COUNTER, 1},
};

static bool log_read(unsigned cpu, enum core_stats_view view, uint64_t *v)
{
    if (cpu >= nbufs)
        return false;
    v[0] = __atomic_load_n(&bufs[cpu].dropped, __ATOMIC_RELAXED);
    return true;
}

static const struct core_stats_source log_source = {
    .fields = log_fields, .nfields = 1, .per_cpu = true, .read = log_read};

void core_logbuf_init(void)
{
    struct logbuf *b = calloc(core_ncpus, sizeof(*b));
    struct line *slots = calloc((size_t)core_ncpus * CORE_LOG_LINES_QUEUED, sizeof(*slots));
    if (b == NULL || slots == NULL) {
        free(b);
        free(slots);
        log_error("log: no memory for log buffers: lines stay synchronous");
        return;
    }
    for (unsigned i = 0; i < core_ncpus; i++)
        core_ring_init(&b[i].ring, slots + (size_t)i * CORE_LOG_LINES_QUEUED, CORE_LOG_LINES_QUEUED,
                       sizeof(struct line));
    bufs = b;
    nbufs = core_ncpus;
    core_loop_add(
        &(struct core_poller){.poll = drain_poll, .arm = drain_arm, .arg = NULL, .name = "log"});
    core_stats_add(&log_source);
}

void core_logbuf_put(const char *text, size_t n)
{
    unsigned cpu = core_cpu_id();
    if (!__atomic_load_n(&draining, __ATOMIC_ACQUIRE) || cpu >= nbufs) {
        core_console_write(text, n);
        return;
    }
    struct logbuf *b = &bufs[cpu];
    struct line *l = core_ring_push_slot(&b->ring);
    if (l == NULL) {
        __atomic_store_n(&b->dropped, b->dropped + 1, __ATOMIC_RELAXED); /* one writer */
        return;
    }
    if (n > sizeof(l->text))
        n = sizeof(l->text);
    l->len = (uint16_t)n;
    for (size_t i = 0; i < n; i++)
        l->text[i] = text[i];
    /* Empty before this line: core 0 may have drained it and be about to halt, so wake it. */
    bool was_empty = __atomic_load_n(&b->ring.head, __ATOMIC_ACQUIRE) == b->ring.tail;
    core_ring_push_commit(&b->ring);
    if (cpu != DRAIN_CPU && was_empty)
        core_loop_kick(DRAIN_CPU); /* an IPI only if core 0 halts; once per burst */
}

void core_log_flush(void)
{
    /* Only the ring's consumer may read it; elsewhere the lines stay where they are. */
    if (!__atomic_load_n(&draining, __ATOMIC_ACQUIRE) || core_cpu_id() != DRAIN_CPU)
        return;
    for (unsigned pass = 0; pass < 2; pass++) /* the second writes the drop reports */
        for (unsigned i = 0; i < nbufs; i++)
            drain_one(i, SIZE_MAX);
}
