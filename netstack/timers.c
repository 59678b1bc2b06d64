/*
 * lwIP's timers for one copy (LWIP_TIMERS_CUSTOM): lwIP's own timeouts.c would keep every
 * cyclic timer running forever (ARP every second, DHCP every 500 ms, ...), so an idle core
 * would wake several times a second.  Here each timer runs only while it has work:
 *   tcp_tmr        250 ms  while active or TIME_WAIT pcbs exist (listeners alone need none);
 *   etharp_tmr     1 s     while the ARP table is in use (entries age out after 5 minutes);
 *   dhcp_fine_tmr  500 ms  while a DHCP request waits for its answer;
 *   dhcp_coarse_tmr 60 s   while DHCP runs (lease renewal).
 * Deadlines are aligned to multiples of their period, so timers that run together share one
 * wake-up (the ARP tick coincides with every fourth TCP tick).
 *
 * Compiled into every copy (its statics and globals are per copy).  The main loop of the
 * owning core calls instance_timers_poll() through the poll entry (instance.c).
 */
#include <stdbool.h>
#include <stdint.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/opt.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netstack/instance.h"
#include "netstack/netif.h"

#define NS_PER_MS 1000000ull

struct cyclic {
    uint32_t period_ms; /* lwIP's interval for this handler */
    void (*handler)(void);
    bool (*needed)(void); /* whether it must keep (or start) running */
    uint64_t due;         /* core_time_ns() deadline; 0 = not armed */
};

static bool tcp_needed(void)
{
    return tcp_active_pcbs != NULL || tcp_tw_pcbs != NULL;
}

static bool arp_needed(void)
{
    if (instance_arp_used)
        return true;
    /* Stable entries still need aging; pending ones exist only after sending (the flag). */
    for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
        ip4_addr_t *ip;
        struct netif *nif;
        struct eth_addr *eth;
        if (etharp_get_entry(i, &ip, &nif, &eth))
            return true;
    }
    return false;
}

static void arp_tick(void)
{
    instance_arp_used = false; /* set again by traffic before the next tick */
    etharp_tmr();
}

static bool dhcp_running(void)
{
    return netif_dhcp_data(&instance_netif) != NULL;
}

static bool dhcp_waiting(void)
{
    const struct dhcp *d = netif_dhcp_data(&instance_netif);
    return d != NULL && d->request_timeout > 0;
}

static struct cyclic timers[] = {
    {TCP_TMR_INTERVAL, tcp_tmr, tcp_needed, 0},
    {ARP_TMR_INTERVAL, arp_tick, arp_needed, 0},
    {DHCP_FINE_TIMER_MSECS, dhcp_fine_tmr, dhcp_waiting, 0},
    {DHCP_COARSE_TIMER_MSECS, dhcp_coarse_tmr, dhcp_running, 0},
};

/* The first multiple of the period after now: aligned ticks coincide across timers. */
static uint64_t next_tick(uint64_t now, uint32_t period_ms)
{
    uint64_t period = (uint64_t)period_ms * NS_PER_MS;
    return (now / period + 1) * period;
}

/* lwip_init() calls this: nothing runs until it is needed. */
void sys_timeouts_init(void)
{
    for (size_t i = 0; i < LWIP_ARRAYSIZE(timers); i++)
        timers[i].due = 0;
}

/* TCP calls this when it registers a pcb (TCP_REG); instance_timers_poll() arms tcp_tmr on its
 * next pass, which the main loop makes before it halts. */
void tcp_timer_needed(void)
{
}

uint64_t instance_timers_poll(uint64_t now)
{
    uint64_t next = NETSTACK_NO_DEADLINE;

    for (size_t i = 0; i < LWIP_ARRAYSIZE(timers); i++) {
        struct cyclic *t = &timers[i];
        if (t->due != 0 && now >= t->due) {
            t->handler();
            t->due = 0;
        }
        if (t->due == 0 && t->needed())
            t->due = next_tick(now, t->period_ms);
        if (t->due != 0 && t->due < next)
            next = t->due;
    }
    return next;
}
