/*
 * What a core's HTTP worker (httpd/worker.c) and its connections (httpd/conn.c) share; private
 * to those two files.  The worker owns the per-core state that outlives any one connection
 * (listeners, header buffer, clock, access log, counters) and the drain flag; the connection
 * layer does the per-connection work and counts it in its worker.  Everything here is used on
 * the worker's own core, in its main loop, unless a comment says otherwise.
 */
#ifndef HTTPD_WORKER_H
#define HTTPD_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "httpd/date.h"
#include "httpd/log.h"
#include "netstack/netstack.h"

#define HTTPD_LISTENERS 2 /* listening sockets per core: HTTP, and HTTPS to come */

/* One per core.  Shared because the connection layer formats into its header buffer, dates and
 * logs with its clock and log, and bumps its counters; the worker reads them for the stats
 * line and for drain (active). */
struct httpd_worker {
    bool started; /* listening on this core */
    struct altcp_pcb *listeners[HTTPD_LISTENERS]; /* one per entry of worker_start's table */
    struct httpd_clock clock;
    struct httpd_log log;
    char *head; /* HTTPD_RESPONSE_HEADER_MAX bytes (this core's heap): the header block being
                   formatted, copied into TCP (or the connection) before the next one */
    /* Counters, written by this core only, read by the stats line on core 0. */
    uint64_t bytes, ok2xx, redir3xx, err4xx, err5xx; /* requests: the four classes */
    uint64_t refused;      /* connections beyond max_conns */
    uint64_t refused_mem;  /* connections refused: the core's memory budget was used up */
    uint64_t timeouts;     /* connections closed by a timeout (any of them) */
    uint64_t slow_readers; /* of those, by the send-progress rule */
    uint64_t closed_limit; /* connections closed because a per-connection need (parser, the
                              rest of a header block) found no memory */
    uint32_t active;
    bool drained; /* drain: listeners closed and no connection left (set by this core, read by
                     core 0's drain coordinator) */
} __attribute__((aligned(64)));

/* ---- worker.c, for the connection layer ---------------------------------------------------- */

/* Whether httpd_server_drain() was called: connections then answer with "Connection: close",
 * refuse new accepts and close when idle.  Any core; never turns false again. */
bool httpd_worker_drain_requested(void);

/* Whether HTTPS is on (tls_boot() succeeded), for the HTTPS redirect.  Fixed at boot, before the
 * other cores start. */
bool httpd_worker_https_on(void);

/* ---- conn.c, for the worker ----------------------------------------------------------------- */

/* The accept callbacks of the worker's listeners (arg: its struct httpd_worker): take the new
 * connection, or refuse it with a reset (max_conns, max_tls_conns, memory budget, draining; each
 * counted). */
err_t httpd_conn_accept(void *arg, struct altcp_pcb *pcb, err_t err);
err_t httpd_conn_accept_tls(void *arg, struct altcp_pcb *pcb, err_t err);

#endif
