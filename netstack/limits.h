/*
 * Named limits of netstack/.  Each may be overridden at build time with -DNAME=value.
 * NETSTACK_MAX_CPUS (how many lwIP copies are linked) is a make variable of the same name:
 * netstack/module.mk passes it down.
 */
#ifndef NETSTACK_LIMITS_H
#define NETSTACK_LIMITS_H

/* lwIP copies linked into the kernel: cores 0 .. NETSTACK_MAX_CPUS-1 get a stack, later cores
 * none (they stay halted).  Each copy costs its code and data again (netstack/module.mk). */
#ifndef NETSTACK_MAX_CPUS
#define NETSTACK_MAX_CPUS 8
#endif

/* Highest NETSTACK_MAX_CPUS netstack.c can name copies for (its table of weak references). */
#define NETSTACK_MAX_COPIES 16

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

/* Largest Ethernet frame accepted or sent: 1500-byte MTU + 14-byte header (+ 4 for a VLAN tag
 * on receive, which is then dropped). */
#define NETSTACK_MTU       1500
#define NETSTACK_FRAME_MAX (NETSTACK_MTU + 14 + 4)
#define NETSTACK_FRAME_MIN 14 /* an Ethernet header; shorter frames are runts */

/* ARP/broadcast replication (replicate.h): slots per sender->receiver ring (a power of two) and
 * bytes per slot (frames longer than a slot are not replicated: ARP is 42 bytes, DHCP offers
 * ~350, and a broadcast worth copying is never a full-size frame). */
#ifndef NETSTACK_REPL_RING_SLOTS
#define NETSTACK_REPL_RING_SLOTS 32
#endif
#define NETSTACK_REPL_SLOT_BYTES 640

/* Echo service: connections per core; more are refused (reset). */
#ifndef NETSTACK_ECHO_MAX_CONNS
#define NETSTACK_ECHO_MAX_CONNS 256
#endif
/* Echo: seconds an idle connection (no data either way) is kept. */
#define NETSTACK_ECHO_IDLE_S 60

#endif
