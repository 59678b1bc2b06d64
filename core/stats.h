/*
 * The console `stats` command: one line per core, "cpuN key=value key=value ...".  Each
 * subsystem registers a function that appends its counters for a core.
 */
#ifndef CORE_STATS_H
#define CORE_STATS_H

#include <stddef.h>

/*
 * Append " key=value" pairs for core `cpu` to buf (NUL-terminated, `len` bytes in all) with
 * core_stats_append().  Called on core 0's main loop; reads the other core's counters without
 * locks (aligned 64-bit loads: a value may be a moment old, never torn).
 */
typedef void (*core_stats_fn)(unsigned cpu, char *buf, size_t len);

/* Register a counter source.  Boot, core 0, before other cores start. */
void core_stats_register(core_stats_fn fn);

/* printf-style append to a stats line buffer (silently stops at the end of buf). */
void core_stats_append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print one line per core.  Core 0, main loop. */
void core_stats_print(void);

#endif
