/* CMOS real-time clock: the wall clock at boot (HTTP Date and Last-Modified need it). */
#ifndef CORE_RTC_H
#define CORE_RTC_H

#include <stdint.h>

/* Seconds since 1970-01-01 UTC as the RTC shows them (QEMU keeps it in UTC by default).
 * 0 if the RTC reads garbage (logged).  Boot, core 0. */
int64_t core_rtc_read(void);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian).  Pure; any context. */
int64_t core_rtc_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
