/*
 * The access log (httpd/log.c): one Common Log Format line per request that log= selects, every
 * field from the client escaped (core_log_escape), at most log_rate= lines per second per core
 * and log_client_rate= per client address (HTTPD_LOG_LINES_PER_S, _CLIENT_LINES_PER_S); lines over either rate
 * are counted, not written (log_limited=), and the count is logged once a second while it grows
 * (at the next second: from the next line attempted, or a one-shot timer).
 *
 * Context: the main loop of the core that owns `l`.
 */
#ifndef HTTPD_LOG_H
#define HTTPD_LOG_H

#include <stdint.h>

#include "core/timer.h"
#include "httpd/limits.h"
#include "httpd/request.h"

struct httpd_log_client {
    uint32_t addr;   /* IPv4 address (network order) that used the slot last */
    uint32_t second; /* the second its count is for */
    uint32_t count;  /* lines written for it in that second */
};

/* One core's access-log state. */
struct httpd_log {
    uint32_t second;          /* the second `count` is for (seconds since boot) */
    uint32_t count;           /* lines written in it */
    uint64_t limited;         /* lines not written because of a rate (stats: log_limited=) */
    uint64_t reported;        /* `limited` when it was last reported in the log */
    struct core_timer report; /* armed for the next second while lines were left out */
    struct httpd_log_client clients[HTTPD_LOG_CLIENT_SLOTS];
};

/*
 * Log one answered request: peer address (IPv4, network order; 0 when unknown), the Date
 * string of the response, the request (target escaped; "-" for a request refused before its
 * target was known), status and body bytes.
 */
void httpd_log_access(struct httpd_log *l, uint32_t peer, const char *date,
                      const struct httpd_request *req, unsigned status, uint64_t bytes);

#endif
