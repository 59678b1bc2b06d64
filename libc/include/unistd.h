/*
 * <unistd.h>: no POSIX system interface here; the header exists because lwIP (lwip/arch.h)
 * includes it for ssize_t, and mbedTLS (platform_util.c, with MBEDTLS_HAVE_TIME_DATE) includes
 * it to learn whether gmtime_r() exists.
 */
#ifndef _TORIL_UNISTD_H
#define _TORIL_UNISTD_H

#include <sys/types.h>

/* gmtime_r() is declared in <time.h> (mbedTLS checks this to use it instead of gmtime()). */
#define _POSIX_THREAD_SAFE_FUNCTIONS 200809L

#endif
