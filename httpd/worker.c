/*
 * The HTTP worker of each core (httpd/server.h): its start on each core with a network stack
 * (the header buffer, the clock, the listeners), the drain step that closes the listeners and
 * reports when no connection is left, and the counters as a per-core stats source.  What each
 * connection does is httpd/conn.c; httpd/worker.h is what the two share.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "core/drain.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/stats.h"
#include "httpd/budget.h"
#include "httpd/config.h"
#include "httpd/date.h"
#include "httpd/files.h"
#include "httpd/limits.h"
#include "httpd/server.h"
#include "httpd/worker.h"
#include "netstack/link.h"
#include "netstack/netstack.h"
#include "tls/tls.h"

#define HTTPD_LISTEN_BACKLOG 255 /* half-open connections per core's listener */

static struct httpd_worker workers[CORE_MAX_CPUS];
static bool https_on; /* tls_boot() succeeded: set at boot on core 0, read-only afterwards */

bool httpd_worker_https_on(void)
{
    return https_on;
}

/* ---- drain (httpd_server_drain) ---------------------------------------------------------- */

/* Set once by core 0 (httpd_server_drain), read by every core with atomics: never cleared. */
static bool draining;

bool httpd_worker_drain_requested(void)
{
    return __atomic_load_n(&draining, __ATOMIC_ACQUIRE);
}

/* Each core's drain step, in its main loop: close the listeners (new connections are then
 * refused by TCP), and say so once no connection is left.  Idle keep-alive connections are
 * closed by their poll callback, busy ones after their current response. */
static bool drain_poll(void *arg)
{
    struct httpd_worker *w = arg;
    if (!httpd_worker_drain_requested() || w->drained)
        return false;
    for (size_t i = 0; i < HTTPD_LISTENERS; i++)
        if (w->listeners[i]) {
            netstack_listen_close(w->listeners[i]);
            w->listeners[i] = NULL;
        }
    if (w->active == 0) {
        __atomic_store_n(&w->drained, true, __ATOMIC_RELEASE);
        log_info("httpd: drained, no connection left");
    }
    return false;
}

/* The listeners every core opens: each a port from the configuration and the accept callback
 * for its connections (HTTPS joins with its own port and callback). */
struct listener_spec {
    const char *name;
    uint16_t port;
    altcp_accept_fn accept;
    bool tls; /* HTTPS: this core's own TLS configuration (tls/tls.h), built here */
};

static int listen_on(const struct listener_spec *spec, struct httpd_worker *w,
                     struct altcp_pcb **out, unsigned cpu)
{
    int rc = spec->tls ? tls_listen(out, spec->port, HTTPD_LISTEN_BACKLOG, spec->accept, w)
                       : netstack_listen(out, spec->port, HTTPD_LISTEN_BACKLOG, spec->accept, w);
    if (rc < 0) {
        log_error("httpd: cannot listen on port %u (%s): %d", spec->port, spec->name, rc);
        return rc;
    }
    if (cpu == 0)
        log_info("httpd: serving on port %u (%s)", spec->port, spec->name);
    return 0;
}

static void worker_start(unsigned cpu)
{
    if (!netstack_link_has_stack(cpu))
        return;
    const struct listener_spec specs[HTTPD_LISTENERS] = {
        {"HTTP", httpd_config->http_port, httpd_conn_accept, false},
        {"HTTPS", https_on ? httpd_config->https_port : 0, httpd_conn_accept_tls, true},
    };
    struct httpd_worker *w = &workers[cpu];
    httpd_clock_init(&w->clock);
    w->head = malloc(HTTPD_RESPONSE_HEADER_MAX); /* this core's heap */
    if (!w->head) {
        log_error("httpd: cpu%u: no memory for its worker", cpu);
        return;
    }
    httpd_budget_start();
    unsigned listening = 0;
    for (size_t i = 0; i < HTTPD_LISTENERS; i++)
        if (specs[i].accept && specs[i].port &&
            listen_on(&specs[i], w, &w->listeners[i], cpu) == 0)
            listening++;
    if (listening) {
        core_loop_add(&(struct core_poller){.poll = drain_poll, .arg = w, .name = "httpd-drain"});
        __atomic_store_n(&w->started, true, __ATOMIC_RELEASE);
    }
}

enum {
    ST_REQS, ST_2XX, ST_3XX, ST_4XX, ST_5XX, ST_BYTES, ST_ACTIVE, ST_REFUSED, ST_REFUSED_MEM, ST_TIMEOUTS,
    ST_SLOW_READERS, ST_CLOSED_LIMIT, ST_LOG_LIMITED, ST_CONN_MEM, ST_NFIELDS
};

static const struct core_stats_field httpd_fields[ST_NFIELDS] = {
    /* Requests by status class: one metric family with a code label; the console line keeps
     * its total (reqs=) and the error classes (err4xx= err5xx=). */
    [ST_REQS] = {"reqs", NULL, NULL, NULL, CORE_STATS_COUNTER, 1},
    [ST_2XX] = {NULL, "toril_http_requests_total", "code=\"2xx\"",
                "HTTP requests answered, by status class.", CORE_STATS_COUNTER, 1},
    [ST_3XX] = {NULL, "toril_http_requests_total", "code=\"3xx\"", NULL, CORE_STATS_COUNTER, 1},
    [ST_4XX] = {"err4xx", "toril_http_requests_total", "code=\"4xx\"", NULL, CORE_STATS_COUNTER,
                1},
    [ST_5XX] = {"err5xx", "toril_http_requests_total", "code=\"5xx\"", NULL, CORE_STATS_COUNTER,
                1},
    [ST_BYTES] = {"bytes", "toril_http_response_bytes_total", NULL,
                  "Bytes of response headers and bodies queued.", CORE_STATS_COUNTER, 1},
    [ST_ACTIVE] = {"active", "toril_http_connections", NULL, "Open HTTP connections.",
                   CORE_STATS_GAUGE, 1},
    [ST_REFUSED] = {"refused", "toril_http_refused_total", "reason=\"max_conns\"",
                    "Connections refused (reset) at accept.", CORE_STATS_COUNTER, 1},
    [ST_REFUSED_MEM] = {"refused_mem", "toril_http_refused_total", "reason=\"memory\"", NULL,
                        CORE_STATS_COUNTER, 1},
    [ST_TIMEOUTS] = {"timeouts", "toril_http_timeouts_total", NULL,
                     "Connections closed by a timeout (idle, header read, send progress).",
                     CORE_STATS_COUNTER, 1},
    [ST_SLOW_READERS] = {"slow_readers", "toril_http_slow_readers_total", NULL,
                         "Connections reset because the client took too little of a response.",
                         CORE_STATS_COUNTER, 1},
    [ST_CLOSED_LIMIT] = {"closed_limit", "toril_http_closed_limit_total", NULL,
                         "Connections closed because a per-connection need found no memory.",
                         CORE_STATS_COUNTER, 1},
    [ST_LOG_LIMITED] = {"log_limited", "toril_http_log_limited_total", NULL,
                        "Access log lines not written (rate limits).", CORE_STATS_COUNTER, 1},
    [ST_CONN_MEM] = {"conn_mem", "toril_http_connection_memory_bytes", NULL,
                     "Heap the core's connections hold (live allocations since its worker "
                     "started), against its budget.",
                     CORE_STATS_GAUGE, 1},
};

static bool httpd_read(unsigned cpu, enum core_stats_view view, uint64_t *v)
{
    if (cpu >= CORE_MAX_CPUS || !__atomic_load_n(&workers[cpu].started, __ATOMIC_ACQUIRE))
        return false;
    const struct httpd_worker *w = &workers[cpu];
    v[ST_REQS] = w->ok2xx + w->redir3xx + w->err4xx + w->err5xx;
    v[ST_2XX] = w->ok2xx;
    v[ST_3XX] = w->redir3xx;
    v[ST_BYTES] = w->bytes;
    v[ST_ACTIVE] = w->active;
    v[ST_4XX] = w->err4xx;
    v[ST_5XX] = w->err5xx;
    v[ST_REFUSED] = w->refused;
    v[ST_REFUSED_MEM] = w->refused_mem;
    v[ST_TIMEOUTS] = w->timeouts;
    v[ST_SLOW_READERS] = w->slow_readers;
    v[ST_CLOSED_LIMIT] = w->closed_limit;
    v[ST_LOG_LIMITED] = w->log.limited;
    v[ST_CONN_MEM] = httpd_budget_used(cpu);
    return true;
}

static const struct core_stats_source httpd_source = {
    .fields = httpd_fields, .nfields = ST_NFIELDS, .per_cpu = true, .read = httpd_read};

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
    httpd_budget_boot(core_ncpus);
    core_stats_add(&httpd_source);
    core_drain_register(&drain_participant);
    /* HTTPS only with entropy and a usable key and certificate; tls_boot() logs why not. */
    if (httpd_config->https_port)
        https_on = tls_boot() == 0;
    core_loop_on_each_cpu(worker_start);
    return 0;
}
