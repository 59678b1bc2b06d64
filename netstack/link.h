/*
 * The link between each core's virtio-net queue pair and its lwIP instance, both directions,
 * with one poller per core.  A frame's way in: the queue's receive ring -> classification
 * (netstack/replicate.h) -> this core's instance, and/or the other cores' rings; its way out:
 * the instance's link output -> this core's transmit ring.
 */
#ifndef NETSTACK_LINK_H
#define NETSTACK_LINK_H

#include <stdbool.h>

/*
 * Find the network device, set up one queue pair per core that can have one (min of cores and
 * device pairs), prepare the replication rings, and arrange for each of those cores to bring
 * up its instance and poll its queue when it enters its main loop.  Cores without a queue run
 * no stack: they say so once and halt until an IPI.  Boot, core 0, before the other cores start.
 * Returns the number of cores with a stack, or a negative code (no device: -ENODEV, logged;
 * Toril runs without a network).
 */
int netstack_link_boot(void);

/* Whether core `cpu` runs a network stack (it has a queue pair and its instance came up).
 * Any core, after that core's start (its per-core initialisers run in registration order:
 * register after netstack_link_boot()). */
bool netstack_link_has_stack(unsigned cpu);

#endif
