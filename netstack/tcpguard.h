/*
 * TCP against hostile clients (netstack/tcpguard.c): RFC 6528 initial sequence numbers, SYN
 * cookies when a listen backlog is full, and a cap on TIME_WAIT pcbs (NETSTACK_TIME_WAIT_MAX),
 * all through lwIP's hooks (netstack/hooks.h).  Counters: syn_cookies= (sent),
 * syn_cookies_ok= (connections made from one), syn_cookies_bad=, tw_reused=.
 */
#ifndef NETSTACK_TCPGUARD_H
#define NETSTACK_TCPGUARD_H

#include <stdint.h>

/* Register the counters.  Boot, core 0, before the other cores start. */
void netstack_tcpguard_boot(void);

/* SipHash-2-4 of nwords 64-bit words under a 128-bit key (exposed for the host test). */
uint64_t netstack_siphash(const uint64_t key[2], const uint64_t *m, unsigned nwords);

#endif
