/* The TCP pcb under an altcp connection, read for the application (netstack/tcpinfo.h). */
#include <errno.h>

#include "lwip/tcp.h"
#include "netstack/netif.h"
#include "netstack/tcpinfo.h"

int netstack_tcp_info(const struct altcp_pcb *conn, struct netstack_tcp_info *out)
{
    /* altcp layers (TLS over TCP) chain through inner_conn; the innermost is altcp_tcp, whose
     * state is the tcp_pcb (NULL once lwIP freed it). */
    while (conn != NULL && conn->inner_conn != NULL)
        conn = conn->inner_conn;
    const struct tcp_pcb *pcb = conn ? conn->state : NULL;
    if (pcb == NULL)
        return -ECONNRESET;
    uint32_t in_flight = pcb->snd_nxt - pcb->lastack;
    uint32_t wnd = pcb->snd_wnd;
    /* snd_lbb counts the bytes the application queued; a SYN or FIN also moves snd_nxt, so
     * once a FIN is sent snd_nxt is one past it: the difference is signed. */
    int32_t unsent = (int32_t)(pcb->snd_lbb - pcb->snd_nxt);
    *out = (struct netstack_tcp_info){
        .window = wnd,
        .peer_window = wnd > in_flight ? wnd - in_flight : 0,
        .in_flight = in_flight,
        .unsent = unsent > 0 ? (uint32_t)unsent : 0,
        .mss = pcb->mss,
        .acked_seq = pcb->lastack,
        .link_backlogged = netstack_if_tx_backlogged(),
    };
    return 0;
}

bool netstack_tcp_peer_stalled(const struct netstack_tcp_info *info, bool acked_any)
{
    /* Data waits and the client's own advertised window has no room for a segment of it:
     * whatever else is going on, the client is not taking data.  (Its advertised window, not
     * what is left of it after our flight, which our own backlog could have used up.) */
    uint32_t want = info->unsent < info->mss ? info->unsent : info->mss;
    if (info->unsent > 0 && info->window < want)
        return true;
    if (info->link_backlogged)
        return false; /* our own frames wait for the ring: nothing the client can ACK yet */
    if (info->in_flight > 0 && !acked_any)
        return true; /* on the wire for the whole window and never acknowledged */
    if (info->unsent > 0)
        return false; /* the window has room: TCP holds the data (congestion window, resend) */
    return info->in_flight > 0; /* all sent: the client owes ACKs for it */
}

/* The TCP pcb at the bottom of conn's altcp layers (NULL once lwIP freed it). */
static struct tcp_pcb *tcp_of(struct altcp_pcb *conn)
{
    while (conn != NULL && conn->inner_conn != NULL)
        conn = conn->inner_conn;
    return conn ? conn->state : NULL;
}

int32_t netstack_tcp_sndbuf_adjust(struct altcp_pcb *conn, int32_t delta)
{
    struct tcp_pcb *pcb = tcp_of(conn);
    if (pcb == NULL || pcb->state != ESTABLISHED)
        return 0;
    if (delta < 0) {
        /* Only free room can go: queued bytes give theirs back to snd_buf when acknowledged. */
        uint32_t take = (uint32_t)-delta;
        if (take > pcb->snd_buf)
            take = pcb->snd_buf;
        pcb->snd_buf -= take;
        return -(int32_t)take;
    }
    pcb->snd_buf += (uint32_t)delta;
    /* lwIP starts ssthresh at TCP_SND_BUF (an "arbitrarily high" initial threshold, RFC 5681,
     * that the buffer bounds anyway); one a loss lowered is left alone. */
    if (pcb->ssthresh == TCP_SND_BUF && pcb->nrtx == 0)
        pcb->ssthresh += (uint32_t)delta;
    return delta;
}

void netstack_tcp_acked(struct altcp_pcb *conn, uint32_t acked)
{
    struct tcp_pcb *pcb = tcp_of(conn);
    if (pcb == NULL || pcb->state != ESTABLISHED || pcb->cwnd >= pcb->ssthresh ||
        (pcb->flags & (TF_RTO | TF_INFR)))
        return;
    /* lwIP added min(acked, 2 * mss) already. */
    uint32_t given = 2u * pcb->mss;
    if (acked <= given)
        return;
    uint32_t cwnd = pcb->cwnd + (acked - given);
    pcb->cwnd = cwnd < pcb->ssthresh ? cwnd : pcb->ssthresh;
}
