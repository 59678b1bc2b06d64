/*
 * httpd's command-line keys (documented in httpd/config.c).  Parsed at boot by
 * core_config_parse() on core 0; read-only afterwards, any core.
 */
#ifndef HTTPD_CONFIG_H
#define HTTPD_CONFIG_H

#include <stdint.h>

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
    uint32_t send_stall_ms;     /* send_stall_ms=: how long a response may make no progress
                                   (the client reads nothing) before the connection is reset */
    uint32_t max_reqs;          /* max_reqs=: requests served on one connection, then close */
    enum httpd_config_log log;  /* log=: which requests are logged */
};

extern const struct httpd_config *const httpd_config;

#endif
