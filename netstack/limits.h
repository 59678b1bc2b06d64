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

/* Frames lwIP sent that a core holds (a pbuf reference each): waiting for room in the
 * transmit ring, or given to the device by reference and not yet given back.  A power of two.
 * When all are taken, lwIP is refused (ERR_MEM) and TCP sends the segment again once room
 * returns.  24 bytes each, from the core's heap. */
#ifndef NETSTACK_TX_BACKLOG
#define NETSTACK_TX_BACKLOG 2048
#endif

/* Frames that wait before they are handed to the link in the middle of a pass (otherwise at
 * its end): more than a 64 KiB TSO frame's 45 segments, so one response can go as one frame. */
#define NETSTACK_TX_BATCH 64

/* The link's transmit limits (virtio/limits.h), named for the stack: bytes of headers copied,
 * pieces by reference per frame, the largest frame the link segments. */
#define NETSTACK_TX_HDR_MAX  VIRTIO_NET_TX_HDR_MAX
#define NETSTACK_TX_SEGS_MAX VIRTIO_NET_TX_SEGS_MAX
#define NETSTACK_GSO_MAX     VIRTIO_NET_GSO_MAX

/* Large segments (TSO) only for connections whose MSS is at least this (RFC 9293's default MSS):
 * a peer announcing a tiny MSS (lwIP accepts 1) would otherwise have the host cut each 64 KiB
 * frame into tens of thousands of packets.  Such a peer gets lwIP's one-MSS segments. */
#define NETSTACK_TSO_MSS_MIN 536

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
