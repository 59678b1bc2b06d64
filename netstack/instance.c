/*
 * One lwIP instance: the netif glue, the transmit backlog (netstack/netif.h) and the counted
 * listeners (netstack/netstack.h).
 *
 * This file's globals are part of the instance, like lwIP's own: they live in the per-core
 * window (netstack/module.mk, core/percpu.h), so each core has its own at the same address.
 * Everything here runs on the owning core's main loop.  The counters are the exception: other
 * cores read them, so they live outside the window, where the config points.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/priv/tcp_priv.h" /* tcp_txnow(): retry segments a full link refused */
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "netstack/instance.h"
#include "netstack/limits.h"
#include "netstack/netif.h"
#include "netstack/netstack.h"

#define ETHTYPE_IPV4 0x0800
#define ETHTYPE_ARP  0x0806

struct netif instance_netif;
bool instance_arp_used;

static struct netstack_if_config config; /* as given to init (callbacks, cpu, counters) */
static bool up;                          /* init succeeded */
static struct netstack_counters *counters; /* config.counters: outside the window */

/*
 * Transmit.  Every frame lwIP sends is held (a pbuf reference) in one ring, in order:
 *
 *     done_head ........ sub ........ tail
 *     | given to the link | waiting     |
 *
 * link_output only appends; tx_flush(), at the end of each pass (netstack_if_poll()) or when
 * enough waits, hands the waiting frames to the link, every frame's payload by reference (no
 * copy).  With TSO, lwIP builds TCP segments of up to 64 KiB (netstack/lwip-patches/
 * tcp-large-segments.patch; netstack_tcp_write_seg_max() below), and the device cuts each at
 * the connection's MSS.  The link gives a frame back (netstack_if_tx_done) once the device
 * has read it; only then are its pbufs released.  While TCP's segment is held its first
 * pbuf's reference count is above 1, so lwIP does not rebuild it for a retransmission
 * meanwhile (tcp_output_segment_busy).  A full transmit ring is back-pressure: frames wait in
 * the ring here; when this ring is full too, link_output refuses with ERR_MEM and TCP keeps
 * the segment (sent again from tcp_txnow() once room returns), instead of a retransmission
 * timeout.
 */
struct tx_entry {
    struct pbuf *p; /* held: one reference */
    void *payload;  /* p->payload when queued (the Ethernet header) */
    u16_t len;      /* p->len when queued */
    u16_t mss;      /* a TCP segment's MSS, as TCP handed it down (0: not known) */
    bool given;     /* handed to the link */
    bool done;      /* ... and given back by it */
};
static struct tx_entry *txr; /* [NETSTACK_TX_BACKLOG], from this core's heap (outside the
                                window: it is large) */
static unsigned tx_done_head, tx_sub, tx_tail; /* free-running positions, see above */
/* link_output refused a frame because the ring was full: once it drains, TCP is asked to send
 * what it kept (tcp_txnow() retries the pcbs lwIP marked TF_NAGLEMEMERR). */
static bool txq_refused;
/* The offloads in use: the link's, as far as lwipopts.h's switches allow. */
static unsigned tx_offloads;
/* lwIP's per-netif checksum flags for frames whose TCP/UDP sum the link validated, and for
 * the others (netstack_if_input() switches between them per frame). */
static u16_t csum_flags_trusted, csum_flags_check;
/* The MSS of the TCP segment on its way down (netstack_tcp_out_segment() to link_output());
 * 0 at any other time, so that a frame ARP held back and sends later takes none. */
static u16_t out_seg_mss;

_Static_assert((NETSTACK_TX_BACKLOG & (NETSTACK_TX_BACKLOG - 1)) == 0,
               "NETSTACK_TX_BACKLOG must be a power of two");
#define TX_AT(pos) (&txr[(pos) & (NETSTACK_TX_BACKLOG - 1)])

/* What a frame's headers say, for TCP/IPv4 frames; parsed from the first pbuf. */
struct tcp_view {
    u16_t ip_hlen;  /* IPv4 header bytes */
    u16_t tcp_hlen; /* TCP header bytes */
    u16_t hlen;     /* Ethernet + IP + TCP */
    u16_t payload;  /* TCP payload bytes (the whole frame's, across pbufs) */
};

#define ETH_HLEN    NETSTACK_ETH_HLEN
#define IP_PROTO_TC 6
/* The MSS every TCP accepts (RFC 9293, 3.7.1): the cut of a large segment whose own is not
 * known (no large segment is built for a smaller MSS: NETSTACK_TSO_MSS_MIN). */
#define TCP_MSS_DEFAULT NETSTACK_TSO_MSS_MIN

static u16_t get16(const u8_t *b)
{
    return (u16_t)(b[0] << 8 | b[1]);
}

static void put16(u8_t *b, u16_t v)
{
    b[0] = (u8_t)(v >> 8);
    b[1] = (u8_t)v;
}

/* Whether entry e is a TCP/IPv4 segment whose headers lie in its first pbuf (lwIP always puts
 * them there); fills *v. */
static bool tcp_parse(const struct tx_entry *e, struct tcp_view *v)
{
    const u8_t *f = e->payload;
    if (e->len < ETH_HLEN + 20 || get16(f + 12) != ETHTYPE_IPV4 || (f[14] >> 4) != 4 ||
        f[ETH_HLEN + 9] != IP_PROTO_TC)
        return false;
    u16_t ihl = (u16_t)((f[14] & 0x0f) * 4);
    u16_t tot = get16(f + ETH_HLEN + 2);
    if (ihl < 20 || e->len < ETH_HLEN + ihl + 20)
        return false;
    const u8_t *t = f + ETH_HLEN + ihl;
    u16_t thl = (u16_t)((t[12] >> 4) * 4);
    u32_t frame_len = e->len + (e->p->next ? e->p->next->tot_len : 0);
    if (thl < 20 || e->len < ETH_HLEN + ihl + thl || tot < ihl + thl ||
        ETH_HLEN + (u32_t)tot != frame_len)
        return false;
    *v = (struct tcp_view){.ip_hlen = ihl,
                           .tcp_hlen = thl,
                           .hlen = (u16_t)(ETH_HLEN + ihl + thl),
                           .payload = (u16_t)(tot - ihl - thl)};
    return true;
}

/* A frame being built for the link. */
struct tx_build {
    u8_t hdr[NETSTACK_TX_HDR_MAX];
    u16_t hdr_len;
    struct netstack_seg segs[NETSTACK_TX_SEGS_MAX];
    unsigned nsegs;
};
static struct tx_build build; /* one at a time: the link copies hdr during its call */

/* Append [data, data + len) by reference, joined to the previous piece when they touch. */
static void add_piece(const void *data, size_t len)
{
    if (len == 0)
        return;
    struct netstack_seg *last = build.nsegs ? &build.segs[build.nsegs - 1] : NULL;
    if (last && (const u8_t *)last->data + last->len == data) {
        last->len += len;
        return;
    }
    /* link_output() bounded the pieces (frame_pieces() counts them the same way). */
    LWIP_ASSERT("frame pieces bounded", build.nsegs < NETSTACK_TX_SEGS_MAX);
    build.segs[build.nsegs++] = (struct netstack_seg){data, len};
}

/* The pieces of a frame's pbufs, counted as add_piece() joins them (the headers' one too). */
static unsigned frame_pieces(const struct pbuf *p)
{
    unsigned n = 0;
    const u8_t *end = NULL;
    for (; p != NULL; p = p->next) {
        if (p->len == 0)
            continue;
        if ((const u8_t *)p->payload != end)
            n++;
        end = (const u8_t *)p->payload + p->len;
    }
    return n;
}

/* The pieces of entry e after its first `skip` bytes (its headers): at most
 * NETSTACK_TX_SEGS_MAX, which link_output made sure of (frame_pieces()). */
static void add_entry(const struct tx_entry *e, u16_t skip)
{
    add_piece((const u8_t *)e->payload + skip, e->len - skip);
    for (const struct pbuf *q = e->p->next; q != NULL; q = q->next)
        add_piece(q->payload, q->len);
}

/* The TCP pseudo-header sum (RFC 793) for `tcp_len` bytes of segment, folded, not
 * complemented: what the checksum field holds when the device completes it (§5.1.6.2). */
static u16_t pseudo_sum(const u8_t *ip, u32_t tcp_len)
{
    u32_t sum = IP_PROTO_TC + tcp_len;
    for (unsigned i = 12; i < 20; i += 2)
        sum += get16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (u16_t)sum;
}

/* Builds the link's frame for the entry at tx_sub into `build` and *f.  Returns the number of
 * segments it puts on the wire (a large TCP segment: as many as the device cuts it into). */
static unsigned tx_build(struct netstack_frame *f)
{
    struct tx_entry *e = TX_AT(tx_sub);
    struct tcp_view v;

    build.nsegs = 0;
    *f = (struct netstack_frame){.cookie = (void *)(uintptr_t)((tx_sub & (NETSTACK_TX_BACKLOG - 1)) + 1)};
    if (!(tx_offloads & NETSTACK_OFFLOAD_TX_CSUM) || !tcp_parse(e, &v) ||
        v.hlen > NETSTACK_TX_HDR_MAX) {
        /* Complete as lwIP built it: its first bytes copied, the rest by reference. */
        build.hdr_len = e->len < NETSTACK_TX_HDR_MAX ? e->len : NETSTACK_TX_HDR_MAX;
        memcpy(build.hdr, e->payload, build.hdr_len);
        add_entry(e, build.hdr_len);
        f->hdr = build.hdr;
        f->hdr_len = build.hdr_len;
        f->segs = build.segs;
        f->nsegs = build.nsegs;
        return 1;
    }
    build.hdr_len = v.hlen;
    memcpy(build.hdr, e->payload, v.hlen);
    add_entry(e, v.hlen);
    u8_t *ip = build.hdr + ETH_HLEN;
    unsigned wire = 1;
    if ((u32_t)v.ip_hlen + v.tcp_hlen + v.payload > config.mtu) {
        /* A large segment (lwIP builds them only with TSO): the device cuts it at the
         * connection's MSS, less the options each piece repeats, and puts PSH and FIN on the
         * last piece only, as lwIP had them. */
        u16_t mss = e->mss ? e->mss : TCP_MSS_DEFAULT;
        u16_t opts = (u16_t)(v.tcp_hlen - 20);
        f->gso_size = mss > opts + 8 ? (u16_t)(mss - opts) : 8;
        f->gso_hdr_len = v.hlen;
        wire = (v.payload + f->gso_size - 1u) / f->gso_size;
    }
    put16(ip + v.ip_hlen + 16, pseudo_sum(ip, v.tcp_hlen + v.payload));
    f->csum_start = (u16_t)(ETH_HLEN + v.ip_hlen);
    f->csum_offset = 16; /* the TCP checksum field */
    f->hdr = build.hdr;
    f->hdr_len = build.hdr_len;
    f->segs = build.segs;
    f->nsegs = build.nsegs;
    return wire;
}

/* Release the frames at the oldest end that the link gave back, in order. */
static void tx_release_done(void)
{
    while (tx_done_head != tx_sub && TX_AT(tx_done_head)->done) {
        struct tx_entry *e = TX_AT(tx_done_head);
        pbuf_free(e->p);
        *e = (struct tx_entry){0};
        tx_done_head++;
    }
}

void netstack_if_tx_done(void *cookie)
{
    uintptr_t k = (uintptr_t)cookie;
    if (!up || k == 0 || k > NETSTACK_TX_BACKLOG)
        return; /* not a cookie of ours */
    struct tx_entry *e = &txr[k - 1];
    if (e->p == NULL || !e->given || e->done)
        return; /* not a frame given to the link, or already given back */
    e->done = true;
    tx_release_done();
}

/* Hand the waiting frames to the link, oldest first, until none waits or its ring is full. */
static void tx_flush(void)
{
    while (tx_sub != tx_tail) {
        struct netstack_frame f;
        unsigned wire = tx_build(&f);
        struct tx_entry *e = TX_AT(tx_sub);
        e->given = true; /* before the call: the link may give it back during it */
        int rc = config.link_output(config.link_ctx, &f);
        if (rc == -EAGAIN) {
            e->given = false;
            counters->tx_defer++; /* frames wait for the ring */
            return;
        }
        tx_sub++;
        if (rc == 0) {
            counters->tx++;
            counters->tx_wire += wire;
        } else {
            counters->drops++; /* never sendable: TCP would fail the same way again */
            e->done = true;
        }
        tx_release_done();
    }
}

/* netif->linkoutput: hold the frame for tx_flush() (see above). */
static err_t link_output(struct netif *nif, struct pbuf *p)
{
    u16_t mss = out_seg_mss; /* ip4_send() clears it once the frame went (or waits for ARP) */
    if (tx_tail - tx_done_head == NETSTACK_TX_BACKLOG) {
        counters->tx_full++;
        txq_refused = true;
        return ERR_MEM;
    }
    /* A frame of more pieces than the link takes by reference (many tiny writes by
     * reference): one copy of it is held instead. */
    if (frame_pieces(p) > NETSTACK_TX_SEGS_MAX) {
        p = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
        if (p == NULL) {
            counters->tx_full++;
            txq_refused = true;
            return ERR_MEM;
        }
    } else {
        pbuf_ref(p);
    }
    *TX_AT(tx_tail) = (struct tx_entry){.p = p, .payload = p->payload, .len = p->len, .mss = mss};
    tx_tail++;
    /* Enough waits: hand it over now, so the ring here stays short. */
    if (tx_tail - tx_sub >= NETSTACK_TX_BATCH)
        tx_flush();
    return ERR_OK;
}

u16_t netstack_tcp_write_seg_max(const struct tcp_pcb *pcb)
{
    if (!(tx_offloads & NETSTACK_OFFLOAD_TSO4) || pcb->mss < NETSTACK_TSO_MSS_MIN)
        return pcb->mss;
    /* Whole MSS, in one IPv4 packet even with the largest IP and TCP headers (60 bytes each). */
    return (u16_t)((0xffffu - 120u) / pcb->mss * pcb->mss);
}

u32_t *netstack_tcp_out_segment(const struct pbuf *p, const struct tcp_hdr *hdr,
                                 const struct tcp_pcb *pcb, u32_t *opts)
{
    /* Control segments (ACKs, RSTs, SYN-ACKs of listeners: pcb may be a tcp_pcb_listen or
     * NULL) carry no data to cut. */
    if (p->tot_len > TCPH_HDRLEN_BYTES(hdr))
        out_seg_mss = pcb->mss;
    return opts;
}

/* Listeners, for counting accepted connections: lwIP's accept callback goes to
 * accept_counted(), which passes it on to the application's. */
struct listener {
    struct altcp_pcb *pcb; /* NULL: free slot */
    altcp_accept_fn accept;
    void *arg;
};
static struct listener listeners[NETSTACK_MAX_LISTENERS];

/* netif->output: note that the ARP table is in use (timers.c), then resolve and send. */
static err_t ip4_send(struct netif *nif, struct pbuf *p, const ip4_addr_t *dst)
{
    instance_arp_used = true;
    err_t err = etharp_output(nif, p, dst);
    out_seg_mss = 0; /* used, or the frame waits for ARP (see out_seg_mss) */
    return err;
}

/* ---- The interface ---------------------------------------------------------------------- */

static void status_changed(struct netif *nif)
{
    if (config.addr_changed == NULL || !config.dhcp)
        return;
    config.addr_changed(config.addr_ctx, lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif))),
                        lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif))),
                        lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(nif))));
}

static err_t netif_setup(struct netif *nif)
{
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->mtu = config.mtu;
    nif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(nif->hwaddr, config.mac, ETH_HWADDR_LEN);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    NETIF_SET_CHECKSUM_CTRL(nif, csum_flags_check);
    nif->output = ip4_send;
    nif->linkoutput = link_output;
    return ERR_OK;
}

static void to_ip4(ip4_addr_t *a, uint32_t host_order)
{
    ip4_addr_set_u32(a, lwip_htonl(host_order));
}

int netstack_if_init(const struct netstack_if_config *cfg)
{
    ip4_addr_t ip, mask, gw;

    if (up)
        return -EBUSY;
    if (cfg == NULL || cfg->link_output == NULL || cfg->counters == NULL ||
        cfg->mtu > NETSTACK_MTU)
        return -EINVAL;
    config = *cfg;
    counters = cfg->counters;
    if (config.mtu == 0)
        config.mtu = NETSTACK_MTU;
    txr = calloc(NETSTACK_TX_BACKLOG, sizeof(*txr));
    if (txr == NULL)
        return -ENOMEM;
    /* Offloads as the switches allow: TSO only with checksum offload (the device sums each
     * segment it cuts). */
    tx_offloads = 0;
    if (NETSTACK_CSUM_OFFLOAD)
        tx_offloads = cfg->offloads & (NETSTACK_OFFLOAD_TX_CSUM | NETSTACK_OFFLOAD_RX_CSUM);
    if (NETSTACK_TSO && (tx_offloads & NETSTACK_OFFLOAD_TX_CSUM))
        tx_offloads |= cfg->offloads & NETSTACK_OFFLOAD_TSO4;
    csum_flags_check = NETIF_CHECKSUM_ENABLE_ALL;
    if (tx_offloads & NETSTACK_OFFLOAD_TX_CSUM)
        csum_flags_check &= (u16_t)~NETIF_CHECKSUM_GEN_TCP; /* the device completes it */
    csum_flags_trusted = csum_flags_check & (u16_t) ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);

    lwip_init();
    to_ip4(&ip, config.ip);
    to_ip4(&mask, config.netmask);
    to_ip4(&gw, config.gw);
    if (netif_add(&instance_netif, &ip, &mask, &gw, NULL, netif_setup, ethernet_input) == NULL)
        return -ENOMEM;
    netif_set_default(&instance_netif);
    netif_set_status_callback(&instance_netif, status_changed);
    netif_set_up(&instance_netif);
    netif_set_link_up(&instance_netif);
    if (config.dhcp && dhcp_start(&instance_netif) != ERR_OK)
        return -ENOMEM;
    up = true;
    return 0;
}

void netstack_if_input(const void *frame, size_t len, bool csum_ok)
{
    const u8_t *f = frame;

    if (!up) /* no counters to count in before init */
        return;
    if ( len < NETSTACK_FRAME_MIN || len > NETSTACK_FRAME_MAX) {
        counters->drops++;
        return;
    }
    /* Only IPv4 and ARP reach lwIP (VLAN tags, IPv6 and the rest stop here, counted). */
    u16_t type = (u16_t)(f[12] << 8 | f[13]);
    if (type != ETHTYPE_IPV4 && type != ETHTYPE_ARP) {
        counters->drops++;
        return;
    }
    if (type == ETHTYPE_ARP)
        instance_arp_used = true;

    /* Copy: the driver reposts its buffer at once, and lwIP may keep this pbuf for long
     * (out-of-order queue, data the application has not taken yet). */
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    if (p == NULL) {
        counters->drops++;
        return;
    }
    memcpy(p->payload, frame, len);
    counters->rx++;
    /* lwIP handles the frame to the end inside input(): the flags hold for this frame only. */
    NETIF_SET_CHECKSUM_CTRL(&instance_netif,
                            csum_ok && (tx_offloads & NETSTACK_OFFLOAD_RX_CSUM) ? csum_flags_trusted
                                                                               : csum_flags_check);
    if (instance_netif.input(p, &instance_netif) != ERR_OK) {
        pbuf_free(p);
        counters->drops++;
    }
}

uint64_t netstack_if_poll(void)
{
    if (!up)
        return NETSTACK_NO_DEADLINE;
    tx_flush();
    if (txq_refused && tx_tail - tx_done_head < NETSTACK_TX_BACKLOG) {
        txq_refused = false;
        tcp_txnow(); /* may refill the ring and set txq_refused again */
    }
    uint64_t next = instance_timers_poll(core_time_ns());
    tx_flush(); /* what the timers sent */
    return next;
}

bool netstack_if_tx_backlogged(void)
{
    return tx_tail != tx_sub;
}

unsigned netstack_if_cpu(void)
{
    return config.cpu;
}

void netstack_if_set_addr(uint32_t ip, uint32_t netmask, uint32_t gw)
{
    ip4_addr_t a, m, g;

    to_ip4(&a, ip);
    to_ip4(&m, netmask);
    to_ip4(&g, gw);
    netif_set_addr(&instance_netif, &a, &m, &g);
}

void netstack_if_addr(uint32_t *ip, uint32_t *netmask)
{
    *ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&instance_netif)));
    *netmask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&instance_netif)));
}

/* ---- Applications ----------------------------------------------------------------------- */

static err_t accept_counted(void *arg, struct altcp_pcb *conn, err_t err)
{
    struct listener *l = arg;

    if (err == ERR_OK && conn != NULL)
        counters->conns++;
    return l->accept(l->arg, conn, err);
}

int netstack_listen(struct altcp_pcb **out, uint16_t port, uint8_t backlog, altcp_accept_fn accept,
                    void *arg)
{
    return netstack_listen_wrapped(out, port, backlog, NULL, NULL, accept, arg);
}

int netstack_listen_wrapped(struct altcp_pcb **out, uint16_t port, uint8_t backlog,
                            netstack_wrap_fn wrap, void *wrap_arg, altcp_accept_fn accept,
                            void *arg)
{
    struct listener *l = NULL;
    err_t err;

    for (unsigned i = 0; i < NETSTACK_MAX_LISTENERS && l == NULL; i++)
        if (listeners[i].pcb == NULL)
            l = &listeners[i];
    if (l == NULL)
        return -ENOSPC;

    struct altcp_pcb *pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL)
        return -ENOMEM;
    if (wrap) {
        struct altcp_pcb *upper = wrap(wrap_arg, pcb);
        if (upper == NULL) {
            altcp_abort(pcb);
            return -ENOMEM;
        }
        pcb = upper;
    }
    err = altcp_bind(pcb, IP4_ADDR_ANY, port);
    if (err != ERR_OK) {
        altcp_abort(pcb);
        return netstack_errno(err);
    }
    struct altcp_pcb *lpcb = altcp_listen_with_backlog_and_err(
        pcb, backlog ? backlog : TCP_DEFAULT_LISTEN_BACKLOG, &err);
    if (lpcb == NULL) {
        altcp_abort(pcb);
        return netstack_errno(err);
    }
    *l = (struct listener){lpcb, accept, arg};
    altcp_arg(lpcb, l);
    altcp_accept(lpcb, accept_counted);
    *out = lpcb;
    return 0;
}

/* Closing a listener also frees its slot.  (A TLS listener closes through altcp_tls, which
 * netstack/lwip-patches/altcp-tls-close.patch taught to close a listener.) */
err_t netstack_listen_close(struct altcp_pcb *listener)
{
    for (unsigned i = 0; i < NETSTACK_MAX_LISTENERS; i++)
        if (listeners[i].pcb == listener) {
            listeners[i].pcb = NULL;
            return altcp_close(listener);
        }
    return ERR_ARG;
}
