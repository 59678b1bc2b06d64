/*
 * <time.h>: calendar time types, for mbedTLS (session cache and ticket lifetimes with
 * MBEDTLS_HAVE_TIME, certificate dates with MBEDTLS_HAVE_TIME_DATE).
 *
 * Declarations only: libc/ implements none of these functions.  A configuration that enables
 * those mbedTLS options must provide time() (seconds since the Unix epoch) and, for the dates,
 * gmtime_r(); both are then callable from the main loop of any core.
 */
#ifndef _TORIL_TIME_H
#define _TORIL_TIME_H

#include <stddef.h>

typedef long time_t; /* seconds since 1970-01-01 00:00:00 UTC */

/* A broken-down UTC time, fields as in C. */
struct tm {
    int tm_sec;   /* seconds, 0..60 (60: a leap second) */
    int tm_min;   /* minutes, 0..59 */
    int tm_hour;  /* hours, 0..23 */
    int tm_mday;  /* day of the month, 1..31 */
    int tm_mon;   /* months since January, 0..11 */
    int tm_year;  /* years since 1900 */
    int tm_wday;  /* days since Sunday, 0..6 */
    int tm_yday;  /* days since January 1, 0..365 */
    int tm_isdst; /* always 0: UTC has no daylight saving */
};

/* Current time; also stored in *t when t is not NULL. */
time_t time(time_t *t);
/* Converts *t to UTC in *result and returns result, or NULL when out of range. */
struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict result);

#endif
