/*
 * netstack/: the link-facing side of this core's lwIP instance (netstack/link.c calls it).
 *
 * Every core has its own lwIP state at the same address (the per-core window, core/percpu.h),
 * so each function here acts on the instance of the core that calls it.  Calling context for
 * every one: the main loop of that core (lwIP is never entered from an interrupt handler).
 * None of them blocks.  Applications (httpd, echo) use netstack/netstack.h.
 */
#ifndef NETSTACK_NETIF_H
#define NETSTACK_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One piece of an outgoing frame, by reference (same layout as struct virtio_net_seg). */
struct netstack_seg {
    const void *data;
    size_t len;
};

/* Offloads the link does for the stack (same values as VIRTIO_NET_OFFLOAD_*). */
#define NETSTACK_OFFLOAD_TX_CSUM 1u /* completes TCP checksums from the pseudo-header sum */
#define NETSTACK_OFFLOAD_RX_CSUM 2u /* tells which received frames have valid checksums */
#define NETSTACK_OFFLOAD_TSO4    4u /* segments TCP/IPv4 frames of up to NETSTACK_GSO_MAX */

/*
 * One outgoing Ethernet frame (no FCS, no virtio-net header); same layout as struct
 * virtio_net_frame, whose comment says what each field means.  `hdr` is copied during the call;
 * `segs` are by reference and stay untouched until the link calls netstack_if_tx_done(cookie).
 */
struct netstack_frame {
    const void *hdr;
    size_t hdr_len;
    const struct netstack_seg *segs;
    unsigned nsegs;
    uint16_t csum_start, csum_offset; /* partial TCP checksum (NETSTACK_OFFLOAD_TX_CSUM) */
    uint16_t gso_size, gso_hdr_len;   /* TCP segmentation (NETSTACK_OFFLOAD_TSO4) */
    void *cookie;
};

/*
 * Transmit one frame on the core's own transmit queue.  Provided by the driver.  Returns 0
 * when the frame was queued (its cookie comes back through netstack_if_tx_done()), -EAGAIN when
 * the transmit ring is full (the frame was not taken: netstack keeps it and offers it again,
 * see poll), any other negative code when it can never be sent (dropped and counted).  Main
 * loop of the owning core.
 */
typedef int (*netstack_link_output_fn)(void *ctx, const struct netstack_frame *f);

/*
 * Address change (DHCP lease bound, renewed with another address, or lost: ip == 0), reported
 * by the instance that runs DHCP.  Addresses in host byte order.  Called from inside that
 * instance (its main loop); must not call back into it.
 */
typedef void (*netstack_addr_fn)(void *ctx, uint32_t ip, uint32_t netmask, uint32_t gw);

struct netstack_counters;

struct netstack_if_config {
    unsigned cpu;                        /* the core this instance serves (logs, stats) */
    struct netstack_counters *counters;  /* where to count: outside the per-core window,
                                            since the stats line reads it from core 0 */
    uint8_t mac[6];                      /* shared by every core: one guest, one MAC */
    uint16_t mtu;                        /* IP MTU, <= NETSTACK_MTU; 0 = NETSTACK_MTU */
    bool dhcp;                           /* run a DHCP client in this instance (core 0 only:
                                            the other cores get the lease via set_addr) */
    uint32_t ip, netmask, gw;            /* static address, host byte order; with dhcp the
                                            starting values (usually 0) */
    netstack_link_output_fn link_output; /* the driver's transmit for this core's queue */
    unsigned offloads;                   /* NETSTACK_OFFLOAD_* the link does (the stack uses
                                            them only as lwipopts.h's switches allow) */
    void *link_ctx;                      /* its first argument */
    netstack_addr_fn addr_changed;       /* DHCP results; NULL when not wanted */
    void *addr_ctx;                      /* its first argument */
};

/* Counters of one instance, written by its core only; other cores read them for the stats
 * line (aligned 64-bit loads: a moment old, never torn). */
struct netstack_counters {
    uint64_t rx;       /* frames handed to lwIP (received here or replicated to us) */
    uint64_t tx;       /* frames lwIP sent that the driver accepted */
    uint64_t tx_wire;  /* the segments they make on the wire: more than tx with TSO, where
                          the device cuts a frame of up to 64 KiB at the MSS */
    uint64_t drops;    /* frames dropped: runts, oversize, unknown types, no memory, driver
                          refusal (lwIP's own checksum drops are not seen here) */
    uint64_t conns;    /* TCP connections accepted (all listeners) */
    uint64_t tx_defer; /* frames that waited in the backlog because the TX ring was full */
    uint64_t tx_full;  /* frames refused to lwIP (ERR_MEM) because the backlog was full too:
                          TCP sends them again, nothing is lost */
};

#define NETSTACK_NO_DEADLINE UINT64_MAX

/*
 * Bring this core's instance up: lwIP's init, the netif with the given MAC, MTU and address (or
 * DHCP started), link up.  Once per core, before anything else.  Returns 0, -EINVAL (bad
 * config: no link_output or counters, MTU too large), -EBUSY (already up), -ENOMEM.
 */
int netstack_if_init(const struct netstack_if_config *cfg);

/*
 * Feed one received Ethernet frame (header first, no FCS).  The caller keeps ownership of
 * `frame`: it is copied into a pbuf before this returns, so the driver may repost its buffer
 * at once.  csum_ok: the link validated its TCP/UDP checksum (NETSTACK_OFFLOAD_RX_CSUM); false:
 * lwIP checks it.  Bad frames are dropped and counted here, never reported.
 */
void netstack_if_input(const void *frame, size_t len, bool csum_ok);

/* The link is done with a frame netstack handed it: the frame's pbufs are released.  Main loop
 * of the owning core; also from inside link_output (a driver reclaiming its ring). */
void netstack_if_tx_done(void *cookie);

/*
 * Run what is due: expired lwIP timers (TCP 250 ms only while connections exist, ARP 1 s only
 * while the ARP table is in use, DHCP while it runs) and frames waiting for room in the
 * transmit ring.  Returns the next deadline in core_time_ns() units (arm the one-shot timer for
 * it), or NETSTACK_NO_DEADLINE when nothing is pending at all.  Call it after every burst of
 * input or application calls too: they may start timers.
 */
uint64_t netstack_if_poll(void);

/* Whether frames wait for room in the transmit ring, or to be handed to the link at the end of
 * this pass (then poll again soon). */
bool netstack_if_tx_backlogged(void);

/* The core this instance belongs to (config.cpu): for code that lwIP calls back (hooks) and
 * that keeps per-core state outside the instance. */
unsigned netstack_if_cpu(void);

/* Set the IPv4 address, netmask and gateway (host byte order; ip 0 takes the interface down).
 * For the cores that did not run DHCP, when core 0's lease changes. */
void netstack_if_set_addr(uint32_t ip, uint32_t netmask, uint32_t gw);

/* The current IPv4 address and netmask, host byte order (0 while none). */
void netstack_if_addr(uint32_t *ip, uint32_t *netmask);

#endif
