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

#endif
