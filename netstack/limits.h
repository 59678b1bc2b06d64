/*
 * Named limits of netstack/.  Each may be overridden at build time with -DNAME=value.
 * How many cores can run a stack is core's limit (CORE_MAX_CPUS): lwIP's code exists once and
 * its state once per core (core/percpu.h), so the count costs no image size.
 */
#ifndef NETSTACK_LIMITS_H
#define NETSTACK_LIMITS_H

#include "virtio/limits.h"

/* Memory one core's network still takes after the site is loaded (the content cache keeps this
 * much free per core): its copy of the per-core window and its page tables (28 KiB), lwIP's
 * start-up, and room for its transmit backlog and first connections.  The queue pairs' rings
 * and buffers (about 1.2 MiB per pair) are allocated before the site is loaded, so the site's
 * memory check already sees them.  The boot log states the measured total ("memory: network
 * and cores took ..."); connections' buffers come from what content keeps for all cores. */
#define NETSTACK_MEM_PER_CORE (256u * 1024)

/* Frames a core keeps (by reference) while its transmit ring is full, sent in order once it
 * drains.  Beyond that a frame is dropped and counted; TCP sends it again. */
#ifndef NETSTACK_TX_BACKLOG
#define NETSTACK_TX_BACKLOG 256
#endif

/* Pbufs in one outgoing frame handed to the driver as separate segments; a longer chain (rare:
 * many tiny writes by reference) is copied into one buffer first. */
#define NETSTACK_TX_MAX_SEGS 8

/* Listening sockets per core (http, https, echo). */
#define NETSTACK_MAX_LISTENERS 4

/* Ethernet as the device carries it: the frame limits are the link's (virtio/limits.h says
 * why 1518), defined once there and named here for the stack. */
#define NETSTACK_ETH_HLEN  VIRTIO_NET_ETH_HLEN
#define NETSTACK_MTU       VIRTIO_NET_MTU
#define NETSTACK_FRAME_MAX VIRTIO_NET_FRAME_MAX
#define NETSTACK_FRAME_MIN VIRTIO_NET_FRAME_MIN

/* ARP/DHCP replication (replicate.h): slots per sender->receiver ring (a power of two) with
 * few cores.  There are n * (n - 1) rings, so with many cores each ring gets fewer slots, down
 * to NETSTACK_REPL_RING_SLOTS_MIN, keeping what one core can receive near
 * NETSTACK_REPL_INBOUND_SLOTS frames (ARP comes in bursts of a few frames per peer). */
#ifndef NETSTACK_REPL_RING_SLOTS
#define NETSTACK_REPL_RING_SLOTS 32
#endif
#define NETSTACK_REPL_RING_SLOTS_MIN 4
#define NETSTACK_REPL_INBOUND_SLOTS  256

/* Out-of-order segments lwIP keeps per connection (TCP_OOSEQ_MAX_PBUFS; their bytes are
 * bounded by TCP_WND as well).  A loss on a virtual link is rare; a client sending tiny
 * segments behind a gap must not make a connection keep thousands of buffers. */
#ifndef NETSTACK_OOSEQ_PBUFS_MAX
#define NETSTACK_OOSEQ_PBUFS_MAX 16
#endif

/* TIME_WAIT connections a core keeps (netstack/tcpguard.c).  More: the oldest is freed early
 * (counted in tw_reused=).  lwIP walks this list for every segment that matches no open
 * connection, so its length is CPU as well as memory (~170 bytes each). */
#ifndef NETSTACK_TIME_WAIT_MAX
#define NETSTACK_TIME_WAIT_MAX 512
#endif

/* Echo service: connections per core; more are refused (reset). */
#ifndef NETSTACK_ECHO_MAX_CONNS
#define NETSTACK_ECHO_MAX_CONNS 256
#endif
/* Echo: seconds an idle connection (no data either way) is kept. */
#define NETSTACK_ECHO_IDLE_S 60

#endif
