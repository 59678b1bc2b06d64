/*
 * httpd's command-line keys (documented in httpd/config.c).  Parsed at boot by
 * core_config_parse() on core 0; read-only afterwards, any core.
 */
#ifndef HTTPD_CONFIG_H
#define HTTPD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cmdline.h"

/* log=: which HTTP requests get a line on the console. */
enum httpd_config_log {
    HTTPD_LOG_OFF,    /* none */
    HTTPD_LOG_ERRORS, /* requests answered with an error status (4xx, 5xx) */
    HTTPD_LOG_ALL,    /* every request (costly: one console line each) */
};

struct httpd_config {
    uint16_t http_port;         /* http_port=: TCP port of plain HTTP, 0 = off */
    uint16_t https_port;        /* https_port=: TCP port of HTTPS, 0 = off */
    uint32_t max_conns;         /* max_conns=: open connections per core; more are refused */
    uint32_t keepalive_ms;      /* keepalive_ms=: how long an idle keep-alive connection waits
                                   for its next request; 0 = close after each response */
    uint32_t header_timeout_ms; /* header_timeout_ms=: from a request's first byte to the end
                                   of its headers */
    uint32_t send_stall_ms;     /* send_stall_ms=: the send-progress window: a client that
                                   acknowledges too little in it, by its own fault, is reset */
    uint32_t max_reqs;          /* max_reqs=: requests served on one connection, then close */
    uint32_t conn_mem_pct;      /* conn_mem_pct=: share of free memory for connections */
    uint32_t send_min_bytes;    /* send_min_bytes=: bytes to acknowledge per send_stall_ms */
    uint32_t log_rate;          /* log_rate=: access log lines per second per core */
    uint32_t log_client_rate;   /* log_client_rate=: ... and per client address */
    enum httpd_config_log log;  /* log=: which requests are logged */
    bool https_redirect;        /* https_redirect=: plain HTTP answers 301 to the same path on
                                   HTTPS (when HTTPS is served) */
    uint32_t hsts;              /* hsts=: Strict-Transport-Security max-age on HTTPS answers,
                                   seconds; 0 = no header */
    uint32_t max_tls_conns;     /* max_tls_conns=: open TLS connections per core (handshaking
                                   or not); more are refused and counted */
    uint32_t tls_handshake_ms;  /* tls_handshake_ms=: time from accept to the end of the TLS
                                   handshake before the connection is reset */
    uint16_t admin_port;        /* admin_port=: TCP port of /metrics and /healthz, 0 = off */
    struct core_ipv4_prefix admin_allow; /* admin_allow=a.b.c.d/N: who may ask the admin port */
    bool admin_allow_subnet;             /* admin_allow=subnet (default): the guest's own subnet */
};

extern const struct httpd_config *const httpd_config;

#endif
