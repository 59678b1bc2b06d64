/* The access log (httpd/log.h). */
#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"
#include "core/time.h"
#include "httpd/config.h"
#include "httpd/log.h"

#define NS_PER_S 1000000000ull

/* Start a new second if now_s (seconds since boot) is one: log how many lines the last ones
 * left out. */
static void tick(struct httpd_log *l, uint32_t now_s)
{
    if (l->second == now_s)
        return;
    l->second = now_s;
    l->count = 0;
    if (l->limited != l->reported) { /* at most once a second, and only while it grows */
        log_warn("httpd: %llu access log lines not written (over %u/s per core or %u/s per "
                 "client)",
                 (unsigned long long)(l->limited - l->reported), httpd_config->log_rate,
                 httpd_config->log_client_rate);
        l->reported = l->limited;
    }
}

static void report_due(void *arg)
{
    tick(arg, (uint32_t)(core_time_ns() / NS_PER_S));
}

/* Whether one more line may be written now, counting it if so. */
static bool allow(struct httpd_log *l, uint32_t peer, uint32_t now_s)
{
    tick(l, now_s);
    /* Fibonacci hashing of the address picks the client's slot. */
    struct httpd_log_client *c =
        &l->clients[(uint32_t)(peer * 2654435769u) % HTTPD_LOG_CLIENT_SLOTS];
    if (c->addr != peer || c->second != now_s) {
        c->addr = peer;
        c->second = now_s;
        c->count = 0;
    }
    if (l->count >= httpd_config->log_rate || c->count >= httpd_config->log_client_rate) {
        l->limited++;
        if (!l->report.pending) /* report even if no further line comes */
            core_timer_add(&l->report, ((uint64_t)now_s + 1) * NS_PER_S, report_due, l);
        return false;
    }
    l->count++;
    c->count++;
    return true;
}

void httpd_log_access(struct httpd_log *l, uint32_t peer, const char *date,
                      const struct httpd_request *req, unsigned status, uint64_t bytes)
{
    if (!allow(l, peer, (uint32_t)(core_time_ns() / NS_PER_S)))
        return;
    char addr[16] = "-";
    if (peer != 0) {
        /* Four decimal bytes: at most 15 characters, never cut. */
        unsigned a = peer & 0xff, b = (peer >> 8) & 0xff, c = (peer >> 16) & 0xff, d = peer >> 24;
        char *p = addr;
        unsigned parts[4] = {a, b, c, d};
        for (int i = 0; i < 4; i++) {
            unsigned v = parts[i];
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
            if (i < 3)
                *p++ = '.';
        }
        *p = '\0';
    }
    /* The target as sent, escaped so that a '"' or a control byte cannot end the field or the
     * line; cut (marked "...") to keep the line within one log line. */
    char target[200];
    if (req->status)
        target[0] = '-', target[1] = '\0';
    else
        core_log_escape(target, sizeof(target), req->target, req->target_len);
    const char *method = req->method == HTTPD_METHOD_GET    ? "GET"
                         : req->method == HTTPD_METHOD_HEAD ? "HEAD"
                                                            : "-";
    log_info("%s - - [%s] \"%s %s HTTP/1.%u\" %u %llu", addr, date, method, target,
             req->version_minor, status, (unsigned long long)bytes);
}
