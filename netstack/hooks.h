/*
 * lwIP's hooks (lwipopts.h: LWIP_HOOK_FILENAME), implemented in netstack/tcpguard.c.
 * Included by lwIP's own sources after their headers; called on the core whose instance runs.
 */
#ifndef NETSTACK_HOOKS_H
#define NETSTACK_HOOKS_H

#include "lwip/arch.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

struct tcp_pcb;
struct tcp_hdr;

/* LWIP_HOOK_TCP_ISN: the initial sequence number of a new connection (RFC 6528). */
u32_t netstack_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                       u16_t remote_port);

/* LWIP_HOOK_TCP_INPACKET_PCB: a segment about to be processed by pcb (a connection or a
 * listener; header fields already in host byte order, p->payload past the header).  ERR_OK:
 * lwIP goes on; anything else: lwIP drops the segment (frees p). */
err_t netstack_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
                            u8_t *opt2, struct pbuf *p);

/* TCP_WRITE_SEG_MAX: the largest segment tcp_write builds for pcb (netstack/instance.c: many
 * MSS when the link segments, one otherwise). */
u16_t netstack_tcp_write_seg_max(const struct tcp_pcb *pcb);

/* LWIP_HOOK_TCP_OUT_ADD_TCPOPTS: the segment p (TCP header hdr first) goes to IP now, its
 * options written (none added: returns opts).  For a segment with data, pcb is its
 * connection, and the link takes the segment's MSS from here. */
u32_t *netstack_tcp_out_segment(const struct pbuf *p, const struct tcp_hdr *hdr,
                                 const struct tcp_pcb *pcb, u32_t *opts);

#endif
