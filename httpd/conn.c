/*
 * HTTP connections on the altcp API of this core's lwIP instance (netstack/netstack.h).
 *
 * One struct conn per connection, on the owning core's heap.  Received pbufs queue up in
 * conn->in; the parser takes them in order and stops after each complete request, which is
 * answered before the next is parsed (pipelined requests are answered in order).  A response
 * is queued to TCP as: the header block (formatted in the worker's buffer and copied into TCP
 * at once), then the body by reference (file bytes from the immutable content cache, or a
 * static error page), as much as the send buffer takes; the sent callback continues.  The
 * core's worker (listeners, drain, counters) is httpd/worker.c; httpd/worker.h is what the two
 * share.
 *
 * What a connection costs, and what bounds it (httpd/limits.h):
 *   - idle (keep-alive, between requests): struct conn only, ~150 bytes, plus lwIP's pcb;
 *   - reading or answering a request: + the parser (~6.5 KiB), freed once no request is in
 *     progress and no input waits;
 *   - a header block TCP had no room for: its remaining bytes, copied (rare);
 *   - input that waits while a response is pending: at most the receive window (TCP_WND: bytes
 *     are acknowledged to it only as they are parsed), small segments copied into 2 KiB
 *     coalescing buffers so they cost their bytes, not a pbuf each;
 *   - a response the client does not take: the send-progress rule (on_poll) closes it;
 *   - new connections: max_conns and the per-core memory budget (httpd/budget.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/cache.h"
#include "core/cpu.h"
#include "core/time.h"
#include "httpd/budget.h"
#include "httpd/config.h"
#include "httpd/date.h"
#include "httpd/files.h"
#include "httpd/https.h"
#include "httpd/limits.h"
#include "httpd/log.h"
#include "httpd/path.h"
#include "httpd/request.h"
#include "httpd/response.h"
#include "httpd/worker.h"
#include "netstack/netstack.h"
#include "netstack/tcpinfo.h"
#include "tls/tls.h"

#define HTTPD_POLL_INTERVAL  1       /* poll callback every 500 ms: the timeout granularity */
#define HTTPD_WRITE_MAX      0xffffu /* one altcp_write call takes a u16 length */
/* Send buffers by load: a response larger than TCP_SND_BUF gets a share of this many bytes per
 * core, split between the core's connections, up to NETSTACK_SNDBUF_MAX (lwipopts.h), if the
 * share is at least twice TCP_SND_BUF (at most 64 connections per core).  A connection moves at
 * most its send buffer per round trip: with few connections a larger one keeps the link busy;
 * with many, the default buffers already fill the host's queues, and more only lengthens them
 * (measured: p99 of 64 KiB x 128 connections per core 90 -> 230 ms with shares just above the
 * default, and no more requests per second). */
#define HTTPD_SEND_BUF_CORE (8u * 1024 * 1024)
/* File bytes go by reference, so a larger send buffer costs lwIP's records for its segments
 * only: a segment, a header pbuf and a reference pbuf per 1460 bytes, ~200 bytes as heap size
 * classes.  Counted as a quarter of the growth, to be safe; a buffer grows only while the
 * core's memory budget keeps that and one more worst-case connection (httpd/budget.h). */
#define HTTPD_SEND_BUF_COST(bytes) ((bytes) / 4)

struct conn {
    struct httpd_worker *w; /* this core's worker: its counters, clock, log, header buffer */
    struct altcp_pcb *pcb;
    struct httpd_parser *parser; /* heap, while a request is read or input waits; else NULL */
    struct pbuf *in;             /* received, not yet parsed */
    struct pbuf *in_tail;        /* last pbuf of `in` if it is a coalescing buffer of ours */
    uint8_t *in_tail_end;        /* end of in_tail's storage */
    uint64_t last_activity;      /* core_time_ns() of the last progress */
    uint64_t request_started;    /* core_time_ns() when the request in progress began */
    uint64_t win_start;          /* core_time_ns() the send-progress window began; 0: none */
    uint32_t win_acked_seq;      /* TCP's acknowledged sequence number at win_start */
    uint32_t reqs;               /* requests answered on this connection */
    int32_t snd_extra;           /* bytes the send buffer was grown above TCP_SND_BUF */
    uint16_t status;             /* of the response being queued */
    bool sending;                /* a response is being queued */
    bool close_after;            /* close once the current response is queued */
    bool peer_closed;            /* FIN received */
    bool closing;                /* close() returned ERR_MEM: retry from poll */
    bool fin_sent;               /* closing after the response: our FIN is queued */
    bool tls;                    /* HTTPS: pcb is a TLS altcp pcb (tls/tls.h) */
    bool tls_done;               /* its handshake completed (and was counted) */
    uint64_t accepted;           /* core_time_ns() at accept: the TLS handshake deadline */
    /* The response being queued. */
    const char *head;    /* header block bytes not yet queued: the worker's buffer (only within
                            the call that formatted it) or head_copy */
    char *head_copy;     /* heap copy of the rest of a header block TCP had no room for */
    size_t head_len, head_sent;
    const uint8_t *body; /* next body byte to queue */
    uint64_t body_left;  /* body bytes still to queue */
};

/* Count a TLS handshake once it has completed.  Only while c->pcb exists (also inside the err
 * callback: altcp_tls frees its pcb after calling it). */
static void tls_settle(struct conn *c)
{
    if (c->tls && !c->tls_done && tls_handshake_over(c->pcb)) {
        c->tls_done = true;
        tls_counters_this_cpu()->handshakes++;
    }
}

static bool tcp_outstanding(const struct conn *c);
static void conn_close(struct conn *c);
static void discard_input(struct conn *c);

/*
 * The current response is queued and the connection is to close after it.  While draining it
 * stays open (reading nothing more) until the client has acknowledged every byte, so that a
 * core with no connection left has delivered all its responses.  Returns false if c was freed.
 */
static bool close_after_response(struct conn *c)
{
    altcp_output(c->pcb);
    if (tcp_outstanding(c)) {
        /* Keep c (and its place under max_conns and the memory budget) until the client has
         * acknowledged everything, so the send-progress rule still applies: a pcb closed now
         * would keep the response's buffers in lwIP, outside every limit, for as long as the
         * client pleases.  The FIN leaves at once, after the data (a half close). */
        discard_input(c);
        if (!c->fin_sent && altcp_shutdown(c->pcb, 0, 1) == ERR_OK)
            c->fin_sent = true;
        return true; /* the sent callback (or poll) comes back here */
    }
    conn_close(c);
    return false;
}

static void conn_free(struct conn *c)
{
    if (c->in)
        pbuf_free(c->in);
    free(c->parser);
    free(c->head_copy);
    c->w->active--;
    if (c->tls) {
        struct tls_counters *t = tls_counters_this_cpu();
        t->active--;
        if (!c->tls_done)
            t->failed++;
    }
    free(c);
}

/*
 * Drop received bytes nobody will parse, telling TCP they were consumed: lwIP answers a close
 * with unread data by a reset, which would destroy the response still in flight.
 */
static void discard_input(struct conn *c)
{
    if (!c->in)
        return;
    altcp_recved(c->pcb, c->in->tot_len);
    pbuf_free(c->in);
    c->in = NULL;
    c->in_tail = NULL;
}

/*
 * Keep p (received, in order) after the input already held.  Segments of
 * HTTPD_INPUT_COALESCE_BELOW bytes or more are kept as lwIP gave them; smaller ones are copied
 * into a coalescing buffer at the end of the chain, so a stream of tiny segments costs its
 * bytes, not a pbuf each.  Returns false (nothing kept, p untouched) when no buffer could be
 * had.
 */
static bool in_append(struct conn *c, struct pbuf *p)
{
    if (p->tot_len >= HTTPD_INPUT_COALESCE_BELOW) {
        if (c->in)
            pbuf_cat(c->in, p);
        else
            c->in = p;
        c->in_tail = NULL; /* ours is no longer last */
        return true;
    }
    struct pbuf *t = c->in_tail;
    size_t room = t ? (size_t)(c->in_tail_end - ((uint8_t *)t->payload + t->len)) : 0;
    if (room < p->tot_len) {
        t = pbuf_alloc(PBUF_RAW, HTTPD_INPUT_CHUNK, PBUF_RAM);
        if (!t)
            return false;
        c->in_tail_end = (uint8_t *)t->payload + HTTPD_INPUT_CHUNK;
        t->len = t->tot_len = 0; /* filled below */
        if (c->in)
            pbuf_cat(c->in, t);
        else
            c->in = t;
        c->in_tail = t;
    }
    u16_t n = p->tot_len;
    pbuf_copy_partial(p, (uint8_t *)t->payload + t->len, n, 0);
    for (struct pbuf *q = c->in; q; q = q->next) /* t is last: every tot_len counts it */
        q->tot_len = (u16_t)(q->tot_len + n);
    t->len = (u16_t)(t->len + n);
    pbuf_free(p);
    return true;
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len);
static err_t on_poll(void *arg, struct altcp_pcb *pcb);
static void on_err(void *arg, err_t err);

static void set_callbacks(struct conn *c, bool on)
{
    altcp_arg(c->pcb, on ? c : NULL);
    altcp_recv(c->pcb, on ? on_recv : NULL);
    altcp_sent(c->pcb, on ? on_sent : NULL);
    altcp_err(c->pcb, on ? on_err : NULL);
    altcp_poll(c->pcb, on ? on_poll : NULL, HTTPD_POLL_INTERVAL);
}

/*
 * Close the connection (FIN after the queued data) and free c.  The callbacks go first:
 * a successful altcp close frees the altcp pcb at once, so it must not be touched after.
 */
static void conn_close(struct conn *c)
{
    tls_settle(c);
    discard_input(c);
    set_callbacks(c, false);
    if (altcp_close(c->pcb) != ERR_OK) {
        set_callbacks(c, true); /* out of memory for the FIN: the poll callback tries again */
        c->closing = true;
        return;
    }
    conn_free(c);
}

static void access_log(const struct conn *c, const struct httpd_request *req, uint64_t bytes)
{
    enum httpd_config_log mode = httpd_config->log;
    if (mode == HTTPD_LOG_OFF || (mode == HTTPD_LOG_ERRORS && c->status < 400))
        return;
    ip_addr_t addr;
    u16_t port;
    uint32_t peer = 0;
    if (altcp_get_tcp_addrinfo(c->pcb, 0, &addr, &port) == ERR_OK)
        peer = ip4_addr_get_u32(ip_2_ip4(&addr));
    httpd_log_access(&c->w->log, peer, httpd_clock_now(&c->w->clock, core_time_wall()), req,
                     c->status, bytes);
}

/* Start a send-progress window at `now`: what the client acknowledges from here on counts. */
static void window_start(struct conn *c, uint64_t now)
{
    struct netstack_tcp_info info;
    c->win_start = now;
    c->win_acked_seq = netstack_tcp_info(c->pcb, &info) == 0 ? info.acked_seq : 0;
}

/* Size c's send buffer for the response just set up (see HTTPD_SEND_BUF_CORE): its share of
 * the core's while the response needs more than TCP_SND_BUF and the core has few connections,
 * else the default again (a shrink takes only free room: the rest goes at later responses).
 * TLS copies every byte into its records, so TLS connections keep the default. */
static void send_buffer_fit(struct conn *c)
{
    uint32_t want = TCP_SND_BUF;
    uint64_t total = c->head_len + c->body_left;
    if (!c->tls && total > TCP_SND_BUF) {
        uint32_t share = HTTPD_SEND_BUF_CORE / (c->w->active ? c->w->active : 1);
        want = share < NETSTACK_SNDBUF_MAX ? share : NETSTACK_SNDBUF_MAX;
        if (want < 2 * TCP_SND_BUF)
            want = TCP_SND_BUF;
    }
    int32_t delta = (int32_t)(want - TCP_SND_BUF) - c->snd_extra;
    if (delta > 0 &&
        httpd_budget_used(core_cpu_id()) + HTTPD_SEND_BUF_COST((size_t)delta) + HTTPD_CONN_WORST >
            httpd_budget_per_core())
        return; /* memory is short: keep what it has */
    if (delta != 0)
        c->snd_extra += netstack_tcp_sndbuf_adjust(c->pcb, delta);
}

/* Decide the response to the request in hand and set up its queueing. */
static void respond(struct conn *c, struct httpd_request *req)
{
    struct httpd_worker *w = c->w;
    struct httpd_response r;
    httpd_clock_now(&w->clock,
                    core_time_wall()); /* the Date of this response (cached per second) */
    if (++c->reqs >= httpd_config->max_reqs || httpd_worker_drain_requested())
        req->keep_alive = false; /* this one is the last: say so in its Connection header */

    int rc;
    struct httpd_path path;
    char *head = w->head;
    const size_t cap = HTTPD_RESPONSE_HEADER_MAX;
    char https_to[HTTPD_HTTPS_LOCATION_MAX];
    if (!req->status && !c->tls && httpd_worker_https_on() && httpd_config->https_redirect &&
        httpd_https_location(req, httpd_config->https_port, https_to, sizeof(https_to)) > 0) {
        rc = httpd_response_redirect(req, https_to, &w->clock, head, cap, &r);
    } else if (req->status) {
        rc = httpd_response_error(req, req->status, &w->clock, head, cap, &r);
    } else if (httpd_path_parse(req->target, req->target_len, &path) < 0) {
        rc = httpd_response_error(req, 400, &w->clock, head, cap, &r);
    } else {
        const struct content_file *f = NULL;
        if (!httpd_path_is_dir(&path) || httpd_path_add_index(&path) == 0)
            f = content_cache_lookup(path.path, path.len);
        if (f) {
            /* The file's headers, built at boot; none only if the table was never built: 500. */
            const struct httpd_files_entry *e = httpd_files_find(f);
            if (!e)
                rc = -ENOENT;
            else
                rc = httpd_response_file(req, &e->plain, e->gz, &w->clock, head, cap,
                                         &r);
        } else if (!httpd_path_is_dir(&path) && content_cache_is_dir(path.path, path.len)) {
            char location[HTTPD_TARGET_MAX + 2];
            rc = httpd_path_location(&path, location, sizeof(location));
            rc = rc < 0 ? rc
                        : httpd_response_redirect(req, location, &w->clock, head, cap,
                                                  &r);
        } else {
            rc = httpd_response_error(req, 404, &w->clock, head, cap, &r);
        }
    }
    if (rc < 0) /* a header block that did not fit: cannot happen with HEADER_MAX, but fail safe */
        rc = httpd_response_error(req, 500, &w->clock, head, cap, &r);
    if (c->tls && httpd_config->hsts) /* no room: sent without it (HEADER_MAX leaves room) */
        (void)httpd_https_add_hsts(head, cap, &r.head_len, httpd_config->hsts);

    c->status = r.status;
    c->head = head;
    c->head_len = r.head_len;
    c->head_sent = 0;
    if (r.file && r.length) {
        c->body = (const uint8_t *)r.file->data + r.offset;
        c->body_left = r.length;
    } else {
        c->body = (const uint8_t *)r.body;
        c->body_left = r.body ? r.body_len : 0;
    }
    c->sending = true;
    send_buffer_fit(c);
    c->close_after = !r.keep_alive;
    if (c->win_start == 0) /* the send-progress window starts with the first response */
        window_start(c, core_time_ns());
    w->bytes += c->head_len + c->body_left;
    if (r.status >= 500)
        w->err5xx++;
    else if (r.status >= 400)
        w->err4xx++;
    else if (r.status >= 300)
        w->redir3xx++;
    else
        w->ok2xx++;
    access_log(c, req, c->body_left);
}

/*
 * One altcp_write of up to `want` bytes at p; returns the bytes taken (0: none now, the sent or
 * poll callback continues).  A write takes all its bytes or none, over TLS too: lwIP's
 * altcp_tls turns them into one record (altcp_sndbuf bounds a write by the record size), and a
 * record TCP had no room for waits in mbedTLS's buffer and counts as taken; it goes out before
 * anything else (on the next ACK, or first thing in the next write, which is refused, taking
 * nothing, until it has).
 */
static size_t write_some(struct conn *c, const void *p, size_t want, u8_t flags)
{
    size_t n = want < altcp_sndbuf(c->pcb) ? want : altcp_sndbuf(c->pcb);
    if (n > HTTPD_WRITE_MAX)
        n = HTTPD_WRITE_MAX;
    if (n == 0)
        return 0;
    if (n < want)
        flags |= TCP_WRITE_FLAG_MORE;
    if (altcp_write(c->pcb, p, (u16_t)n, flags) != ERR_OK)
        return 0;
    return n;
}

/* Queue as much of the current response as TCP takes; c->sending clears once all is queued
 * (otherwise the sent or poll callback continues).  Returns false if the connection must be
 * closed: the rest of a header block found no memory to wait in. */
static bool queue_response(struct conn *c)
{
    while (c->head_sent < c->head_len) {
        size_t n = write_some(c, c->head + c->head_sent, c->head_len - c->head_sent,
                              TCP_WRITE_FLAG_COPY | (c->body_left ? TCP_WRITE_FLAG_MORE : 0));
        if (n == 0)
            break; /* queue full: the sent callback continues */
        c->head_sent += n;
    }
    if (c->head_sent < c->head_len) {
        if (c->head_copy == NULL) {
            /* The rest is still in the worker's buffer, which the next response reuses: keep
             * a copy of just what is left (the send buffer was nearly full: rare). */
            size_t rest = c->head_len - c->head_sent;
            c->head_copy = malloc(rest);
            if (!c->head_copy)
                return false;
            memcpy(c->head_copy, c->head + c->head_sent, rest);
            c->head = c->head_copy;
            c->head_len = rest;
            c->head_sent = 0;
        }
        return true;
    }
    if (c->head_copy) {
        free(c->head_copy);
        c->head_copy = NULL;
    }
    c->head = NULL;
    while (c->body_left) {
        /* By reference: cache bytes and static pages never change. */
        size_t want = c->body_left < HTTPD_WRITE_MAX ? (size_t)c->body_left : HTTPD_WRITE_MAX;
        size_t n = write_some(c, c->body, want, want < c->body_left ? TCP_WRITE_FLAG_MORE : 0);
        if (n == 0)
            return true;
        c->body += n;
        c->body_left -= n;
    }
    c->sending = false;
    return true;
}

/* The parser for the next request: reused, or made fresh (an idle connection has none). */
static bool parser_get(struct conn *c)
{
    if (c->parser)
        return true;
    c->parser = malloc(sizeof(*c->parser));
    if (!c->parser)
        return false;
    httpd_request_init(c->parser);
    return true;
}

/* Abort c for a need that found no memory (counted); c is freed. */
static void conn_abort_limit(struct conn *c)
{
    c->w->closed_limit++;
    altcp_abort(c->pcb); /* on_err frees c */
}

/* Answer what can be answered: queue the current response, then parse and answer the next
 * pipelined requests while the send buffer has room.  Returns false if c was freed. */
static bool process(struct conn *c)
{
    for (;;) {
        if (c->sending) {
            if (!queue_response(c)) {
                conn_abort_limit(c);
                return false;
            }
            if (c->sending)
                break; /* wait for the sent callback */
            if (c->close_after || httpd_worker_drain_requested()) {
                c->close_after = true;
                return close_after_response(c);
            }
        } else if (c->close_after) {
            return close_after_response(c); /* draining: waiting for the last acknowledgement */
        }
        if (!c->in)
            break;
        if (!parser_get(c)) {
            conn_abort_limit(c);
            return false;
        }
        struct pbuf *p = c->in;
        size_t used = 0;
        if (!httpd_request_in_progress(c->parser))
            c->request_started = core_time_ns();
        enum httpd_feed_result res =
            httpd_request_feed(c->parser, (const char *)p->payload, p->len, &used);
        if (used) {
            c->in = pbuf_free_header(c->in, (u16_t)used);
            if (!c->in)
                c->in_tail = NULL; /* the tail is last: it went with the rest */
            altcp_recved(c->pcb, (u16_t)used);
        }
        if (res == HTTPD_FEED_REQUEST) {
            respond(c, httpd_request_get(c->parser));
        } else if (res == HTTPD_FEED_CLOSED) {
            discard_input(c); /* the last request closed the connection: nothing more to parse */
            break;
        }
    }
    if (!c->sending && c->peer_closed && !c->in) {
        c->close_after = true; /* the client is done: close once it has our last bytes */
        return close_after_response(c);
    }
    altcp_output(c->pcb);
    /* Idle between requests: give the parser back (a fresh one is as good as a reused one at a
     * request boundary); keep-alive connections then cost their struct conn only. */
    if (c->parser && !c->in && !c->sending && !httpd_request_in_progress(c->parser)) {
        free(c->parser);
        c->parser = NULL;
    }
    return true;
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    if (!c) { /* closed by us meanwhile */
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    tls_settle(c); /* data through TLS: its handshake is over */
    if (p) {
        /* Input only waits while a response is pending, and TCP's receive window bounds it:
         * bytes are acknowledged to the window (altcp_recved) only as the parser consumes
         * them, so a client that pipelines ahead of its responses meets a closing window. */
        if (!in_append(c, p))
            return ERR_MEM; /* no memory for a coalescing buffer now: lwIP offers p again */
    } else {
        c->peer_closed = true;
    }
    c->last_activity = core_time_ns();
    process(c); /* may close and free c: nothing after this touches it */
    return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    struct conn *c = arg;
    if (c) {
        c->last_activity = core_time_ns();
        /* Slow start by every byte acknowledged, for a connection given a larger buffer to
         * fill (see netstack_tcp_acked).  Not with the default buffer: with many connections
         * per core, faster ramps only deepen the host's queues (measured with it for all:
         * 1 MiB x 128 connections per core, 589 against 661 requests/s, medians of 3 and 4
         * runs).  altcp_tls reports no acknowledged bytes here, and TLS connections keep the
         * default anyway. */
        if (c->snd_extra > 0)
            netstack_tcp_acked(c->pcb, len);
        process(c);
    }
    return ERR_OK;
}

/*
 * The send-progress rule, at the end of each window of send_stall_ms while a response is
 * outstanding: a client that acknowledged less than send_min_bytes= in it, and is
 * itself what holds the data back (netstack_tcp_peer_stalled), is reset.  Returns whether it
 * was (c is then freed).
 */
static bool send_stalled(struct conn *c, uint64_t now)
{
    uint64_t window = (uint64_t)httpd_config->send_stall_ms * 1000000ull;
    if (now - c->win_start < window)
        return false;
    struct netstack_tcp_info info;
    if (netstack_tcp_info(c->pcb, &info) < 0)
        return false; /* closed underneath: the error callback frees c */
    /* Progress in TCP's own terms (what the client acknowledged), so it counts the same under
     * TLS, whose records hide the application's byte counts. */
    uint32_t progress = info.acked_seq - c->win_acked_seq;
    if (progress < httpd_config->send_min_bytes && netstack_tcp_peer_stalled(&info, progress > 0)) {
        c->w->timeouts++;
        c->w->slow_readers++;
        altcp_abort(c->pcb); /* RST: frees the response's buffers at once; on_err frees c */
        return true;
    }
    window_start(c, now); /* enough progress, or the server held the data: a new window */
    return false;
}

/* Whether TCP still holds data of ours that the client has not acknowledged. */
static bool tcp_outstanding(const struct conn *c)
{
    struct netstack_tcp_info info;
    return netstack_tcp_info(c->pcb, &info) == 0 && (info.in_flight > 0 || info.unsent > 0);
}

/* Every 500 ms while the connection exists: timeouts and retries. */
static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
    struct conn *c = arg;
    if (!c)
        return ERR_OK;
    if (c->closing) {
        c->closing = false;
        conn_close(c);
        return ERR_OK;
    }
    uint64_t now = core_time_ns();
    tls_settle(c);
    if (c->tls && !c->tls_done) {
        /* A handshake that stalls (or a client that never sends one) holds record buffers:
         * reset it at its deadline.  Until then the keep-alive timer does not apply. */
        if (now - c->accepted >= httpd_config->tls_handshake_ms * 1000000ull) {
            c->w->timeouts++;
            altcp_abort(c->pcb); /* on_err frees c */
            return ERR_ABRT;
        }
        if (httpd_worker_drain_requested())
            conn_close(c);
        return ERR_OK;
    }
    if (c->sending || tcp_outstanding(c)) {
        if (c->win_start == 0)
            window_start(c, now);
        if (send_stalled(c, now))
            return ERR_ABRT;
        if (c->sending || c->close_after)
            process(c); /* the send buffer may have room that no sent callback announced */
        return ERR_OK;
    }
    c->win_start = 0; /* everything acknowledged: the next response starts a new window */
    if (c->close_after) { /* the last acknowledgement came without a sent callback (our FIN) */
        conn_close(c);
        return ERR_OK;
    }
    bool in_request = c->parser && httpd_request_in_progress(c->parser);
    if (httpd_worker_drain_requested() && !in_request && !c->in) {
        conn_close(c); /* draining: an idle keep-alive connection goes now */
        return ERR_OK;
    }
    uint64_t limit_ms = in_request ? httpd_config->header_timeout_ms : httpd_config->keepalive_ms;
    uint64_t since = in_request ? c->request_started : c->last_activity;
    if (now - since >= limit_ms * 1000000ull) {
        c->w->timeouts++;
        conn_close(c);
    }
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    struct conn *c = arg;
    if (c) {
        tls_settle(c); /* a TLS pcb still exists here (altcp_tls frees it after this call) */
        conn_free(c);  /* the TCP pcb is already gone */
    }
}

static err_t accept_conn(struct httpd_worker *w, struct altcp_pcb *pcb, err_t err, bool tls)
{
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct conn *c = NULL;
    if (httpd_worker_drain_requested())
        w->refused++; /* accepted just before the listener closed */
    else if (w->active >= httpd_config->max_conns)
        w->refused++;
    else if (!httpd_budget_admit())
        w->refused_mem++;
    else if (!(c = malloc(sizeof(*c))))
        w->refused_mem++;
    if (!c) {
        altcp_abort(pcb); /* RST: refused cleanly, the client sees it at once */
        return ERR_ABRT;
    }
    memset(c, 0, sizeof(*c));
    c->w = w;
    c->pcb = pcb;
    c->last_activity = core_time_ns();
    c->accepted = c->last_activity;
    c->tls = tls;
    if (tls)
        tls_counters_this_cpu()->active++;
    w->active++;
    set_callbacks(c, true);
    altcp_nagle_disable(pcb);
    return ERR_OK;
}

err_t httpd_conn_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
    return accept_conn(arg, pcb, err, false);
}

/* An HTTPS connection, accepted before its handshake (which altcp_tls runs as data arrives). */
err_t httpd_conn_accept_tls(void *arg, struct altcp_pcb *pcb, err_t err)
{
    if (err == ERR_OK && pcb && tls_counters_this_cpu()->active >= httpd_config->max_tls_conns) {
        tls_counters_this_cpu()->refused++;
        altcp_abort(pcb); /* RST before any handshake work */
        return ERR_ABRT;
    }
    return accept_conn(arg, pcb, err, true);
}

size_t httpd_budget_idle_cost(void)
{
    return sizeof(struct conn) + sizeof(struct altcp_pcb) + sizeof(struct tcp_pcb);
}
