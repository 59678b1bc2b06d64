/*
 * What the TCP layer under an altcp connection is doing with the data an application gave it:
 * enough for the application to tell a client that does not take data from a server that has
 * not sent it yet (httpd's send-progress timeout).
 *
 * Context: the main loop of the core that owns the connection, like every altcp call.
 */
#ifndef NETSTACK_TCPINFO_H
#define NETSTACK_TCPINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/altcp.h"

struct netstack_tcp_info {
    uint32_t window;      /* the peer's last advertised window (bytes) */
    uint32_t peer_window; /* what of it is left beyond the bytes in flight */
    uint32_t in_flight;   /* bytes sent and not yet acknowledged */
    uint32_t unsent;      /* bytes queued in TCP and not yet sent */
    uint16_t mss;         /* the connection's segment size */
    uint32_t acked_seq;   /* sequence number the peer acknowledged last: its difference
                             between two readings is the bytes acknowledged in between (for
                             any layering: altcp_tls reports none through its sent callback) */
    bool link_backlogged; /* this core's transmit ring is full: frames TCP counts as sent are
                             still waiting in the stack (netstack/netif.h) */
};

/* Fill *out for conn (any altcp layering: the TCP pcb at the bottom is read).  Returns 0, or
 * -ECONNRESET when conn has no TCP pcb any more (closed underneath). */
int netstack_tcp_info(const struct altcp_pcb *conn, struct netstack_tcp_info *out);

/*
 * Whether the client side is what holds data back, judged at the end of a window of time in
 * which the client acknowledged too little (acked_any: whether it acknowledged anything).
 * The client's fault: its advertised window is closed or smaller than a segment of what waits,
 * or data that left this core stays unacknowledged (all of it sent, or none of it acknowledged
 * in the whole window).  The server's: frames still wait in this core's transmit backlog, or
 * data waits that the client's window would take (TCP's congestion window holds it).
 */
bool netstack_tcp_peer_stalled(const struct netstack_tcp_info *info, bool acked_any);

/*
 * Grow (delta > 0) or shrink (delta < 0) conn's send buffer: the bytes TCP may hold queued and
 * unacknowledged (lwIP's per-pcb snd_buf starts at TCP_SND_BUF; lwipopts.h's
 * TCP_SND_QUEUELEN allows up to NETSTACK_SNDBUF_MAX).  A shrink takes only free room, so it
 * may do less than asked.  Growing also lifts the slow-start threshold from its initial value
 * (TCP_SND_BUF) to the new size, so TCP may reach it in slow start.  Returns the change made;
 * the caller keeps the sum (only it changes the size, so the sum is the size above
 * TCP_SND_BUF).  0 if conn has no TCP pcb or is not established.
 */
int32_t netstack_tcp_sndbuf_adjust(struct altcp_pcb *conn, int32_t delta);

/*
 * TCP acknowledged `acked` bytes of conn (its sent callback).  In slow start lwIP grows the
 * congestion window by at most 2 segments per ACK (RFC 3465, L = 2); the host acknowledges a
 * whole TSO frame (up to 64 KiB) with one ACK, so the window would grow by 2 segments per
 * round trip instead of doubling.  This adds the rest of `acked` (RFC 3465 byte counting
 * without the per-ACK limit, as Linux's slow start does), up to the threshold.
 */
void netstack_tcp_acked(struct altcp_pcb *conn, uint32_t acked);

#endif
