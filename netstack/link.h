/*
 * The link under the per-core stacks: virtio-net queue pair i feeds core i's lwIP instance.
 * (netstack/start.h brings a stack up; this file gives it a device.)
 */
#ifndef NETSTACK_LINK_H
#define NETSTACK_LINK_H

#include <stdbool.h>

/*
 * Find the network device, set up one queue pair per core that can have one (min of cores,
 * device pairs, NETSTACK_MAX_CPUS), prepare the stacks, and arrange for each of those cores to
 * start its stack and poll its queue when it enters its main loop.  Cores without a queue run
 * no stack: they halt until an IPI.  Boot, core 0, before the other cores start.
 * Returns the number of cores with a stack, or -ENODEV (no device: logged; Toril runs without
 * a network).
 */
int netstack_link_boot(void);

/* Whether core `cpu` runs a network stack (it has a queue pair).  Any core, after boot. */
bool netstack_link_has_stack(unsigned cpu);

#endif
