/*
 * Forced include (-include) for compiling llhttp 8.1 in the kernel.
 *
 * llhttp's api.c defines llhttp__debug(), a trace printer that only llparse debug builds call,
 * with fprintf(stderr, ...).  The kernel's libc has neither (it has snprintf only), so here they
 * are a no-op.  Nothing else of llhttp needs more than libc/include provides: memcpy, memcmp,
 * memset, strlen (string.h), malloc/free (only llhttp_alloc/llhttp_free, unused), abort().
 */
#ifndef HTTPD_LLHTTP_COMPAT_H
#define HTTPD_LLHTTP_COMPAT_H

#define stderr ((void *)0)

static inline int httpd_llhttp_fprintf(void *stream, const char *fmt, ...)
{
    (void)stream;
    (void)fmt;
    return 0;
}
#define fprintf httpd_llhttp_fprintf

#endif
