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
 * enough waits, hands the waiting frames to the link: consecutive TCP segments of one
 * connection become one TSO frame when the link segments (up to 64 KiB, cut by the device at
 * the segment size lwIP used, so the wire sees what lwIP built), and every frame's payload goes
 * by reference (no copy).  The link gives a frame back (netstack_if_tx_done) once the device
 * has read it; only then are its pbufs released.  While TCP's segment is held its first pbuf's
 * reference count is above 1, so lwIP does not rebuild it for a retransmission meanwhile
 * (tcp_output_segment_busy).  A full transmit ring is back-pressure: frames wait in the ring
 * here; when this ring is full too, link_output refuses with ERR_MEM and TCP keeps the segment
 * (sent again from tcp_txnow() once room returns), instead of a retransmission timeout.
 */
struct tx_entry {
    struct pbuf *p; /* held: one reference */
    void *payload;  /* p->payload when queued (the Ethernet header) */
    u16_t len;      /* p->len when queued */
    u16_t nframes;  /* the first entry of a frame given to the link: entries the frame carries */
    bool done;      /* the first entry of a frame given to the link: the link gave it back */
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

_Static_assert((NETSTACK_TX_BACKLOG & (NETSTACK_TX_BACKLOG - 1)) == 0,
               "NETSTACK_TX_BACKLOG must be a power of two");
#define TX_AT(pos) (&txr[(pos) & (NETSTACK_TX_BACKLOG - 1)])

/* What a frame's headers say, for TCP/IPv4 frames; parsed from the first pbuf. */
struct tcp_view {
    const u8_t *eth;  /* frame start */
    u16_t ip_hlen;    /* IPv4 header bytes */
    u16_t tcp_hlen;   /* TCP header bytes */
    u16_t hlen;       /* Ethernet + IP + TCP */
    u16_t payload;    /* TCP payload bytes (the whole frame's, across pbufs) */
    u32_t seq;        /* sequence number */
    u8_t flags;       /* TCP flags */
};

#define ETH_HLEN    NETSTACK_ETH_HLEN
#define IP_PROTO_TC 6
#define TCPF_FIN    0x01
#define TCPF_SYN    0x02
#define TCPF_RST    0x04
#define TCPF_PSH    0x08
#define TCPF_ACK    0x10

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
    *v = (struct tcp_view){.eth = f,
                           .ip_hlen = ihl,
                           .tcp_hlen = thl,
                           .hlen = (u16_t)(ETH_HLEN + ihl + thl),
                           .payload = (u16_t)(tot - ihl - thl),
                           .seq = (u32_t)get16(t + 4) << 16 | get16(t + 6),
                           .flags = t[13]};
    return true;
}

/* A frame being built for the link from consecutive entries. */
struct tx_build {
    u8_t hdr[NETSTACK_TX_HDR_MAX];
    u16_t hdr_len;
    struct netstack_seg segs[NETSTACK_TX_SEGS_MAX + 1];
    unsigned nsegs;
};
static struct tx_build build; /* one at a time: the link copies hdr during its call */

/* Append [data, data + len) by reference, joined to the previous piece when they touch.
 * Returns false when the frame has no room for another piece. */
static bool add_piece(const void *data, size_t len, unsigned max)
{
    if (len == 0)
        return true;
    struct netstack_seg *last = build.nsegs ? &build.segs[build.nsegs - 1] : NULL;
    if (last && (const u8_t *)last->data + last->len == data) {
        last->len += len;
        return true;
    }
    if (build.nsegs >= max)
        return false;
    build.segs[build.nsegs++] = (struct netstack_seg){data, len};
    return true;
}

/* The pieces of entry e after its first `skip` bytes (its headers), in at most `max` pieces
 * in all; false when they do not fit (build.nsegs is then left as it was).  A frame the link
 * segments must stay within NETSTACK_TX_SEGS_MAX; a single frame may have one more (the link
 * copies it then). */
static bool add_entry(const struct tx_entry *e, u16_t skip, unsigned max)
{
    unsigned saved = build.nsegs;
    size_t saved_len = saved ? build.segs[saved - 1].len : 0;
    bool ok = add_piece((const u8_t *)e->payload + skip, e->len - skip, max);
    for (const struct pbuf *q = e->p->next; ok && q != NULL; q = q->next)
        ok = add_piece(q->payload, q->len, max);
    if (!ok) {
        build.nsegs = saved;
        if (saved)
            build.segs[saved - 1].len = saved_len;
    }
    return ok;
}

/* Whether segment w may follow segment v (the frame so far: its last segment `last`) in one
 * TSO frame: same connection and header shape, the next bytes in sequence, a full segment
 * before it, no flags but ACK/PSH/FIN, and nothing after a FIN. */
static bool tso_follows(const struct tcp_view *v, const struct tcp_view *last,
                        const struct tcp_view *w, u32_t frame_payload)
{
    const u8_t allowed = TCPF_ACK | TCPF_PSH | TCPF_FIN;
    return w->ip_hlen == v->ip_hlen && w->tcp_hlen == v->tcp_hlen &&
           memcmp(w->eth, v->eth, ETH_HLEN) == 0 &&
           memcmp(w->eth + ETH_HLEN + 12, v->eth + ETH_HLEN + 12, 8) == 0 && /* addresses */
           memcmp(w->eth + ETH_HLEN + v->ip_hlen, v->eth + ETH_HLEN + v->ip_hlen, 4) == 0 &&
           w->seq == v->seq + frame_payload && !(last->flags & TCPF_FIN) &&
           (w->flags & ~allowed) == 0 && (w->flags & TCPF_ACK) && last->payload == v->payload &&
           w->payload > 0 && w->payload <= v->payload &&
           frame_payload + w->payload + v->ip_hlen + v->tcp_hlen <= 0xffff;
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

static void ip_header_sum(u8_t *ip, u16_t ihl)
{
    u32_t sum = 0;
    put16(ip + 10, 0);
    for (unsigned i = 0; i < ihl; i += 2)
        sum += get16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, (u16_t)~sum);
}

/*
 * Builds the link's frame from the waiting entries at tx_sub (one, or with TSO several
 * consecutive segments of one connection) into `build` and *f.  Returns the entries taken.
 */
static unsigned tx_build(struct netstack_frame *f)
{
    struct tx_entry *e = TX_AT(tx_sub);
    struct tcp_view v, last, w;
    unsigned taken = 1;

    build.nsegs = 0;
    *f = (struct netstack_frame){.cookie = (void *)(uintptr_t)((tx_sub & (NETSTACK_TX_BACKLOG - 1)) + 1)};
    if (!(tx_offloads & NETSTACK_OFFLOAD_TX_CSUM) || !tcp_parse(e, &v) ||
        v.hlen > NETSTACK_TX_HDR_MAX) {
        /* Complete as lwIP built it: its first bytes copied, the rest by reference. */
        build.hdr_len = e->len < NETSTACK_TX_HDR_MAX ? e->len : NETSTACK_TX_HDR_MAX;
        memcpy(build.hdr, e->payload, build.hdr_len);
        add_entry(e, build.hdr_len, NETSTACK_TX_SEGS_MAX + 1); /* fits: link_output bounded
                                                                  the pbufs */
        goto done;
    }
    build.hdr_len = v.hlen;
    memcpy(build.hdr, e->payload, v.hlen);
    add_entry(e, v.hlen, NETSTACK_TX_SEGS_MAX + 1);
    u32_t payload = v.payload;
    last = v;
    u8_t flags = v.flags;
    if ((tx_offloads & NETSTACK_OFFLOAD_TSO4) && v.payload > 0 &&
        (v.flags & ~(TCPF_ACK | TCPF_PSH)) == 0) {
        while (tx_sub + taken != tx_tail) {
            struct tx_entry *n = TX_AT(tx_sub + taken);
            if (!tcp_parse(n, &w) || !tso_follows(&v, &last, &w, payload) ||
                !add_entry(n, w.hlen, NETSTACK_TX_SEGS_MAX))
                break;
            payload += w.payload;
            flags |= w.flags;
            /* The newest acknowledgement and window go out with the whole frame. */
            memcpy(build.hdr + ETH_HLEN + v.ip_hlen + 8, w.eth + ETH_HLEN + v.ip_hlen + 8, 4);
            memcpy(build.hdr + ETH_HLEN + v.ip_hlen + 14, w.eth + ETH_HLEN + v.ip_hlen + 14, 2);
            last = w;
            taken++;
        }
    }
    u8_t *ip = build.hdr + ETH_HLEN;
    u8_t *tcp = ip + v.ip_hlen;
    if (taken > 1) {
        /* One IPv4 packet of all the segments; the device cuts it at v.payload bytes and puts
         * PSH and FIN on the last piece only, as lwIP had them. */
        put16(ip + 2, (u16_t)(v.ip_hlen + v.tcp_hlen + payload));
        ip_header_sum(ip, v.ip_hlen);
        tcp[13] = flags;
        f->gso_size = v.payload;
        f->gso_hdr_len = v.hlen;
    }
    put16(tcp + 16, pseudo_sum(ip, v.tcp_hlen + payload));
    f->csum_start = (u16_t)(ETH_HLEN + v.ip_hlen);
    f->csum_offset = 16; /* the TCP checksum field */
done:
    f->hdr = build.hdr;
    f->hdr_len = build.hdr_len;
    f->segs = build.segs;
    f->nsegs = build.nsegs;
    return taken;
}

/* Release the frames at the oldest end that the link gave back, in order. */
static void tx_release_done(void)
{
    while (tx_done_head != tx_sub && TX_AT(tx_done_head)->done) {
        unsigned n = TX_AT(tx_done_head)->nframes;
        for (unsigned i = 0; i < n; i++) {
            struct tx_entry *e = TX_AT(tx_done_head + i);
            pbuf_free(e->p);
            *e = (struct tx_entry){0};
        }
        tx_done_head += n;
    }
}

void netstack_if_tx_done(void *cookie)
{
    uintptr_t k = (uintptr_t)cookie;
    if (!up || k == 0 || k > NETSTACK_TX_BACKLOG)
        return; /* not a cookie of ours */
    struct tx_entry *e = &txr[k - 1];
    if (e->p == NULL || e->nframes == 0)
        return; /* not a frame given to the link, or already given back */
    e->done = true;
    tx_release_done();
}

/* Hand the waiting frames to the link, oldest first, until none waits or its ring is full. */
static void tx_flush(void)
{
    while (tx_sub != tx_tail) {
        struct netstack_frame f;
        unsigned n = tx_build(&f);
        struct tx_entry *first = TX_AT(tx_sub);
        first->nframes = (u16_t)n; /* before the call: the link may give it back during it */
        first->done = false;
        int rc = config.link_output(config.link_ctx, &f);
        if (rc == -EAGAIN) {
            first->nframes = 0;
            first->done = false;
            counters->tx_defer++; /* frames wait for the ring */
            return;
        }
        tx_sub += n;
        if (rc == 0) {
            counters->tx += n;
            counters->tx_dev++;
        } else {
            counters->drops += n; /* never sendable: TCP would fail the same way again */
            first->done = true;
        }
        tx_release_done();
    }
}

/* netif->linkoutput: hold the frame for tx_flush() (see above). */
static err_t link_output(struct netif *nif, struct pbuf *p)
{
    if (tx_tail - tx_done_head == NETSTACK_TX_BACKLOG) {
        counters->tx_full++;
        txq_refused = true;
        return ERR_MEM;
    }
    /* A frame of more pieces than the link takes by reference (many tiny writes by
     * reference): one copy of it is held instead. */
    if (pbuf_clen(p) > NETSTACK_TX_SEGS_MAX) {
        p = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
        if (p == NULL) {
            counters->tx_full++;
            txq_refused = true;
            return ERR_MEM;
        }
    } else {
        pbuf_ref(p);
    }
    *TX_AT(tx_tail) = (struct tx_entry){.p = p, .payload = p->payload, .len = p->len};
    tx_tail++;
    /* Enough for a whole TSO frame waits: hand it over now, so the ring here stays short. */
    if (tx_tail - tx_sub >= NETSTACK_TX_BATCH)
        tx_flush();
    return ERR_OK;
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
    return etharp_output(nif, p, dst);
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

/* Closing a listener also frees its slot. */
err_t netstack_listen_close(struct altcp_pcb *listener)
{
    for (unsigned i = 0; i < NETSTACK_MAX_LISTENERS; i++)
        if (listeners[i].pcb == listener) {
            /* A wrapped listener (TLS): lwIP 2.1.3's altcp_tls close clears the callbacks of
             * the TCP listener below with a poll call, which lwIP refuses on a listening pcb
             * (an assertion).  So close the TCP listener first, by itself (altcp_tcp knows a
             * listener), and then the wrapper, which has nothing below it any more. */
            struct altcp_pcb *inner = listener->inner_conn;
            err_t err = ERR_OK;
            if (inner != NULL) {
                listener->inner_conn = NULL;
                err = altcp_close(inner); /* a listener always closes */
            }
            err_t outer = altcp_close(listener);
            listeners[i].pcb = NULL;
            return err != ERR_OK ? err : outer;
        }
    return ERR_ARG;
}
