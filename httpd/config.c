/*
 * httpd's command-line keys (the syntax of each type and the handling of bad values:
 * core/cmdline.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "httpd/config.h"
#include "httpd/limits.h"

static const struct httpd_config defaults = {
    .http_port = 80,
    .https_port = 443,
    .max_conns = 1024,
    .keepalive_ms = 5000,
    .header_timeout_ms = 10000,
    .send_stall_ms = 10000,
    .max_reqs = 1000,
    .conn_mem_pct = HTTPD_CONN_MEM_PCT,
    .send_min_bytes = HTTPD_SEND_MIN_PROGRESS,
    .log_rate = HTTPD_LOG_LINES_PER_S,
    .log_client_rate = HTTPD_LOG_CLIENT_LINES_PER_S,
    .log = HTTPD_LOG_ERRORS,
    .https_redirect = false,
    .hsts = 0,
    .max_tls_conns = 256,
    .tls_handshake_ms = 10000,
    .admin_port = 0,
    .admin_allow_subnet = true,
};

static const char *const log_names[] = {
    [HTTPD_LOG_OFF] = "off",
    [HTTPD_LOG_ERRORS] = "errors",
    [HTTPD_LOG_ALL] = "all",
    NULL,
};

#define FIELD(member) CORE_CMDLINE_FIELD(struct httpd_config, member)

static const struct core_cmdline_opt options[] = {
    /*
     * http_port=<port>               default 80, 0..65535 (0: no plain HTTP)
     */
    {.name = "http_port", .type = CORE_CMDLINE_UINT, FIELD(http_port), .min = 0, .max = 65535},
    /*
     * https_port=<port>              default 443, 0..65535 (0: no HTTPS)
     *   HTTPS is served only when a key and certificate are given to the VM.
     */
    {.name = "https_port", .type = CORE_CMDLINE_UINT, FIELD(https_port), .min = 0, .max = 65535},
    /*
     * max_conns=<n>                  default 1024, 1..65535
     *   Open connections per core; a core refuses new ones beyond it (reset, counted).
     */
    {.name = "max_conns", .type = CORE_CMDLINE_UINT, FIELD(max_conns), .min = 1, .max = 65535},
    /*
     * keepalive_ms=<ms>              default 5000, 0..3600000 (0: close after each response)
     *   How long an idle keep-alive connection waits for its next request.
     */
    {.name = "keepalive_ms",
     .type = CORE_CMDLINE_UINT,
     FIELD(keepalive_ms),
     .min = 0,
     .max = 3600000},
    /*
     * header_timeout_ms=<ms>         default 10000, 1..600000
     *   Time allowed from a request's first byte to the end of its headers (slow clients are
     *   closed: no slowloris).
     */
    {.name = "header_timeout_ms",
     .type = CORE_CMDLINE_UINT,
     FIELD(header_timeout_ms),
     .min = 1,
     .max = 600000},
    /*
     * send_stall_ms=<ms>             default 10000, 1..600000
     *   The send-progress window: while a response is outstanding, a client must acknowledge
     *   at least HTTPD_SEND_MIN_PROGRESS (10 KiB) in every window of this length, else it is
     *   reset (slow_readers=) -- unless the server itself held the data back (its own transmit
     *   backlog or congestion window), which is never the client's fault.
     */
    {.name = "send_stall_ms",
     .type = CORE_CMDLINE_UINT,
     FIELD(send_stall_ms),
     .min = 1,
     .max = 600000},
    /*
     * max_reqs=<n>                   default 1000, 1..4294967295
     *   Requests served on one connection before it is closed (nginx's keepalive_requests).
     */
    {.name = "max_reqs", .type = CORE_CMDLINE_UINT, FIELD(max_reqs), .min = 1, .max = UINT32_MAX},
    /*
     * conn_mem_pct=<percent>         default 50, 1..90
     *   Share of the memory free at boot that connections may use, split evenly between
     *   cores; a core refuses new connections (reset, refused_mem=) once its share is used.
     */
    {.name = "conn_mem_pct", .type = CORE_CMDLINE_UINT, FIELD(conn_mem_pct), .min = 1, .max = 90},
    /*
     * send_min_bytes=<bytes>         default 10240, 1..16777216
     *   Bytes a client must acknowledge in every send_stall_ms window while a response is
     *   outstanding (unless the server held the data back), else it is reset (slow_readers=).
     */
    {.name = "send_min_bytes",
     .type = CORE_CMDLINE_UINT,
     FIELD(send_min_bytes),
     .min = 1,
     .max = 16u << 20},
    /*
     * log_rate=<lines>               default 50, 0..100000 (0: no access log lines at all)
     * log_client_rate=<lines>        default 5, 0..100000
     *   Access log lines per second per core, and per client address; lines over either are
     *   counted (log_limited=) and their number is logged once a second.
     */
    {.name = "log_rate", .type = CORE_CMDLINE_UINT, FIELD(log_rate), .min = 0, .max = 100000},
    {.name = "log_client_rate",
     .type = CORE_CMDLINE_UINT,
     FIELD(log_client_rate),
     .min = 0,
     .max = 100000},
    /*
     * log=off|errors|all             default errors
     *   Which HTTP requests get a console line: none, those answered 4xx/5xx, or all (slow).
     */
    {.name = "log", .type = CORE_CMDLINE_ENUM, FIELD(log), .names = log_names},
    /*
     * https_redirect=on|off          default off
     *   Plain HTTP answers every request with 301 to https://<Host><target> (the Host the
     *   client sent, its port replaced by https_port unless that is 443).  Only while HTTPS is
     *   actually served: with no usable key, HTTP keeps answering normally.
     */
    {.name = "https_redirect", .type = CORE_CMDLINE_BOOL, FIELD(https_redirect)},
    /*
     * hsts=<seconds>                 default 0 (no header), 0..315360000 (ten years)
     *   Answers over HTTPS carry "Strict-Transport-Security: max-age=<seconds>".
     */
    {.name = "hsts", .type = CORE_CMDLINE_UINT, FIELD(hsts), .min = 0, .max = 315360000},
    /*
     * max_tls_conns=<n>              default 256, 1..65535
     *   TLS connections per core (each holds ~45 KiB of record buffers and state: see
     *   tls/tls.h); a core refuses new ones beyond it (reset, counted as tls_refused).  Keep it
     *   below max_conns so that a flood of TLS handshakes leaves room for plain HTTP.
     */
    {.name = "max_tls_conns",
     .type = CORE_CMDLINE_UINT,
     FIELD(max_tls_conns),
     .min = 1,
     .max = 65535},
    /*
     * tls_handshake_ms=<ms>          default 10000, 100..600000
     *   Time from accepting a TLS connection to the end of its handshake; a handshake still
     *   running then is reset (counted in timeouts and tls_failed).
     */
    {.name = "tls_handshake_ms",
     .type = CORE_CMDLINE_UINT,
     FIELD(tls_handshake_ms),
     .min = 100,
     .max = 600000},
    /*
     * admin_port=<port>              default 0 (off), 0..65535
     *   The admin endpoint: GET /metrics (Prometheus text format) and GET /healthz (200 while
     *   serving, 503 while draining), on every core, apart from the site.
     */
    {.name = "admin_port", .type = CORE_CMDLINE_UINT, FIELD(admin_port), .min = 0, .max = 65535},
    /*
     * admin_allow=<a.b.c.d/N> | subnet   default subnet
     *   Who may use admin_port: an IPv4 prefix, or the guest's own subnet.  Other clients get
     *   their connection reset without a byte of answer.
     */
    {.name = "admin_allow",
     .type = CORE_CMDLINE_IPV4_PREFIX,
     FIELD(admin_allow),
     .word = "subnet",
     .word_flag = offsetof(struct httpd_config, admin_allow_subnet)},
};

static struct httpd_config parsed = defaults;
const struct httpd_config *const httpd_config = &parsed;

CORE_CONFIG_MODULE(httpd, options, parsed, defaults);
