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
 * Never blocks for long: the 16550 is polled, a line of 200 bytes takes ~20 us under QEMU.
 *
 * Host unit tests link tests/host/log_host.c instead, which writes to stderr.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

enum log_level {
    LOG_ERROR, /* something failed; the system carries on without it */
    LOG_WARN,  /* suspicious input or configuration that was tolerated */
    LOG_INFO,  /* boot progress and state changes a user wants to see */
};

void core_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) core_log(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  core_log(LOG_WARN, __VA_ARGS__)
#define log_info(...)  core_log(LOG_INFO, __VA_ARGS__)

#endif
