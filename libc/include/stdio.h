/*
 * <stdio.h>: formatted output into a buffer.  There is no FILE I/O; the console is written
 * through core_log() (core/log.h).
 *
 * vsnprintf and snprintf follow C99: they write at most size bytes including the terminating
 * NUL, always terminate when size > 0, and return the length the whole output would have had
 * (so a return value >= size means truncation: never ignore it).  With size 0, buf may be NULL.
 * Any context, never blocks, never allocates.
 *
 * Supported: flags - 0 + space #, width and precision (also *), lengths hh h l ll z t j,
 * conversions d i u x X o c s p %.  Differences from glibc:
 *   - %s of NULL prints "(null)", cut by the precision like any string (glibc prints nothing
 *     when the precision is below 6).
 *   - No floating point (the kernel is built with -mgeneral-regs-only), no %n, no L, no wide
 *     characters: an unsupported conversion is copied to the output as written, and consumes no
 *     argument.
 *   - An output longer than INT_MAX bytes returns -EOVERFLOW (C: "a negative value").
 */
#ifndef _TORIL_STDIO_H
#define _TORIL_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
