/*
 * TCP against hostile clients (netstack/tcpguard.c): RFC 6528 initial sequence numbers, SYN
 * cookies when a listen backlog is full, and a cap on TIME_WAIT pcbs (NETSTACK_TIME_WAIT_MAX),
 * all through lwIP's hooks (netstack/hooks.h).  Counters: syn_cookies= (sent),
 * syn_cookies_ok= (connections made from one), syn_cookies_bad=, tw_reused=.
 */
#ifndef NETSTACK_TCPGUARD_H
#define NETSTACK_TCPGUARD_H

#include <stdint.h>

/* One core's counters: written by that core, read by the stats line (aligned 64-bit). */
struct netstack_tcpguard_counters {
    uint64_t cookies;     /* SYN-ACKs sent with a cookie (the backlog was full) */
    uint64_t cookies_ok;  /* connections made from a valid cookie */
    uint64_t cookies_bad; /* ACKs to a listener with an invalid or expired cookie */
    uint64_t tw_reused;   /* TIME_WAIT pcbs freed early because the list was full */
};

/* Core `cpu`'s counters (NULL past CORE_MAX_CPUS).  Any core. */
const struct netstack_tcpguard_counters *netstack_tcpguard_counters(unsigned cpu);

/* Register the counters with core/stats (netstack/tcpguard_stats.c).  Boot, core 0, before the
 * other cores start. */
void netstack_tcpguard_boot(void);

#endif
