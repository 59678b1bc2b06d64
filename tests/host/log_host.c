/*
 * Host stand-ins for the kernel's log and panic, linked into host unit tests so kernel modules
 * compile unchanged.  The last logged line is kept, and every line since the last
 * log_host_reset(), so a test can assert on what was reported (the line that names a hostile
 * value is not always the last one).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/panic.h"
#include "tests/host/log_host.h"

char log_host_last[512];
unsigned log_host_count[3];
char log_host_all[8192];

void log_host_reset(void)
{
    log_host_last[0] = log_host_all[0] = 0;
    for (unsigned i = 0; i < 3; i++)
        log_host_count[i] = 0;
}

void core_log(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log_host_last, sizeof(log_host_last), fmt, ap);
    va_end(ap);
    if (level <= LOG_INFO)
        log_host_count[level]++;
    size_t used = strlen(log_host_all);
    snprintf(log_host_all + used, sizeof(log_host_all) - used, "%s\n", log_host_last);
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
