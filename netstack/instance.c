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

/* Frames the driver could not take yet (its ring was full), oldest first.  Each holds a pbuf
 * reference, so TCP does not rewrite a queued segment (tcp_output_segment_busy); the first
 * pbuf's payload and length are kept as they were when the frame was built. */
struct tx_pending {
    struct pbuf *p;
    void *payload; /* p->payload at queue time (the Ethernet header) */
    u16_t len;     /* p->len at queue time */
};
static struct tx_pending txq[NETSTACK_TX_BACKLOG];
static unsigned txq_head, txq_count;
/* link_output refused a frame because the backlog was full: once it drains, TCP is asked to
 * send what it kept (tcp_txnow() retries the pcbs lwIP marked TF_NAGLEMEMERR). */
static bool txq_refused;

/* Listeners, for counting accepted connections: lwIP's accept callback goes to
 * accept_counted(), which passes it on to the application's. */
struct listener {
    struct altcp_pcb *pcb; /* NULL: free slot */
    altcp_accept_fn accept;
    void *arg;
};
static struct listener listeners[NETSTACK_MAX_LISTENERS];

/* ---- Transmit --------------------------------------------------------------------------- */

/* Hand one frame to the driver: 0, -EAGAIN (ring full), or another error (frame refused).
 * The first pbuf is described by (payload, len) as it was when the frame was built. */
static int xmit(struct pbuf *p, void *payload, u16_t len)
{
    struct netstack_seg segs[NETSTACK_TX_MAX_SEGS];
    unsigned n = 0;
    struct pbuf *q;

    segs[n++] = (struct netstack_seg){payload, len};
    for (q = p->next; q != NULL && n < NETSTACK_TX_MAX_SEGS; q = q->next)
        if (q->len > 0)
            segs[n++] = (struct netstack_seg){q->payload, q->len};
    while (q != NULL && q->len == 0)
        q = q->next;
    if (q != NULL) {
        /* More pieces than segments (many tiny writes by reference): gather them into one
         * frame-sized buffer, this core's own (window), reused once the driver returns. */
        static u8_t flat[NETSTACK_FRAME_MAX];
        size_t rest = p->next->tot_len; /* q != NULL: there is a next */
        if ((size_t)len + rest > sizeof(flat))
            return -EMSGSIZE;
        memcpy(flat, payload, len);
        pbuf_copy_partial(p->next, flat + len, (u16_t)rest, 0);
        segs[0] = (struct netstack_seg){flat, len + rest};
        n = 1;
    }
    return config.link_output(config.link_ctx, segs, n);
}

/* Offer the backlog to the driver, oldest first, until it is empty or the ring is full. */
static void txq_flush(void)
{
    while (txq_count > 0) {
        struct tx_pending *t = &txq[txq_head];
        int rc = xmit(t->p, t->payload, t->len);
        if (rc == -EAGAIN)
            return;
        if (rc == 0)
            counters->tx++;
        else
            counters->drops++;
        pbuf_free(t->p);
        t->p = NULL;
        txq_head = (txq_head + 1) % NETSTACK_TX_BACKLOG;
        txq_count--;
    }
}

/*
 * netif->linkoutput.  A full ring is back-pressure, not an error: the frame waits in the
 * backlog, and lwIP is told it went out (ERR_OK).  When the backlog is full too, the frame is
 * refused with ERR_MEM: TCP then keeps the segment on its unsent queue and sends it again
 * (from tcp_txnow() once the backlog drains, or on the next ACK) instead of waiting for a
 * retransmission timeout, which is what dropping it cost (seconds of stall per response under
 * load: 16+ connections of 64 KB responses).  ARP and ICMP replies are simply not sent.
 */
static err_t link_output(struct netif *nif, struct pbuf *p)
{
    if (txq_count == 0) {
        int rc = xmit(p, p->payload, p->len);
        if (rc == 0) {
            counters->tx++;
            return ERR_OK;
        }
        if (rc != -EAGAIN) {
            counters->drops++;
            return ERR_OK; /* never sendable (oversize): TCP would fail the same way again */
        }
    }
    if (txq_count == NETSTACK_TX_BACKLOG) {
        counters->tx_full++;
        txq_refused = true;
        return ERR_MEM;
    }
    struct tx_pending *t = &txq[(txq_head + txq_count) % NETSTACK_TX_BACKLOG];
    pbuf_ref(p);
    *t = (struct tx_pending){p, p->payload, p->len};
    txq_count++;
    counters->tx_defer++;
    return ERR_OK;
}

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

void netstack_if_input(const void *frame, size_t len)
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
    if (instance_netif.input(p, &instance_netif) != ERR_OK) {
        pbuf_free(p);
        counters->drops++;
    }
}

uint64_t netstack_if_poll(void)
{
    if (!up)
        return NETSTACK_NO_DEADLINE;
    txq_flush();
    if (txq_refused && txq_count < NETSTACK_TX_BACKLOG) {
        txq_refused = false;
        tcp_txnow(); /* may refill the backlog and set txq_refused again */
    }
    return instance_timers_poll(core_time_ns());
}

bool netstack_if_tx_backlogged(void)
{
    return txq_count > 0;
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
            err_t err = altcp_close(listener); /* a listener always closes */
            listeners[i].pcb = NULL;
            return err;
        }
    return ERR_ARG;
}
