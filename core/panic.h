/*
 * panic(): a broken invariant.  Prints the message, the registers and a frame-pointer
 * backtrace with symbol names, stops the other cores and powers the machine off with a
 * non-zero QEMU exit code.  Never returns.
 *
 * Context: any core, any context (also exception handlers).  Convention for messages:
 *   panic("%s: descriptor %u out of range", __func__, id);
 *
 * Host unit tests link tests/host/log_host.c, whose panic() prints and aborts.
 */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define PANIC_ON(cond)                                                                             \
    do {                                                                                           \
        if (__builtin_expect(!!(cond), 0))                                                         \
            panic("%s:%d: %s", __FILE__, __LINE__, #cond);                                         \
    } while (0)

#endif
