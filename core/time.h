/*
 * Time.  The clock is the TSC (constant rate and in step across cores, under QEMU TCG and on
 * the hosts KVM runs on), calibrated once at boot; wall-clock time is the CMOS RTC read at
 * boot plus TSC time since.
 */
#ifndef CORE_TIME_H
#define CORE_TIME_H

#include <stdint.h>

/* Calibrate the TSC (kvmclock/CPUID frequency leaf when a hypervisor offers one, else the PIT,
 * checked for plausibility and retried) and read the RTC.  Boot, core 0. */
void core_time_init(void);

/* Nanoseconds since core_time_init(); 0 before it.  Any core, any context. */
uint64_t core_time_ns(void);

/* TSC ticks per second. */
uint64_t core_time_tsc_hz(void);

/* Convert TSC ticks to nanoseconds. */
uint64_t core_time_tsc_to_ns(uint64_t ticks);

/* Seconds since 1970-01-01 UTC (RTC at boot + elapsed).  Any context. */
int64_t core_time_wall(void);

#endif
