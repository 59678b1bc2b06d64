/*
 * HTTP connections on the altcp API of this core's lwIP instance (netstack/netstack.h).
 *
 * One struct conn per connection, on the owning core's heap.  Received pbufs queue up in
 * conn->in; the parser takes them in order and stops after each complete request, which is
 * answered before the next is parsed (pipelined requests are answered in order).  A response
 * is queued to TCP as: the header block (copied: it lives in a buffer the next response
 * reuses), then the body by reference (file bytes from the immutable content cache, or a
 * static error page), as much as the send buffer takes; the sent callback continues.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/cache.h"
#include "core/cpu.h"
#include "core/drain.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/stats.h"
#include "core/time.h"
#include "httpd/config.h"
#include "httpd/date.h"
#include "httpd/files.h"
#include "httpd/path.h"
#include "httpd/request.h"
#include "httpd/response.h"
#include "httpd/server.h"
#include "netstack/link.h"
#include "netstack/netstack.h"
#include "netstack/tcpinfo.h"

#define HTTPD_LISTEN_BACKLOG 255     /* half-open connections per core's listener */
#define HTTPD_POLL_INTERVAL  1       /* poll callback every 500 ms: the timeout granularity */
#define HTTPD_WRITE_MAX      0xffffu /* one altcp_write call takes a u16 length */

struct worker {
    bool started; /* listening on this core */
    struct altcp_pcb *listener;
    struct httpd_clock clock;
    /* Counters, written by this core only, read by the stats line on core 0. */
    uint64_t reqs, bytes, err4xx, err5xx, refused, timeouts;
    uint32_t active;
    bool drained; /* drain: listeners closed and no connection left (set by this core, read by
                     core 0's drain coordinator) */
} __attribute__((aligned(64)));

struct conn {
    struct worker *w;
    struct altcp_pcb *pcb;
    struct pbuf *in;          /* received, not yet parsed */
    uint64_t last_activity;   /* core_time_ns() of the last progress */
    uint64_t request_started; /* core_time_ns() when the request in progress began */
    uint32_t reqs;            /* requests answered on this connection */
    bool sending;             /* a response is being queued */
    bool close_after;         /* close once the current response is queued */
    bool peer_closed;         /* FIN received */
    bool closing;             /* close() returned ERR_MEM: retry from poll */
    /* The response being queued. */
    size_t head_len, head_sent;
    const uint8_t *body; /* next body byte to queue */
    uint64_t body_left;  /* body bytes still to queue */
    uint16_t status;
    struct httpd_parser parser;
    char head[HTTPD_RESPONSE_HEADER_MAX];
};

static struct worker workers[CORE_MAX_CPUS];

/* ---- drain (httpd_server_drain) ---------------------------------------------------------- */

/* Set once by core 0 (httpd_server_drain), read by every core with atomics: never cleared. */
static bool draining;

static bool drain_requested(void)
{
    return __atomic_load_n(&draining, __ATOMIC_ACQUIRE);
}

static void conn_close(struct conn *c);
static void discard_input(struct conn *c);

/* Whether TCP still holds data of ours that the client has not acknowledged. */
static bool tcp_outstanding(const struct conn *c)
{
    struct netstack_tcp_info info;
    return netstack_tcp_info(c->pcb, &info) == 0 && (info.in_flight > 0 || info.unsent > 0);
}

/*
 * The current response is queued and the connection is to close after it.  While draining it
 * stays open (reading nothing more) until the client has acknowledged every byte, so that a
 * core with no connection left has delivered all its responses.  Returns false if c was freed.
 */
static bool close_after_response(struct conn *c)
{
    altcp_output(c->pcb);
    if (drain_requested() && tcp_outstanding(c)) {
        discard_input(c);
        return true; /* the sent callback (or poll) comes back here */
    }
    conn_close(c);
    return false;
}

/* Each core's drain step, in its main loop: close the listener (new connections are then
 * refused by TCP), and say so once no connection is left.  Idle keep-alive connections are
 * closed by their poll callback, busy ones after their current response. */
static bool drain_poll(void *arg)
{
    struct worker *w = arg;
    if (!drain_requested() || w->drained)
        return false;
    if (w->listener) {
        netstack_listen_close(w->listener);
        w->listener = NULL;
    }
    if (w->active == 0) {
        __atomic_store_n(&w->drained, true, __ATOMIC_RELEASE);
        log_info("httpd: drained, no connection left");
    }
    return false;
}

static void conn_free(struct conn *c)
{
    if (c->in)
        pbuf_free(c->in);
    c->w->active--;
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
    char peer[16] = "-";
    if (altcp_get_tcp_addrinfo(c->pcb, 0, &addr, &port) == ERR_OK) {
        uint32_t a = ip4_addr_get_u32(ip_2_ip4(&addr)); /* network byte order */
        snprintf(peer, sizeof(peer), "%u.%u.%u.%u", a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff,
                 a >> 24);
    }
    /* Common Log Format.  A refused request's target may be cut or odd: llhttp has already
     * rejected control bytes, and it is printed with a bound. */
    const char *method = req->method == HTTPD_METHOD_GET    ? "GET"
                         : req->method == HTTPD_METHOD_HEAD ? "HEAD"
                                                            : "-";
    log_info("%s - - [%s] \"%s %.200s HTTP/1.%u\" %u %llu", peer,
             httpd_clock_now(&c->w->clock, core_time_wall()), method,
             req->status ? "-" : req->target, req->version_minor, c->status,
             (unsigned long long)bytes);
}

/* Decide the response to the request in hand and set up its queueing. */
static void respond(struct conn *c, struct httpd_request *req)
{
    struct worker *w = c->w;
    struct httpd_response r;
    httpd_clock_now(&w->clock,
                    core_time_wall()); /* the Date of this response (cached per second) */
    if (++c->reqs >= httpd_config->max_reqs || drain_requested())
        req->keep_alive = false; /* this one is the last: say so in its Connection header */

    int rc;
    struct httpd_path path;
    if (req->status) {
        rc = httpd_response_error(req, req->status, &w->clock, c->head, sizeof(c->head), &r);
    } else if (httpd_path_parse(req->target, req->target_len, &path) < 0) {
        rc = httpd_response_error(req, 400, &w->clock, c->head, sizeof(c->head), &r);
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
                rc = httpd_response_file(req, &e->plain, e->gz, &w->clock, c->head, sizeof(c->head),
                                         &r);
        } else if (!httpd_path_is_dir(&path) && content_cache_is_dir(path.path, path.len)) {
            char location[HTTPD_TARGET_MAX + 2];
            rc = httpd_path_location(&path, location, sizeof(location));
            rc = rc < 0 ? rc
                        : httpd_response_redirect(req, location, &w->clock, c->head,
                                                  sizeof(c->head), &r);
        } else {
            rc = httpd_response_error(req, 404, &w->clock, c->head, sizeof(c->head), &r);
        }
    }
    if (rc < 0) /* a header block that did not fit: cannot happen with HEADER_MAX, but fail safe */
        rc = httpd_response_error(req, 500, &w->clock, c->head, sizeof(c->head), &r);

    c->status = r.status;
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
    c->close_after = !r.keep_alive;
    w->reqs++;
    w->bytes += c->head_len + c->body_left;
    if (r.status >= 500)
        w->err5xx++;
    else if (r.status >= 400)
        w->err4xx++;
    access_log(c, req, c->body_left);
}

/* Queue as much of the current response as TCP takes; c->sending clears once all is queued
 * (otherwise the sent or poll callback continues). */
static void queue_response(struct conn *c)
{
    while (c->head_sent < c->head_len) {
        u16_t room = altcp_sndbuf(c->pcb);
        size_t n = c->head_len - c->head_sent;
        if (n > room)
            n = room;
        if (n == 0)
            return;
        u8_t flags = TCP_WRITE_FLAG_COPY | (c->body_left ? TCP_WRITE_FLAG_MORE : 0);
        if (altcp_write(c->pcb, c->head + c->head_sent, (u16_t)n, flags) != ERR_OK)
            return; /* queue full: the sent callback continues */
        c->head_sent += n;
    }
    while (c->body_left) {
        u16_t room = altcp_sndbuf(c->pcb);
        uint64_t n = c->body_left < room ? c->body_left : room;
        if (n > HTTPD_WRITE_MAX)
            n = HTTPD_WRITE_MAX;
        if (n == 0)
            return;
        /* By reference: cache bytes and static pages never change. */
        u8_t flags = n < c->body_left ? TCP_WRITE_FLAG_MORE : 0;
        if (altcp_write(c->pcb, c->body, (u16_t)n, flags) != ERR_OK)
            return;
        c->body += n;
        c->body_left -= n;
    }
    c->sending = false;
}

/* Answer what can be answered: queue the current response, then parse and answer the next
 * pipelined requests while the send buffer has room.  Returns false if c was freed. */
static bool process(struct conn *c)
{
    for (;;) {
        if (c->sending) {
            queue_response(c);
            if (c->sending)
                break; /* wait for the sent callback */
            if (c->close_after || drain_requested()) {
                c->close_after = true;
                return close_after_response(c);
            }
        } else if (c->close_after) {
            return close_after_response(c); /* draining: waiting for the last acknowledgement */
        }
        if (!c->in)
            break;
        struct pbuf *p = c->in;
        size_t used = 0;
        if (!httpd_request_in_progress(&c->parser))
            c->request_started = core_time_ns();
        enum httpd_feed_result res =
            httpd_request_feed(&c->parser, (const char *)p->payload, p->len, &used);
        if (used) {
            c->in = pbuf_free_header(c->in, (u16_t)used);
            altcp_recved(c->pcb, (u16_t)used);
        }
        if (res == HTTPD_FEED_REQUEST) {
            respond(c, httpd_request_get(&c->parser));
        } else if (res == HTTPD_FEED_CLOSED) {
            discard_input(c); /* the last request closed the connection: nothing more to parse */
            break;
        }
    }
    altcp_output(c->pcb);
    if (!c->sending && c->peer_closed && !c->in) {
        conn_close(c);
        return false;
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
    c->last_activity = core_time_ns();
    if (!p) {
        c->peer_closed = true;
    } else if (c->in) {
        pbuf_cat(c->in, p);
    } else {
        c->in = p;
    }
    process(c); /* may close and free c: nothing after this touches it */
    return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    struct conn *c = arg;
    if (c) {
        c->last_activity = core_time_ns();
        process(c);
    }
    return ERR_OK;
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
    if (c->sending) {
        /* A client that stops reading holds a response (and its buffers): reset it once the
         * response has made no progress for send_stall_ms. */
        if (now - c->last_activity >= httpd_config->send_stall_ms * 1000000ull) {
            c->w->timeouts++;
            altcp_abort(c->pcb); /* on_err frees c */
            return ERR_ABRT;
        }
        process(c); /* the send buffer may have room that no sent callback announced */
        return ERR_OK;
    }
    bool in_request = httpd_request_in_progress(&c->parser);
    if (drain_requested() && !in_request && !c->in) {
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
    if (c)
        conn_free(c); /* the pcb is already gone */
}

static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
    struct worker *w = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct conn *c = NULL;
    if (w->active < httpd_config->max_conns && !drain_requested())
        c = malloc(sizeof(*c));
    if (!c) {
        w->refused++;
        altcp_abort(pcb); /* RST: refused cleanly, the client sees it at once */
        return ERR_ABRT;
    }
    memset(c, 0, offsetof(struct conn, parser));
    c->w = w;
    c->pcb = pcb;
    c->last_activity = core_time_ns();
    httpd_request_init(&c->parser);
    w->active++;
    set_callbacks(c, true);
    altcp_nagle_disable(pcb);
    return ERR_OK;
}

static void worker_start(unsigned cpu)
{
    if (!netstack_link_has_stack(cpu) || !httpd_config->http_port)
        return;
    struct worker *w = &workers[cpu];
    httpd_clock_init(&w->clock);
    int rc =
        netstack_listen(&w->listener, httpd_config->http_port, HTTPD_LISTEN_BACKLOG, on_accept, w);
    if (rc < 0) {
        log_error("httpd: cannot listen on port %u (%d)", httpd_config->http_port, rc);
        return;
    }
    core_loop_add(&(struct core_poller){.poll = drain_poll, .arg = w, .name = "httpd-drain"});
    __atomic_store_n(&w->started, true, __ATOMIC_RELEASE);
    if (cpu == 0)
        log_info("httpd: serving on port %u", httpd_config->http_port);
}

static void httpd_stats(unsigned cpu, char *buf, size_t len)
{
    if (cpu >= CORE_MAX_CPUS || !__atomic_load_n(&workers[cpu].started, __ATOMIC_ACQUIRE))
        return;
    const struct worker *w = &workers[cpu];
    core_stats_append(buf, len,
                      " reqs=%llu bytes=%llu active=%u err4xx=%llu err5xx=%llu refused=%llu "
                      "timeouts=%llu",
                      (unsigned long long)w->reqs, (unsigned long long)w->bytes, w->active,
                      (unsigned long long)w->err4xx, (unsigned long long)w->err5xx,
                      (unsigned long long)w->refused, (unsigned long long)w->timeouts);
}

void httpd_server_drain(void)
{
    __atomic_store_n(&draining, true, __ATOMIC_RELEASE);
    for (unsigned cpu = 0; cpu < core_ncpus; cpu++)
        core_loop_kick(cpu);
}

bool httpd_server_drained(void)
{
    for (unsigned cpu = 0; cpu < core_ncpus; cpu++)
        if (__atomic_load_n(&workers[cpu].started, __ATOMIC_ACQUIRE) &&
            !__atomic_load_n(&workers[cpu].drained, __ATOMIC_ACQUIRE))
            return false;
    return true;
}

static const struct core_drain_participant drain_participant = {
    .name = "httpd", .begin = httpd_server_drain, .done = httpd_server_drained};

int httpd_server_boot(void)
{
    int rc = httpd_files_build(); /* logged */
    if (rc < 0)
        return rc;
    core_stats_register(httpd_stats);
    core_drain_register(&drain_participant);
    core_loop_on_each_cpu(worker_start);
    return 0;
}
