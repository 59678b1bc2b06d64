/* The DHCP lease, from the owner core to the others (see lease.h). */
#include <stdbool.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/loop.h"
#include "netstack/lease.h"
#include "netstack/netif.h"
#include "netstack/replicate.h"

/*
 * Written by the owner core, read by the others: a sequence lock (gen odd while being written;
 * readers retry on a change).  Each core compares gen with the last one it applied.
 */
static struct {
    uint32_t gen;
    uint32_t ip, netmask, gw;
} lease;

void netstack_lease_publish(void *ctx, uint32_t ip, uint32_t netmask, uint32_t gw)
{
    uint32_t g = __atomic_load_n(&lease.gen, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.gen, g + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&lease.ip, ip, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.netmask, netmask, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.gw, gw, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.gen, g + 2, __ATOMIC_RELEASE);
    log_info("netstack: address %u.%u.%u.%u/%u.%u.%u.%u gw %u.%u.%u.%u", ip >> 24, ip >> 16 & 255,
             ip >> 8 & 255, ip & 255, netmask >> 24, netmask >> 16 & 255, netmask >> 8 & 255,
             netmask & 255, gw >> 24, gw >> 16 & 255, gw >> 8 & 255, gw & 255);
    for (unsigned c = 0; c < core_ncpus; c++)
        if (c != NETSTACK_REPL_OWNER_CPU)
            core_loop_kick(c);
}

bool netstack_lease_pending(uint32_t seen)
{
    return __atomic_load_n(&lease.gen, __ATOMIC_ACQUIRE) != seen;
}

bool netstack_lease_apply(uint32_t *seen)
{
    uint32_t g1 = __atomic_load_n(&lease.gen, __ATOMIC_ACQUIRE);
    if (g1 == *seen || (g1 & 1))
        return false;
    uint32_t ip = __atomic_load_n(&lease.ip, __ATOMIC_RELAXED);
    uint32_t mask = __atomic_load_n(&lease.netmask, __ATOMIC_RELAXED);
    uint32_t gw = __atomic_load_n(&lease.gw, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&lease.gen, __ATOMIC_RELAXED) != g1)
        return true; /* torn: come back on the next pass */
    netstack_if_set_addr(ip, mask, gw);
    *seen = g1;
    return true;
}
