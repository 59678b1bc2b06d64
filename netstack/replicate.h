/*
 * ARP (and DHCP) replication between the per-core lwIP instances (docs/architecture.md).
 * Shared code and data, outside the per-core window.
 *
 * The host steers each TCP flow to one queue, but ARP and DHCP traffic may land on any queue,
 * and every instance needs ARP to resolve its own peers.  The core that received such a frame
 * copies it into lock-free single-producer single-consumer rings (core/ring.h), one per
 * (sender, receiver) pair, and kicks the receiver (core_loop_kick: an IPI if it is halted);
 * each core drains its inbound rings into its own instance from its main loop.
 *
 * Classification of a received frame (netstack_repl_classify), exactly:
 *   DROP   shorter than an Ethernet header (runt); a VLAN tag (0x8100); IPv6 (0x86dd) or any
 *          ethertype other than ARP and IPv4; ARP shorter than an Ethernet ARP packet (42);
 *          IPv4 shorter than its header, not version 4, IHL < 5; IPv4 multicast (224/4: no
 *          instance joins a group); IPv4 unicast to an address that is not ours (when we
 *          have one), i.e. neither ours, nor 255.255.255.255, nor our subnet's broadcast.
 *   ALL    ARP (requests and replies, whatever the destination MAC): processed by the
 *          receiving core and copied to every other core.
 *   OWNER  IPv4 UDP to port 68 (a DHCP client's answer: offers and acks, broadcast or not):
 *          only the DHCP owner, core NETSTACK_REPL_OWNER_CPU, runs the client; it goes there
 *          (processed locally if this is that core), and nowhere else: another core without a
 *          client would answer a unicast one with an ICMP port unreachable.
 *   LOCAL  every other IPv4 frame: TCP and UDP to our address, ICMP (ping), broadcasts
 *          (limited or directed).  Processed by the receiving core only: a TCP/UDP flow
 *          lives where the host steers it, a ping is answered by whichever core gets it, and
 *          no instance listens for other broadcasts (IGMP, broadcast ping, UDP services off).
 * The receiving core always processes ALL and LOCAL frames itself too.
 *
 * Memory is bounded: n * (n - 1) rings for n cores, NETSTACK_REPL_RING_SLOTS frames per ring
 * with few cores, fewer with many (netstack/limits.h),
 * slots of NETSTACK_REPL_OWNER_SLOT bytes towards the owner, NETSTACK_REPL_SLOT bytes towards
 * the others.  A frame that does not fit (ring full, frame longer than a slot) is dropped and
 * counted against the sender; ARP retries.
 */
#ifndef NETSTACK_REPLICATE_H
#define NETSTACK_REPLICATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum netstack_repl_class {
    NETSTACK_REPL_DROP,  /* not for any instance: count and forget */
    NETSTACK_REPL_LOCAL, /* for the receiving core's instance only */
    NETSTACK_REPL_ALL,   /* for the receiving core and every other core */
    NETSTACK_REPL_OWNER, /* for the DHCP owner core only */
};

/* The core that runs the DHCP client; the others get its lease (netstack/lease.h). */
#define NETSTACK_REPL_OWNER_CPU 0

/* Slot payload sizes: ARP towards every core; DHCP answers (up to 576-byte IP datagrams)
 * towards the owner. */
#define NETSTACK_REPL_SLOT       128
#define NETSTACK_REPL_OWNER_SLOT 640

/*
 * Classify one received Ethernet frame (see above).  `our_ip` and `netmask` are the instance's
 * IPv4 address and netmask in host byte order; our_ip 0 while it has none (then no unicast
 * IPv4 is dropped for its destination: lwIP decides).  Pure function; any context.
 */
enum netstack_repl_class netstack_repl_classify(const uint8_t *frame, size_t len, uint32_t our_ip,
                                                uint32_t netmask);

/*
 * Allocate the rings for `ncpus` cores (1 .. CORE_MAX_CPUS) and remember how to wake a
 * core (`kick`, core_loop_kick in the kernel).  Boot, core 0, before the other cores start
 * (their startup publishes the rings to them).  Returns 0, -EINVAL, -EBUSY (done already),
 * -ENOMEM.
 */
int netstack_repl_init(unsigned ncpus, void (*kick)(unsigned cpu));

/*
 * Copy `frame` into the ring from core `from` to core `to` and kick `to`.  Returns true when
 * queued; false (counted as a drop of `from`) when the ring is full or the frame too long.
 * Main loop of core `from`.
 */
bool netstack_repl_send(unsigned from, unsigned to, const uint8_t *frame, size_t len);

/* netstack_repl_send() to every core but `from`; returns how many queued it. */
unsigned netstack_repl_fanout(unsigned from, const uint8_t *frame, size_t len);

/*
 * Hand up to `budget` frames waiting for core `cpu` to deliver(ctx, frame, len), oldest first
 * per sender; the frame is valid only during the call.  Returns the number delivered.  Main
 * loop of core `cpu`.
 */
typedef void (*netstack_repl_deliver_fn)(void *ctx, const uint8_t *frame, size_t len);
unsigned netstack_repl_drain(unsigned cpu, netstack_repl_deliver_fn deliver, void *ctx,
                             unsigned budget);

/* Whether frames wait for core `cpu` (cheap).  Main loop of core `cpu`. */
bool netstack_repl_pending(unsigned cpu);

/* Frames core `cpu` could not replicate (ring full or frame too long).  Any core (stats). */
uint64_t netstack_repl_drops(unsigned cpu);

#endif
