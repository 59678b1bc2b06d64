/*
 * Bringing the per-core network stacks up and running them from each core's main loop.
 * Shared code.  The boot sequence (core/main.c, with the virtio-net driver):
 *
 *   core 0, boot:       netstack_boot(ncpus)                 rings, stats line
 *   each core c < min(ncpus, queue pairs, NETSTACK_MAX_CPUS), on c, before core_loop_run():
 *                       netstack_start(c, mac, xmit, ctx)    instance, poller, echo
 *   the driver's receive path on core c (main loop):
 *                       netstack_rx(NULL, frame, len)        for every received frame
 */
#ifndef NETSTACK_START_H
#define NETSTACK_START_H

#include <stddef.h>
#include <stdint.h>

#include "netstack/netif.h"

/*
 * Core 0, boot, before the other cores start: allocate the replication rings for `ncpus`
 * cores (capped at NETSTACK_MAX_CPUS) and register the stats counters (rx= tx= drops= conns=).
 * Returns 0 or -ENOMEM.
 */
int netstack_boot(unsigned ncpus);

/*
 * On core `cpu` itself, before its main loop runs: bring up its lwIP instance with the
 * addressing of the command line (ip=, gw=; ip=dhcp runs the client on core 0 and gives its
 * lease to the others), transmitting through link_output(link_ctx, ...) on this core's queue;
 * register the poller that drains replicated frames, runs lwIP's timers and keeps this core's
 * one-shot timer armed for the next one; start the echo service when echo= is set.
 * Returns 0, -ENODEV (no copy for this core: it runs no stack), or the instance's error.
 */
int netstack_start(unsigned cpu, const uint8_t mac[6], netstack_link_output_fn link_output,
                   void *link_ctx);

/*
 * One received frame on this core (the driver's receive callback; `ctx` unused).  Classifies
 * it (replicate.h): processes it here, copies it to the other cores, or drops and counts it.
 * The frame is the caller's; it is copied before this returns.  Main loop of this core.
 */
void netstack_rx(void *ctx, const uint8_t *frame, size_t len);

#endif
