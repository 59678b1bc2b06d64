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
    *out = (struct netstack_tcp_info){
        .peer_window = wnd > in_flight ? wnd - in_flight : 0,
        .in_flight = in_flight,
        .unsent = pcb->snd_lbb - pcb->snd_nxt,
        .mss = pcb->mss,
        .link_backlogged = netstack_if_tx_backlogged(),
    };
    return 0;
}

bool netstack_tcp_peer_stalled(const struct netstack_tcp_info *info, bool acked_any)
{
    if (info->link_backlogged)
        return false; /* our own frames wait for the ring: nothing the client can ACK yet */
    if (info->in_flight > 0 && !acked_any)
        return true; /* on the wire for the whole window and never acknowledged */
    if (info->unsent > 0) {
        uint32_t want = info->unsent < info->mss ? info->unsent : info->mss;
        /* Data waits and the client's window has room for a segment of it: TCP (congestion
         * window, Nagle, a retransmission in progress) holds it, not the client. */
        return info->peer_window < want;
    }
    /* Everything was sent: the client owes ACKs for what is in flight. */
    return info->in_flight > 0;
}
