/*
 * Kernel log: formatted lines on the serial console.
 *
 * Every line is prefixed with the time since boot and the id of the core that wrote it, e.g.
 *   [   0.012 c1] virtio-net: 2 queue pairs
 * A line is written whole (a per-console lock keeps lines of different cores from interleaving),
 * so callers pass one line without the trailing newline.
 *
 * Context: any core, main loop or boot.  Not from interrupt handlers (they must not wait on the
 * console lock); an interrupt handler notes what happened and the main loop logs it.
 * Never blocks: once core 0 runs its main loop, a line goes into the calling core's log buffer
 * and core 0 writes it out (core/logbuf.h); a line that finds the buffer full is dropped and
 * counted (log_dropped=).  During boot lines are written at once.
 *
 * Host unit tests link tests/host/log_host.c instead, which writes to stderr.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stddef.h>

enum log_level {
    LOG_ERROR, /* something failed; the system carries on without it */
    LOG_WARN,  /* suspicious input or configuration that was tolerated */
    LOG_INFO,  /* boot progress and state changes a user wants to see */
};

void core_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) core_log(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  core_log(LOG_WARN, __VA_ARGS__)
#define log_info(...)  core_log(LOG_INFO, __VA_ARGS__)

/* Write out every line still buffered, now: before powering off.  Core 0 only (elsewhere it
 * does nothing: only core 0 reads the buffers). */
void core_log_flush(void);

/*
 * Copy len bytes of untrusted text (a request target, a file name from the disk) into dst
 * (cap bytes, NUL-terminated) so that it cannot forge a log field or a line: '"' and '\' are
 * escaped with a backslash, bytes outside 0x20..0x7e become \xHH.  A value that does not fit is
 * cut and ends in "...".  Returns the length written.  Any context.
 */
size_t core_log_escape(char *dst, size_t cap, const void *src, size_t len);

#endif
