/*
 * Private to one lwIP copy: what instance.c and timers.c, both compiled into every copy, share.
 * Every global declared here is renamed per copy (netstack_cpuK_...), like lwIP's own.
 */
#ifndef NETSTACK_INSTANCE_H
#define NETSTACK_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/netif.h"

/* This copy's one network interface. */
extern struct netif instance_netif;

/* Set whenever the ARP table may have been used (an IPv4 packet sent, an ARP frame received);
 * timers.c keeps the ARP timer running while it is set or the table holds entries. */
extern bool instance_arp_used;

/* timers.c: run the due timers at `now_ns` and arm the ones that became needed; return the
 * next deadline (NETSTACK_NO_DEADLINE when none). */
uint64_t instance_timers_poll(uint64_t now_ns);

#endif
