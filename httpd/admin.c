/*
 * The admin endpoint (see admin.h) on lwIP's altcp API, one listener per core.
 *
 * A connection carries one request: it is read up to the end of its headers (at most
 * HTTPD_ADMIN_REQUEST_MAX bytes), answered with "Connection: close", and closed once the answer
 * is queued.  The request line is checked strictly and by hand: two fixed paths do not need the
 * site's parser, and keeping this apart keeps the site's connection layer free of admin code.
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
#include "httpd/admin.h"
#include "httpd/config.h"
#include "httpd/limits.h"
#include "lwip/netif.h"
#include "netstack/link.h"
#include "netstack/netstack.h"

#ifndef TORIL_VERSION
#define TORIL_VERSION "unknown" /* the build passes git describe (httpd/server.mk) */
#endif

#define ADMIN_BACKLOG      16
#define ADMIN_POLL         2 /* poll callback every 1 s (units of lwIP's 500 ms timer) */
#define ADMIN_METRICS_SLACK 1024 /* counters may grow digits between sizing and writing */

struct admin_worker {
    struct altcp_pcb *listener;
    unsigned conns; /* open admin connections; this core only */
};

struct admin_conn {
    struct admin_worker *w;
    struct altcp_pcb *pcb;
    uint64_t accepted;   /* core_time_ns() at accept: the whole exchange is bounded */
    char *out;           /* the answer (heap), copied into TCP as room allows */
    size_t out_len, out_sent;
    size_t req_len;      /* bytes of req held */
    bool answered;       /* out holds the whole answer; input is ignored from here */
    char req[HTTPD_ADMIN_REQUEST_MAX];
};

/* Each core's entry, written by that core only. */
static struct admin_worker workers[CORE_MAX_CPUS];

/* Content facts, frozen at boot (the cache never changes after it). */
static uint64_t content_files, content_bytes;

/* ---- machine-wide metrics --------------------------------------------------------------- */

enum { M_UPTIME, M_FILES, M_BYTES, M_DRAINING, M_BUILD, M_NFIELDS };

static const struct core_stats_field machine_fields[M_NFIELDS] = {
    [M_UPTIME] = {NULL, "toril_uptime_seconds", NULL, "Time since the guest booted.",
                  CORE_STATS_GAUGE, 1000000},
    [M_FILES] = {NULL, "toril_content_files", NULL, "Files served from the content cache.",
                 CORE_STATS_GAUGE, 1},
    [M_BYTES] = {NULL, "toril_content_bytes", NULL, "Bytes of those files.", CORE_STATS_GAUGE,
                 1},
    [M_DRAINING] = {NULL, "toril_draining", NULL,
                    "1 once a drain has begun (no new connections; power-off follows).",
                    CORE_STATS_GAUGE, 1},
    [M_BUILD] = {NULL, "toril_build_info", "version=\"" TORIL_VERSION "\"",
                 "The kernel's version (always 1).", CORE_STATS_GAUGE, 1},
};

static bool machine_read(unsigned cpu, enum core_stats_view view, uint64_t *v)
{
    v[M_UPTIME] = core_time_ns() / 1000;
    v[M_FILES] = content_files;
    v[M_BYTES] = content_bytes;
    v[M_DRAINING] = core_drain_active();
    v[M_BUILD] = 1;
    return true;
}

static const struct core_stats_source machine_source = {
    .fields = machine_fields, .nfields = M_NFIELDS, .per_cpu = false, .read = machine_read};

/* ---- connections -------------------------------------------------------------------------- */

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len);
static err_t on_poll(void *arg, struct altcp_pcb *pcb);
static void on_err(void *arg, err_t err);

static void set_callbacks(struct admin_conn *c, bool on)
{
    altcp_arg(c->pcb, on ? c : NULL);
    altcp_recv(c->pcb, on ? on_recv : NULL);
    altcp_sent(c->pcb, on ? on_sent : NULL);
    altcp_err(c->pcb, on ? on_err : NULL);
    altcp_poll(c->pcb, on ? on_poll : NULL, ADMIN_POLL);
}

static void conn_free(struct admin_conn *c)
{
    c->w->conns--;
    free(c->out);
    free(c);
}

/* FIN after what is queued.  Callbacks first: a successful close frees the pcb at once. */
static void conn_close(struct admin_conn *c)
{
    set_callbacks(c, false);
    if (altcp_close(c->pcb) != ERR_OK) {
        altcp_abort(c->pcb); /* no memory for the FIN: reset rather than leak */
    }
    conn_free(c);
}

/* Copy as much of the answer into TCP as it takes; close once all is queued.
 * Returns false if c was freed. */
static bool flush(struct admin_conn *c)
{
    while (c->out_sent < c->out_len) {
        size_t n = c->out_len - c->out_sent;
        u16_t room = altcp_sndbuf(c->pcb);
        if (n > room)
            n = room;
        if (n == 0 || altcp_write(c->pcb, c->out + c->out_sent, (u16_t)n,
                                  TCP_WRITE_FLAG_COPY) != ERR_OK)
            break; /* the sent callback continues */
        c->out_sent += n;
    }
    altcp_output(c->pcb);
    if (c->out_sent < c->out_len)
        return true;
    conn_close(c);
    return false;
}

/* Put the whole answer in c->out (heap): status line, headers, and body_len bytes of body unless
 * head_only (HEAD: the same headers, no body).  Returns 0, -ENOSPC or -ENOMEM. */
static int answer(struct admin_conn *c, unsigned status, const char *reason, const char *type,
                  bool head_only, const char *body, size_t body_len)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %u %s\r\nServer: toril\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                     "Connection: close\r\n\r\n",
                     status, reason, type, body_len);
    if (n < 0 || (size_t)n >= sizeof(head))
        return -ENOSPC;
    size_t total = (size_t)n + (head_only ? 0 : body_len);
    c->out = malloc(total ? total : 1);
    if (!c->out)
        return -ENOMEM;
    memcpy(c->out, head, (size_t)n);
    if (!head_only)
        memcpy(c->out + n, body, body_len);
    c->out_len = total;
    c->answered = true;
    return 0;
}

static int answer_metrics(struct admin_conn *c, bool head_only)
{
    size_t need = core_stats_metrics(NULL, 0);
    size_t cap = need + ADMIN_METRICS_SLACK;
    char *text = malloc(cap);
    if (!text)
        return -ENOMEM;
    size_t len = core_stats_metrics(text, cap);
    int rc = len >= cap ? -ENOSPC /* grew past the slack: cannot happen in 1 KiB of digits */
                        : answer(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                                 head_only, text, len);
    free(text);
    return rc;
}

static int answer_healthz(struct admin_conn *c, bool head_only)
{
    if (core_drain_active())
        return answer(c, 503, "Service Unavailable", "text/plain; charset=utf-8", head_only,
                      "draining\n", 9);
    return answer(c, 200, "OK", "text/plain; charset=utf-8", head_only, "ok\n", 3);
}

/* The request line: "GET <path> HTTP/1.x" or HEAD; anything else is refused plainly. */
static int respond(struct admin_conn *c)
{
    const char *r = c->req;
    bool head_only = false;
    size_t off;
    if (c->req_len >= 4 && memcmp(r, "GET ", 4) == 0) {
        off = 4;
    } else if (c->req_len >= 5 && memcmp(r, "HEAD ", 5) == 0) {
        off = 5;
        head_only = true;
    } else {
        return answer(c, 405, "Method Not Allowed", "text/plain; charset=utf-8", false,
                      "GET only\n", 9);
    }
    static const struct {
        const char *path;
        int (*fn)(struct admin_conn *, bool);
    } routes[] = {{"/metrics", answer_metrics}, {"/healthz", answer_healthz}};
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        size_t n = strlen(routes[i].path);
        if (c->req_len >= off + n + 9 && memcmp(r + off, routes[i].path, n) == 0 &&
            (memcmp(r + off + n, " HTTP/1.1\r", 10) == 0 ||
             memcmp(r + off + n, " HTTP/1.0\r", 10) == 0))
            return routes[i].fn(c, head_only);
    }
    return answer(c, 404, "Not Found", "text/plain; charset=utf-8", head_only,
                  "/metrics or /healthz\n", 21);
}

/* Whether the request's headers are complete (an empty line after the request line). */
static bool headers_done(const struct admin_conn *c)
{
    for (size_t i = 0; i + 4 <= c->req_len; i++)
        if (memcmp(c->req + i, "\r\n\r\n", 4) == 0)
            return true;
    return false;
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct admin_conn *c = arg;
    if (!c) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    if (!p) { /* the client closed before its request was complete: nothing to answer */
        if (!c->answered)
            conn_close(c);
        return ERR_OK;
    }
    altcp_recved(pcb, p->tot_len);
    if (!c->answered) {
        size_t room = sizeof(c->req) - c->req_len;
        size_t n = p->tot_len < room ? p->tot_len : room;
        pbuf_copy_partial(p, c->req + c->req_len, (u16_t)n, 0);
        c->req_len += n;
    }
    bool too_big = !c->answered && !headers_done(c) && c->req_len == sizeof(c->req);
    pbuf_free(p);
    if (c->answered)
        return ERR_OK; /* more bytes after the request: ignored */
    int rc = 0;
    if (too_big)
        rc = answer(c, 431, "Request Header Fields Too Large", "text/plain; charset=utf-8",
                    false, "too large\n", 10);
    else if (headers_done(c))
        rc = respond(c);
    else
        return ERR_OK; /* wait for the rest */
    if (rc < 0) {
        log_warn("admin: cannot answer (%d)", rc);
        altcp_abort(pcb); /* on_err frees c */
        return ERR_ABRT;
    }
    flush(c);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    struct admin_conn *c = arg;
    if (c && c->answered)
        flush(c);
    return ERR_OK;
}

static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
    struct admin_conn *c = arg;
    if (!c)
        return ERR_OK;
    if (core_time_ns() - c->accepted >= HTTPD_ADMIN_TIMEOUT_MS * 1000000ull) {
        altcp_abort(pcb); /* slow or stuck client: on_err frees c */
        return ERR_ABRT;
    }
    if (c->answered)
        flush(c);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    struct admin_conn *c = arg;
    if (c)
        conn_free(c); /* the pcb is already gone */
}

/* admin_allow=: the peer's address against the configured prefix, or against this core's
 * interface subnet (its address and netmask: static or from DHCP). */
static bool peer_allowed(struct altcp_pcb *pcb)
{
    ip_addr_t addr;
    u16_t port;
    if (altcp_get_tcp_addrinfo(pcb, 0, &addr, &port) != ERR_OK)
        return false;
    uint32_t peer = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&addr)));
    uint32_t net, mask;
    if (httpd_config->admin_allow_subnet) {
        if (!netif_default)
            return false;
        net = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(netif_default)));
        mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(netif_default)));
        if (mask == 0)
            return false; /* no address yet (DHCP): nobody is inside */
    } else {
        uint8_t len = httpd_config->admin_allow.len;
        net = httpd_config->admin_allow.addr;
        mask = len == 0 ? 0 : ~0u << (32 - len);
    }
    return ((peer ^ net) & mask) == 0;
}

static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
    struct admin_worker *w = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct admin_conn *c = NULL;
    if (peer_allowed(pcb) && w->conns < HTTPD_ADMIN_CONNS_MAX)
        c = malloc(sizeof(*c));
    if (!c) {
        altcp_abort(pcb); /* outside admin_allow, or too many: reset, nothing answered */
        return ERR_ABRT;
    }
    memset(c, 0, offsetof(struct admin_conn, req));
    c->w = w;
    c->pcb = pcb;
    c->accepted = core_time_ns();
    w->conns++;
    set_callbacks(c, true);
    altcp_nagle_disable(pcb);
    return ERR_OK;
}

static void admin_start(unsigned cpu)
{
    if (!netstack_link_has_stack(cpu))
        return;
    struct admin_worker *w = &workers[cpu];
    int rc = netstack_listen(&w->listener, httpd_config->admin_port, ADMIN_BACKLOG, on_accept, w);
    if (rc < 0) {
        log_error("admin: cannot listen on port %u (%d)", httpd_config->admin_port, rc);
        return;
    }
    if (cpu == 0)
        log_info("admin: /metrics and /healthz on port %u", httpd_config->admin_port);
}

void httpd_admin_boot(void)
{
    size_t n = content_cache_count();
    for (size_t i = 0; i < n; i++) {
        const struct content_file *f = content_cache_file(i);
        if (f) {
            content_files++;
            content_bytes += f->size;
        }
    }
    core_stats_add(&machine_source);
    if (httpd_config->admin_port)
        core_loop_on_each_cpu(admin_start);
}
