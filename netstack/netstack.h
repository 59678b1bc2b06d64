/*
 * netstack/: application-facing side of the per-core lwIP instances (httpd, the echo service).
 *
 * Each core has its own lwIP copy; an application is ONE shared piece of code that calls the
 * copy of the core it runs on through the table netstack_ops(core_cpu_id()).  The table mirrors
 * lwIP's altcp API (lwip/altcp.h, whose documentation applies to each entry), so that TLS can
 * later slide in underneath (altcp_tls) without httpd changing.
 *
 * Rules, for every entry and every callback:
 *   - Context: the main loop of the core whose table it is, and only for connections created
 *     on that core (a pcb or pbuf belongs to one copy).  Never from an interrupt handler.
 *     Callbacks (accept, recv, sent, poll, err) run on that core, from inside netstack calls
 *     (input, poll) or from inside the entry the application just called.
 *   - Nothing blocks.  "Out of memory" (ERR_MEM) from write means the send buffer or the heap
 *     is full now: keep the data and retry from the sent or poll callback.
 *   - err_t and the callbacks' signatures are lwIP's (lwip/err.h, lwip/altcp.h): ERR_OK, or
 *     ERR_ABRT returned by a callback that called abort.  netstack_errno() converts an err_t
 *     into Toril's -E codes for anything that leaves the application.
 *   - Buffer ownership: a pbuf handed to a recv callback belongs to the callback when it
 *     returns ERR_OK (free it with pbuf_free once consumed, and call recved for its bytes);
 *     returning anything else leaves it with lwIP, which offers it again later.  Data given to
 *     write without TCP_WRITE_FLAG_COPY is sent by reference: it must stay unchanged until
 *     acknowledged (content cache bytes do); with the flag it is copied at once.
 *
 * Frames go out as pbuf chains (LWIP_NETIF_TX_SINGLE_PBUF = 0): headers plus the file bytes by
 * reference, gathered by the driver.  With single-pbuf TX every write would be copied first.
 */
#ifndef NETSTACK_NETSTACK_H
#define NETSTACK_NETSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/altcp.h"
#include "lwip/pbuf.h"

struct netstack_ops {
    /* --- Connections ------------------------------------------------------------------------ */

    /*
     * A listening TCP socket on IPv4 `port` of this core's stack (every core listens on the
     * same port; the host steers each flow to one core): new, bind to any address, listen with
     * `backlog` half-open connections (0: TCP_DEFAULT_LISTEN_BACKLOG), and call
     * accept(arg, new_conn, ERR_OK) for each accepted connection (counted in `conns=`).
     * On success stores the listener in *out and returns 0; else -EADDRINUSE, -ENOMEM,
     * -ENOSPC (more than NETSTACK_MAX_LISTENERS).  Close it with close().
     */
    int (*listen)(struct altcp_pcb **out, uint16_t port, uint8_t backlog, altcp_accept_fn accept,
                  void *arg);

    /* A new unconnected IPv4 TCP connection (for clients and tests), or NULL. */
    struct altcp_pcb *(*tcp_new)(void);
    err_t (*bind)(struct altcp_pcb *conn, const ip_addr_t *ipaddr, u16_t port);
    err_t (*connect)(struct altcp_pcb *conn, const ip_addr_t *ipaddr, u16_t port,
                     altcp_connected_fn connected);

    /* Callback registration: lwIP's altcp_arg, altcp_recv, ... */
    void (*arg)(struct altcp_pcb *conn, void *arg);
    void (*recv)(struct altcp_pcb *conn, altcp_recv_fn recv);
    void (*sent)(struct altcp_pcb *conn, altcp_sent_fn sent);
    void (*err)(struct altcp_pcb *conn, altcp_err_fn err);
    /* poll(arg, conn) every `interval` TCP coarse ticks (500 ms each) while the connection
     * exists (the 250 ms TCP timer runs anyway while any connection does). */
    void (*poll)(struct altcp_pcb *conn, altcp_poll_fn poll, u8_t interval);

    /* Data: queue `len` bytes (flags TCP_WRITE_FLAG_COPY, TCP_WRITE_FLAG_MORE), push queued
     * segments out, tell TCP that `len` received bytes were consumed (opens the window). */
    err_t (*write)(struct altcp_pcb *conn, const void *data, u16_t len, u8_t flags);
    err_t (*output)(struct altcp_pcb *conn);
    void (*recved)(struct altcp_pcb *conn, u16_t len);

    /* Room: bytes that can be written now, pbufs that can still be queued, the MSS. */
    u16_t (*sndbuf)(struct altcp_pcb *conn);
    u16_t (*sndqueuelen)(struct altcp_pcb *conn);
    u16_t (*mss)(struct altcp_pcb *conn);

    /* Ending: close (FIN after queued data; ERR_MEM: retry later, the pcb is still yours),
     * shutdown one direction, abort (RST, frees at once; err is called, so return ERR_ABRT
     * from the callback that called it). */
    err_t (*close)(struct altcp_pcb *conn);
    err_t (*shutdown)(struct altcp_pcb *conn, int shut_rx, int shut_tx);
    void (*abort)(struct altcp_pcb *conn);

    /* Tuning: priority for pcb reclamation under memory pressure, Nagle off (responses are
     * written whole: no reason to wait for an ACK before sending the tail). */
    void (*setprio)(struct altcp_pcb *conn, u8_t prio);
    void (*nagle_disable)(struct altcp_pcb *conn);

    /* Peer or local address and port (for logs). */
    err_t (*addrinfo)(struct altcp_pcb *conn, int local, ip_addr_t *addr, u16_t *port);

    /* --- Pbufs (received data) -------------------------------------------------------------- */

    u8_t (*pbuf_free)(struct pbuf *p);
    /* Copy `len` bytes from offset `offset` of the chain; returns bytes copied. */
    u16_t (*pbuf_copy_partial)(const struct pbuf *p, void *buf, u16_t len, u16_t offset);
    /* `len` bytes at `offset` as one pointer: into the chain when contiguous there, else
     * copied into `buf` (`bufsize` bytes); NULL when neither fits. */
    void *(*pbuf_get_contiguous)(const struct pbuf *p, void *buf, size_t bufsize, u16_t len,
                                 u16_t offset);
    /* Append chain t to chain h (t's reference passes to h). */
    void (*pbuf_cat)(struct pbuf *h, struct pbuf *t);
    /* Drop `size` bytes from the front of the chain, freeing emptied pbufs; returns the new
     * head (NULL when everything went). */
    struct pbuf *(*pbuf_free_header)(struct pbuf *q, u16_t size);
};

/*
 * Core `cpu`'s table, or NULL when no copy was built for it (cpu >= NETSTACK_MAX_CPUS).
 * Any core, any time (the table is constant); use the entries only on core `cpu`.
 */
const struct netstack_ops *netstack_ops(unsigned cpu);

/* lwIP err_t -> 0 or a negative Toril -E code (errno.h). */
int netstack_errno(err_t err);

#endif
