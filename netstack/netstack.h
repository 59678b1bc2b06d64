/*
 * netstack/: application-facing side of the per-core lwIP instances (httpd, the echo service).
 *
 * Applications call lwIP's altcp API (lwip/altcp.h, whose documentation applies) directly:
 * every core has its own lwIP state at the same address (core/percpu.h), so a call acts on the
 * instance of the core that makes it.  altcp lets TLS slide in underneath (altcp_tls) without
 * httpd changing.  This header adds what lwIP lacks: counted listeners and error conversion.
 *
 * Rules, for every call and every callback:
 *   - Context: the main loop of a core with a stack, and only for connections created on that
 *     core (a pcb or pbuf belongs to one instance).  Never from an interrupt handler.
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
#include "lwip/altcp_tcp.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

/*
 * A listening TCP socket on IPv4 `port` of this core's stack (every core listens on the same
 * port; the host steers each flow to one core): new, bind to any address, listen with
 * `backlog` half-open connections (0: TCP_DEFAULT_LISTEN_BACKLOG), and call
 * accept(arg, new_conn, ERR_OK) for each accepted connection (counted in `conns=`).
 * On success stores the listener in *out and returns 0; else -EADDRINUSE, -ENOMEM, -ENOSPC
 * (more than NETSTACK_MAX_LISTENERS).
 */
int netstack_listen(struct altcp_pcb **out, uint16_t port, uint8_t backlog, altcp_accept_fn accept,
                    void *arg);

/*
 * netstack_listen() with a layer on top: wrap(wrap_arg, tcp) turns the new TCP pcb into the
 * pcb that listens (e.g. altcp_tls_wrap for HTTPS), or returns NULL (then -ENOMEM).  Accepted
 * connections are the wrapping layer's pcbs.  Same context and results as netstack_listen().
 */
typedef struct altcp_pcb *(*netstack_wrap_fn)(void *wrap_arg, struct altcp_pcb *tcp);
int netstack_listen_wrapped(struct altcp_pcb **out, uint16_t port, uint8_t backlog,
                            netstack_wrap_fn wrap, void *wrap_arg, altcp_accept_fn accept,
                            void *arg);

/* Close a listener made by netstack_listen() (its slot is freed).  ERR_ARG if it is not one. */
err_t netstack_listen_close(struct altcp_pcb *listener);

/* lwIP err_t -> 0 or a negative Toril -E code (errno.h). */
int netstack_errno(err_t err);

#endif
