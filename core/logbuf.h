/*
 * Per-core log buffers between core_log() and the UART (core/logbuf.c).
 *
 * Once core 0 runs its main loop, a log line never waits for the serial port: core_log() puts
 * it into the calling core's own buffer (a lock-free single-producer ring, core/ring.h) and
 * returns; core 0 drains every core's buffer to the UART from its main loop, a bounded number
 * of bytes per pass, so a flood of lines costs core 0 a bounded share of its time and the other
 * cores nothing but the formatting.  A line that finds its core's buffer full is dropped and
 * counted (stats: log_dropped=); core 0 reports the count in the log once the flood is drained.
 * Before that (boot) and after core_log_flush() callers, lines are written synchronously.
 */
#ifndef CORE_LOGBUF_H
#define CORE_LOGBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Allocate a buffer per core and register core 0's drain poller and the stats counter.  Boot,
 * core 0, after the number of cores is known and before core_loop_run(). */
void core_logbuf_init(void);

/* One formatted line (with its '\n'), from core_log().  Any core, main loop or boot. */
void core_logbuf_put(const char *line, size_t n);

#endif
