/*
 * Sharing core 0's DHCP lease with the other cores' stacks (ip=dhcp).  Only core 0 runs a DHCP
 * client (one lease per MAC, and the MAC is shared); the others take its address, netmask and
 * gateway from here.  Shared state, outside the per-core window.
 */
#ifndef NETSTACK_LEASE_H
#define NETSTACK_LEASE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The DHCP owner's netstack_addr_fn: publish a new lease (ip 0: lost), log it, and kick the
 * cores in [0, ncpus) other than the owner so they apply it.  Main loop of the owner core.
 */
void netstack_lease_publish(void *ctx, uint32_t ip, uint32_t netmask, uint32_t gw);

/*
 * Whether a lease newer than `*seen` is published.  Cheap; main loop of any core.
 */
bool netstack_lease_pending(uint32_t seen);

/*
 * If a lease newer than `*seen` is published, give it to this core's instance
 * (netstack_if_set_addr) and update *seen.  Returns true when one was found (applied, or torn
 * by a concurrent publish: then it is applied on a later call).  Main loop of a non-owner core.
 */
bool netstack_lease_apply(uint32_t *seen);

#endif
