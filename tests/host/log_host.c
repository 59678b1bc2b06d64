/*
 * Host stand-ins for the kernel's log and panic, linked into host unit tests so kernel modules
 * compile unchanged.  The last logged line is kept so a test can assert on what was reported.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/panic.h"
#include "tests/host/log_host.h"

char log_host_last[512];
unsigned log_host_count[3];

void core_log(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log_host_last, sizeof(log_host_last), fmt, ap);
    va_end(ap);
    if (level <= LOG_INFO)
        log_host_count[level]++;
    if (getenv("TORIL_TEST_VERBOSE"))
        fprintf(stderr, "log: %s\n", log_host_last);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
