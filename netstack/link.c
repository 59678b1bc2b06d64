/*
 * Queue pair i <-> core i's lwIP instance (see link.h).  Everything per core runs on that
 * core's main loop, from one poller: receive (its queue, then frames other cores replicated to
 * it), the DHCP lease, lwIP's timers and the transmit backlog, then one transmit notification
 * for everything the pass sent.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/percpu.h"
#include "core/stats.h"
#include "core/timer.h"
#include "netstack/config.h"
#include "netstack/lease.h"
#include "netstack/limits.h"
#include "netstack/link.h"
#include "netstack/netif.h"
#include "netstack/replicate.h"
#include "netstack/tcpguard.h"
#include "virtio/net.h"

#define RX_BUDGET      64 /* frames from the queue per pass: bounds the time before TX runs */
#define RX_REPL_BUDGET 64 /* replicated frames per pass */
#define ARP_FRAME_MIN  42 /* Ethernet header + ARP for IPv4 over Ethernet */
#define ARP_OPCODE     20 /* offset of the ARP operation (big-endian 16 bits) in the frame */

/* The driver's segment and the stack's segment are the same shape: pass one as the other. */
_Static_assert(sizeof(struct netstack_seg) == sizeof(struct virtio_net_seg) &&
                   offsetof(struct netstack_seg, data) == offsetof(struct virtio_net_seg, data) &&
                   offsetof(struct netstack_seg, len) == offsetof(struct virtio_net_seg, len),
               "netstack_seg and virtio_net_seg must match");
#define SAME_FIELD(f)                                                                              \
    (offsetof(struct netstack_frame, f) == offsetof(struct virtio_net_frame, f) &&                 \
     sizeof(((struct netstack_frame *)0)->f) == sizeof(((struct virtio_net_frame *)0)->f))
_Static_assert(sizeof(struct netstack_frame) == sizeof(struct virtio_net_frame) &&
                   SAME_FIELD(hdr) && SAME_FIELD(hdr_len) && SAME_FIELD(segs) &&
                   SAME_FIELD(nsegs) && SAME_FIELD(csum_start) && SAME_FIELD(csum_offset) &&
                   SAME_FIELD(gso_size) && SAME_FIELD(gso_hdr_len) && SAME_FIELD(cookie),
               "netstack_frame and virtio_net_frame must match");
_Static_assert(NETSTACK_OFFLOAD_TX_CSUM == VIRTIO_NET_OFFLOAD_TX_CSUM &&
                   NETSTACK_OFFLOAD_RX_CSUM == VIRTIO_NET_OFFLOAD_RX_CSUM &&
                   NETSTACK_OFFLOAD_TSO4 == VIRTIO_NET_OFFLOAD_TSO4,
               "offload flags must match");

/* One core's link.  Written by that core only; the stats line reads the counters from core 0
 * (aligned 64-bit loads: a moment old, never torn). */
struct link {
    _Alignas(64) bool up;      /* the instance came up: the poller runs */
    unsigned cpu;              /* = queue pair index */
    struct core_timer timer;   /* one-shot for the instance's next lwIP timer */
    uint64_t armed;            /* deadline `timer` is armed for; NETSTACK_NO_DEADLINE: none */
    uint32_t lease_seen;       /* lease generation last applied (netstack/lease.h) */
    uint64_t classified_drops; /* frames the classifier dropped on this core */
    struct netstack_counters counters; /* the instance's, kept here: outside its window */
};
static struct link links[CORE_MAX_CPUS];

/* Set at boot by core 0 before the other cores start; read-only afterwards. */
static unsigned nlinks;
static uint8_t mac[6];

static int xmit(void *ctx, const struct netstack_frame *f)
{
    return virtio_net_xmit((unsigned)(uintptr_t)ctx, (const struct virtio_net_frame *)f);
}

/* The driver is done with a frame: its pbufs go back to this core's stack. */
static void tx_released(void *ctx, void *cookie)
{
    netstack_if_tx_done(cookie);
}

/* ---- Receive --------------------------------------------------------------------------- */

/* One frame from this core's receive queue: here, to the other cores, or nowhere. */
static void rx_frame(void *ctx, const uint8_t *frame, size_t len, unsigned flags)
{
    struct link *l = ctx;
    bool csum_ok = (flags & VIRTIO_NET_RX_CSUM_OK) != 0;
    uint32_t ip, mask;

    netstack_if_addr(&ip, &mask);
    switch (netstack_repl_classify(frame, len, ip, mask)) {
    case NETSTACK_REPL_DROP:
        l->classified_drops++;
        break;
    case NETSTACK_REPL_LOCAL:
        netstack_if_input(frame, len, csum_ok);
        break;
    case NETSTACK_REPL_ALL:
        netstack_if_input(frame, len, csum_ok);
        netstack_repl_fanout(l->cpu, frame, len);
        break;
    case NETSTACK_REPL_OWNER:
        if (l->cpu == NETSTACK_REPL_OWNER_CPU)
            netstack_if_input(frame, len, csum_ok);
        else
            netstack_repl_send(l->cpu, NETSTACK_REPL_OWNER_CPU, frame, len);
        break;
    }
}

/*
 * A frame another core replicated to this one: already classified, for us.  The core whose
 * queue received an ARP request answers it; every other core only learns the sender from its
 * copy.  lwIP answers any request for our address, so the copy is fed in as a reply (opcode 2):
 * lwIP updates its table from a reply exactly as from a request, and sends nothing.  One reply
 * per request, not one per core.
 */
static void rx_replicated(void *ctx, const uint8_t *frame, size_t len)
{
    if (len >= ARP_FRAME_MIN && len <= NETSTACK_FRAME_MAX && frame[12] == 0x08 &&
        frame[13] == 0x06 && frame[ARP_OPCODE] == 0 && frame[ARP_OPCODE + 1] == 1) {
        uint8_t copy[NETSTACK_FRAME_MAX];
        memcpy(copy, frame, len);
        copy[ARP_OPCODE + 1] = 2;
        netstack_if_input(copy, len, false);
        return;
    }
    netstack_if_input(frame, len, false); /* the receiving core's flags did not travel */
}

/* ---- Timers and the poller -------------------------------------------------------------- */

static void timer_fired(void *arg)
{
    /* Nothing to do here: the main loop runs the pollers next, and ours runs lwIP's timers. */
}

/* Keep the core's one-shot armed for the instance's next deadline. */
static void rearm(struct link *l, uint64_t deadline)
{
    if (deadline == l->armed && (deadline == NETSTACK_NO_DEADLINE || l->timer.pending))
        return;
    l->armed = deadline;
    if (deadline == NETSTACK_NO_DEADLINE)
        core_timer_cancel(&l->timer);
    else
        core_timer_add(&l->timer, deadline, timer_fired, l);
}

static bool link_poll(void *arg)
{
    struct link *l = arg;
    unsigned got = virtio_net_rx_poll(l->cpu, rx_frame, l, RX_BUDGET);
    got += netstack_repl_drain(l->cpu, rx_replicated, NULL, RX_REPL_BUDGET);
    bool work = got != 0;
    work |= netstack_lease_apply(&l->lease_seen);
    rearm(l, netstack_if_poll()); /* timers due, and the transmit backlog */
    virtio_net_flush(l->cpu);     /* everything sent in this pass, in one notification */
    return work || netstack_if_tx_backlogged();
}

/* Before halting (interrupts off): arm for the instance's latest deadline, push out what its
 * timers queued, and stay awake while anything waits. */
static bool link_arm(void *arg)
{
    struct link *l = arg;
    rearm(l, netstack_if_poll());
    virtio_net_flush(l->cpu);
    if (netstack_repl_pending(l->cpu) || netstack_if_tx_backlogged() ||
        netstack_lease_pending(l->lease_seen))
        return true;
    return virtio_net_arm(l->cpu); /* true: the ring had work after arming */
}

/* ---- Start-up --------------------------------------------------------------------------- */

bool netstack_link_has_stack(unsigned cpu)
{
    return cpu < CORE_MAX_CPUS && __atomic_load_n(&links[cpu].up, __ATOMIC_ACQUIRE);
}

/* On each core as it enters its main loop. */
static void link_start(unsigned cpu)
{
    if (cpu >= nlinks) {
        if (cpu == nlinks)
            log_info("net: cpus %u..%u have no queue pair (the device has %u): they stay halted",
                     nlinks, core_ncpus - 1, nlinks);
        return;
    }
    const struct netstack_config *cc = netstack_config;
    struct link *l = &links[cpu];
    bool dhcp = cc->ip_dhcp && cpu == NETSTACK_REPL_OWNER_CPU;
    uint32_t mask = cc->ip.len == 0 ? 0 : ~0u << (32 - cc->ip.len);
    struct netstack_if_config cfg = {
        .cpu = cpu,
        .counters = &l->counters,
        .dhcp = dhcp,
        .ip = cc->ip_dhcp ? 0 : cc->ip.addr,
        .netmask = cc->ip_dhcp ? 0 : mask,
        .gw = cc->ip_dhcp ? 0 : cc->gw,
        .link_output = xmit,
        .link_ctx = (void *)(uintptr_t)cpu,
        .offloads = virtio_net_offloads(),
        .addr_changed = dhcp ? netstack_lease_publish : NULL,
    };
    for (unsigned i = 0; i < 6; i++)
        cfg.mac[i] = mac[i];

    l->cpu = cpu;
    l->armed = NETSTACK_NO_DEADLINE;
    virtio_net_tx_release(cpu, tx_released, NULL);
    int rc = netstack_if_init(&cfg);
    if (rc < 0) {
        log_error("net: cpu%u: its stack did not start (%d)", cpu, rc);
        return;
    }
    core_loop_add(&(struct core_poller){
        .poll = link_poll, .arm = link_arm, .arg = l, .name = "netstack-link"});
    __atomic_store_n(&l->up, true, __ATOMIC_RELEASE);
}

enum { LINK_RX, LINK_TX, LINK_TX_WIRE, LINK_DROPS, LINK_CONNS, LINK_NFIELDS };

static const struct core_stats_field link_fields[LINK_NFIELDS] = {
    [LINK_RX] = {"rx", "toril_net_rx_frames_total", NULL, "Ethernet frames received.",
                 CORE_STATS_COUNTER, 1},
    [LINK_TX] = {"tx", "toril_net_tx_frames_total", NULL, "Ethernet frames sent.",
                 CORE_STATS_COUNTER, 1},
    [LINK_TX_WIRE] = {"txwire", "toril_net_tx_wire_segments_total", NULL,
                      "Segments those frames make on the wire (the device cuts a TSO frame).",
                      CORE_STATS_COUNTER, 1},
    [LINK_DROPS] = {"drops", "toril_net_drops_total", NULL,
                    "Frames dropped (stack, replication rings, classification).",
                    CORE_STATS_COUNTER, 1},
    [LINK_CONNS] = {"conns", "toril_net_tcp_accepted_total", NULL,
                    "TCP connections accepted by the core's listeners.", CORE_STATS_COUNTER, 1},
};

static bool link_read(unsigned cpu, enum core_stats_view view, uint64_t *v)
{
    if (!netstack_link_has_stack(cpu))
        return false;
    const struct link *l = &links[cpu];
    const struct netstack_counters *c = &l->counters;
    v[LINK_RX] = __atomic_load_n(&c->rx, __ATOMIC_RELAXED);
    v[LINK_TX] = __atomic_load_n(&c->tx, __ATOMIC_RELAXED);
    v[LINK_TX_WIRE] = __atomic_load_n(&c->tx_wire, __ATOMIC_RELAXED);
    v[LINK_DROPS] = __atomic_load_n(&c->drops, __ATOMIC_RELAXED) + netstack_repl_drops(cpu) +
                    __atomic_load_n(&l->classified_drops, __ATOMIC_RELAXED);
    v[LINK_CONNS] = __atomic_load_n(&c->conns, __ATOMIC_RELAXED);
    return true;
}

static const struct core_stats_source link_source = {
    .fields = link_fields, .nfields = LINK_NFIELDS, .per_cpu = true, .read = link_read};

int netstack_link_boot(void)
{
    uint32_t apic_ids[CORE_MAX_CPUS];
    for (unsigned i = 0; i < core_ncpus; i++)
        apic_ids[i] = core_cpus[i].apic_id;
    int pairs = virtio_net_init(core_ncpus, apic_ids);
    if (pairs < 0)
        return pairs;
    virtio_net_mac(mac);
    nlinks = (unsigned)pairs;

    /* Shared between cores, so never in the per-core window. */
    core_percpu_assert_shared(links, sizeof(links), "netstack links");
    int rc = netstack_repl_init(nlinks, core_loop_kick);
    if (rc < 0) {
        log_error("net: replication rings for %u cores: %d", nlinks, rc);
        return rc;
    }
    core_stats_add(&link_source);
    netstack_tcpguard_boot(); /* SYN cookie and TIME_WAIT counters */
    core_loop_on_each_cpu(link_start);
    log_info("net: %u queue pairs, one lwIP instance per core (%u cores), ARP replicated", nlinks,
             core_ncpus < nlinks ? core_ncpus : nlinks);
    return (int)nlinks;
}
