/*
 * Two lwIP instances (cores 0 and 1 of host_cores.h) wired back to back through an in-memory
 * Ethernet, for host tests: each instance's link output queues the frame for the other's input,
 * and host_wire_pump() moves frames and runs timers on a fake clock (host_env.h).
 */
#ifndef NETSTACK_TESTS_HOST_WIRE_H
#define NETSTACK_TESTS_HOST_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "netstack/netif.h"

#define HOST_WIRE_IP0  0x0a000001u /* 10.0.0.1, core 0 */
#define HOST_WIRE_IP1  0x0a000002u /* 10.0.0.2, core 1 */
#define HOST_WIRE_MASK 0xffffff00u

/* Frames travelling to one instance, and what the wire saw of them. */
struct host_wire {
    struct host_wire_frame *q; /* FIFO */
    unsigned head, count;
    unsigned full_every; /* refuse every Nth frame with -EAGAIN (a full ring; 0: never) */
    unsigned calls;
    uint64_t arp, ipv4, refused;
    size_t largest_gso; /* most payload bytes in one segmentation frame the stack handed over */
};

/* wires[k]: the frames towards core k.  counters[k]: core k's instance counters. */
extern struct host_wire host_wires[2];
extern struct netstack_counters host_wire_counters[2];

/* The offloads the wire offers both instances (NETSTACK_OFFLOAD_TX_CSUM, _TSO4), set before
 * host_wire_up(); 0 by default.  The wire then does what a device does: it completes partial
 * checksums from the pseudo-header sum the stack left in the field, and cuts a segmentation
 * frame at gso_size into frames with their own IPv4 and TCP headers and checksums (PSH and FIN
 * on the last only), which the other instance checks as usual. */
extern unsigned host_wire_offloads;

/* Bring both instances up (once; later calls do nothing): core 0 at HOST_WIRE_IP0, core 1 at
 * HOST_WIRE_IP1, each transmitting towards the other.  Fails the test on error. */
void host_wire_up(void);

/* Deliver every frame in flight, then run both instances' due timers; when nothing moved, jump
 * the clock to the earliest deadline.  Returns false when fully idle (no deadline at all). */
bool host_wire_pump(void);

/* Core k's instance: enter it, then call. */
uint64_t host_wire_poll(unsigned k);
void host_wire_input(unsigned k, const void *frame, size_t len);

#endif
