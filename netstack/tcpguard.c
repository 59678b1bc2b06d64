/*
 * TCP against hostile clients, through lwIP's hooks (netstack/hooks.h), without changing lwIP:
 *
 *   - Initial sequence numbers (RFC 6528): ISN = M + F(local ip, local port, remote ip, remote
 *     port, key), M a 4-microsecond clock, F SipHash-2-4 under a key from RDRAND.  lwIP's own
 *     ISN advances with its tick count, so two probes would predict the next one.
 *   - SYN cookies: when a listener's backlog of half-open connections is full, a SYN is answered
 *     with a SYN-ACK whose sequence number encodes the connection (keyed hash of the 4-tuple
 *     and the client's ISN, a coarse clock, the client's MSS), and nothing is kept.  An ACK
 *     that comes back to the listener with a valid cookie becomes a connection: a pcb is made
 *     as lwIP makes one for a SYN (SYN_RCVD, with the cookie as its ISN) and the ACK is handed
 *     to lwIP again, which finds that pcb, completes the handshake and calls accept.  What a
 *     cookie connection lacks is what the SYN's options said beyond the MSS: no window scaling
 *     (a 64 KiB window), as with Linux's cookies without timestamps.
 *   - TIME_WAIT bounded: before a new connection is made, the oldest TIME_WAIT pcb beyond
 *     NETSTACK_TIME_WAIT_MAX is reused (freed).  Every TIME_WAIT pcb comes from a connection,
 *     so the list never exceeds the cap plus the connections open at once.
 *
 * State: one struct guard per core, in ordinary shared memory (the stats line reads its
 * counters from core 0); each core reads and writes only its own, from its main loop, and
 * makes its key the first time it needs it (cookies are checked on the core that issued them:
 * the host steers a flow's packets to the queue its SYN-ACK left on).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/limits.h"
#include "core/random.h"
#include "core/time.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "netstack/hooks.h"
#include "netstack/limits.h"
#include "netstack/netif.h"
#include "core/siphash.h"
#include "netstack/tcpguard.h"

#define COOKIE_PERIOD_S  8 /* the cookie clock ticks every 8 s ... */
#define COOKIE_CLOCK_MAX 1 /* ... and a cookie is good for this many ticks after its own */
#define COOKIE_RECENT_NS                                                                           \
    (2ull * COOKIE_PERIOD_S * 1000000000ull) /* ACKs are checked for a                             \
                                  cookie only this long after one was sent */

struct guard {
    struct netstack_tcpguard_counters c; /* first: the stats line reads them from core 0 */
    uint64_t key[2];                     /* SipHash key, from RDRAND at first use */
    bool keyed;                          /* key is set */
    uint64_t cookie_sent;                /* core_time_ns() of the last cookie sent; 0: never */
} __attribute__((aligned(64)));

static struct guard guards[CORE_MAX_CPUS];

const struct netstack_tcpguard_counters *netstack_tcpguard_counters(unsigned cpu)
{
    return cpu < CORE_MAX_CPUS ? &guards[cpu].c : NULL;
}

/* MSS values a cookie can carry (3 bits); the largest not above the client's is used. */
static const uint16_t cookie_mss[8] = {536, 1024, 1220, 1300, 1360, 1400, 1440, 1460};


static struct guard *guard(void)
{
    struct guard *g = &guards[netstack_if_cpu()];
    if (!g->keyed) {
        g->key[0] = core_random_u64();
        g->key[1] = core_random_u64();
        g->keyed = true;
    }
    return g;
}

static uint64_t addrs(const ip_addr_t *a, const ip_addr_t *b)
{
    return (uint64_t)ip4_addr_get_u32(ip_2_ip4(a)) | (uint64_t)ip4_addr_get_u32(ip_2_ip4(b)) << 32;
}

/* ---- Initial sequence numbers ----------------------------------------------------------- */

u32_t netstack_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                       u16_t remote_port)
{
    uint64_t m[2] = {addrs(local_ip, remote_ip),
                     (uint64_t)local_port | (uint64_t)remote_port << 16};
    uint32_t f = (uint32_t)core_siphash(guard()->key, m, sizeof(m));
    return f + (uint32_t)(core_time_ns() / 4000); /* RFC 6528: M ticks every 4 us */
}

/* ---- SYN cookies ------------------------------------------------------------------------ */

/* 24 bits of keyed hash over everything the cookie stands for. */
static uint32_t cookie_hash(const struct guard *g, const ip_addr_t *local, const ip_addr_t *remote,
                            u16_t lport, u16_t rport, u32_t client_isn, uint32_t clock,
                            unsigned mss_idx)
{
    uint64_t m[3] = {addrs(local, remote),
                     (uint64_t)lport | (uint64_t)rport << 16 | (uint64_t)client_isn << 32,
                     (uint64_t)clock | (uint64_t)mss_idx << 8};
    return (uint32_t)core_siphash(g->key, m, sizeof(m)) & 0xffffffu;
}

static uint32_t cookie_clock(void)
{
    return (uint32_t)(core_time_ns() / (COOKIE_PERIOD_S * 1000000000ull));
}

/* The client's MSS option in a SYN (host order), or 536 (RFC 9293's default) without one. */
static unsigned syn_mss(const struct tcp_hdr *hdr, u16_t opt1len)
{
    const u8_t *o = (const u8_t *)hdr + TCP_HLEN;
    for (unsigned i = 0; i < opt1len;) {
        u8_t kind = o[i];
        if (kind == 0) /* end of options */
            break;
        if (kind == 1) { /* no-op */
            i++;
            continue;
        }
        if (i + 1 >= opt1len || o[i + 1] < 2 || i + o[i + 1] > opt1len)
            break; /* malformed: stop (lwIP's own parser will judge the segment) */
        if (kind == 2 && o[i + 1] == 4)
            return (unsigned)o[i + 2] << 8 | o[i + 3];
        i += o[i + 1];
    }
    return 536;
}

/* Answer a SYN to a full listener with a cookie SYN-ACK (header + MSS option); keep nothing. */
static void send_cookie(struct guard *g, const struct tcp_hdr *syn, u16_t opt1len)
{
    const ip_addr_t *local = ip_current_dest_addr(), *remote = ip_current_src_addr();
    unsigned mss = syn_mss(syn, opt1len), idx = 0;
    for (unsigned i = 0; i < 8; i++)
        if (cookie_mss[i] <= mss)
            idx = i;
    uint32_t clock = cookie_clock();
    u32_t isn = (clock % 32) << 27 | idx << 24 |
                cookie_hash(g, local, remote, syn->dest, syn->src, syn->seqno, clock % 32, idx);

    struct pbuf *q = pbuf_alloc(PBUF_IP, TCP_HLEN + 4, PBUF_RAM);
    if (!q)
        return;
    struct tcp_hdr *h = q->payload;
    h->src = lwip_htons(syn->dest);
    h->dest = lwip_htons(syn->src);
    h->seqno = lwip_htonl(isn);
    h->ackno = lwip_htonl(syn->seqno + 1);
    TCPH_HDRLEN_FLAGS_SET(h, 6, TCP_SYN | TCP_ACK); /* 6 words: header + MSS option */
    h->wnd = lwip_htons(TCPWND_MIN16(TCP_WND));     /* unscaled: no window scale option */
    h->chksum = 0;
    h->urgp = 0;
    u8_t *opt = (u8_t *)(h + 1);
    opt[0] = 2; /* MSS */
    opt[1] = 4;
    opt[2] = (u8_t)(TCP_MSS >> 8);
    opt[3] = (u8_t)(TCP_MSS & 0xff);
    struct netif *nif = ip_route(local, remote);
    if (nif) {
#if CHECKSUM_GEN_TCP
        h->chksum = ip_chksum_pseudo(q, IP_PROTO_TCP, q->tot_len, local, remote);
#endif
        if (ip_output_if(q, local, remote, TCP_TTL, 0, IP_PROTO_TCP, nif) == ERR_OK) {
            g->c.cookies++;
            g->cookie_sent = core_time_ns();
        }
    }
    pbuf_free(q);
}

/*
 * An ACK to a listener: if it carries a valid cookie, make the connection's pcb (as
 * tcp_listen_input() does for a SYN) and give lwIP the segment again, which completes the
 * handshake on that pcb.  Returns whether the segment was taken.
 */
static bool accept_cookie(struct guard *g, struct tcp_pcb_listen *lpcb, const struct tcp_hdr *hdr,
                          u16_t opt1len, const u8_t *opt2, struct pbuf *p)
{
    if (g->cookie_sent == 0 || core_time_ns() - g->cookie_sent > COOKIE_RECENT_NS)
        return false; /* no flood lately: an ACK to a listener is just stray (RST) */
    const ip_addr_t *local = ip_current_dest_addr(), *remote = ip_current_src_addr();
    u32_t cookie = hdr->ackno - 1, client_isn = hdr->seqno - 1;
    uint32_t clock = cookie >> 27, idx = (cookie >> 24) & 7;
    uint32_t age = (cookie_clock() - clock) % 32;
    if (age > COOKIE_CLOCK_MAX || cookie_hash(g, local, remote, hdr->dest, hdr->src, client_isn,
                                              clock, idx) != (cookie & 0xffffffu)) {
        g->c.cookies_bad++;
        return false;
    }
    if (opt2 != NULL) /* options split across pbufs: our frames never are; refuse to guess */
        return false;

    struct tcp_pcb *npcb = tcp_alloc(lpcb->prio);
    if (!npcb)
        return true; /* no memory: drop, the client resends its data */
    ip_addr_copy(npcb->local_ip, *local);
    ip_addr_copy(npcb->remote_ip, *remote);
    npcb->local_port = lpcb->local_port;
    npcb->remote_port = hdr->src;
    npcb->state = SYN_RCVD;
    npcb->rcv_nxt = client_isn + 1;
    npcb->rcv_ann_right_edge = npcb->rcv_nxt;
    npcb->snd_wl2 = cookie;
    npcb->lastack = cookie;
    npcb->snd_nxt = cookie + 1; /* our SYN was sent (statelessly) */
    npcb->snd_lbb = cookie + 1;
    npcb->snd_wl1 = client_isn; /* below this ACK's seqno: its window is taken */
    npcb->callback_arg = lpcb->callback_arg;
    npcb->listener = lpcb;
    npcb->so_options = lpcb->so_options & SOF_INHERITED;
    npcb->netif_idx = lpcb->netif_idx;
    npcb->mss = cookie_mss[idx] < TCP_MSS ? cookie_mss[idx] : TCP_MSS;
    npcb->snd_wnd = hdr->wnd;
    npcb->snd_wnd_max = hdr->wnd;
    TCP_REG_ACTIVE(npcb);

    /* lwIP turned the header's fields into host order in place: the copy gets them back in
     * network order (the checksum covers them), then lwIP takes the segment from the top. */
    u16_t hlen = (u16_t)(TCP_HLEN + opt1len);
    struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)(hlen + p->tot_len), PBUF_RAM);
    if (!q)
        return true; /* the pcb waits in SYN_RCVD: the client's next segment completes it */
    struct tcp_hdr *h = q->payload;
    memcpy(h, hdr, hlen);
    h->src = lwip_htons(hdr->src);
    h->dest = lwip_htons(hdr->dest);
    h->seqno = lwip_htonl(hdr->seqno);
    h->ackno = lwip_htonl(hdr->ackno);
    h->wnd = lwip_htons(hdr->wnd);
    pbuf_copy_partial(p, (u8_t *)q->payload + hlen, p->tot_len, 0);
    g->c.cookies_ok++;
    tcp_input(q, ip_current_input_netif()); /* frees q; the caller frees p */
    return true;
}

/* Free the oldest TIME_WAIT pcbs while there are NETSTACK_TIME_WAIT_MAX or more. */
static void trim_time_wait(struct guard *g)
{
    for (;;) {
        unsigned n = 0;
        struct tcp_pcb *last = NULL;
        for (struct tcp_pcb *t = tcp_tw_pcbs; t != NULL; t = t->next) {
            n++;
            last = t; /* TCP_REG pushes at the head: the last is the oldest */
        }
        if (n < NETSTACK_TIME_WAIT_MAX || last == NULL)
            return;
        tcp_abort(last); /* in TIME_WAIT: unlinked and freed, no segment sent */
        g->c.tw_reused++;
    }
}

err_t netstack_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
                            u8_t *opt2, struct pbuf *p)
{
    if (pcb->state != LISTEN)
        return ERR_OK; /* a connection's segment: lwIP's business */
    struct tcp_pcb_listen *lpcb = (struct tcp_pcb_listen *)pcb;
    struct guard *g = guard();
    u8_t flags = TCPH_FLAGS(hdr);
    if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
        trim_time_wait(g);
        if (lpcb->accepts_pending >= lpcb->backlog) {
            send_cookie(g, hdr, opt1len);
            return ERR_ABRT; /* taken: lwIP would only have dropped it */
        }
        return ERR_OK;
    }
    if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_ACK &&
        accept_cookie(g, lpcb, hdr, opt1len, opt2, p))
        return ERR_ABRT;
    return ERR_OK;
}
