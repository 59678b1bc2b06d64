/* The counters of netstack/tcpguard.c in `stats` and /metrics (kernel only: the host tests
 * that link tcpguard.c have no stats table). */
#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/stats.h"
#include "netstack/tcpguard.h"

enum { G_COOKIES, G_COOKIES_OK, G_COOKIES_BAD, G_TW_REUSED, G_NFIELDS };

static const struct core_stats_field guard_fields[G_NFIELDS] = {
    [G_COOKIES] = {"syn_cookies", "toril_tcp_syn_cookies_total", "result=\"sent\"",
                   "SYN cookies: sent (listen backlog full), accepted, refused.",
                   CORE_STATS_COUNTER, 1},
    [G_COOKIES_OK] = {"syn_cookies_ok", "toril_tcp_syn_cookies_total", "result=\"accepted\"", NULL,
                      CORE_STATS_COUNTER, 1},
    [G_COOKIES_BAD] = {"syn_cookies_bad", "toril_tcp_syn_cookies_total", "result=\"refused\"", NULL,
                       CORE_STATS_COUNTER, 1},
    [G_TW_REUSED] = {"tw_reused", "toril_tcp_time_wait_reused_total", NULL,
                     "TIME_WAIT connections freed early because the list was full.",
                     CORE_STATS_COUNTER, 1},
};

static bool guard_read(unsigned cpu, enum core_stats_view view, uint64_t *v)
{
    if (cpu >= CORE_MAX_CPUS)
        return false;
    const struct netstack_tcpguard_counters *g = netstack_tcpguard_counters(cpu);
    v[G_COOKIES] = __atomic_load_n(&g->cookies, __ATOMIC_RELAXED);
    v[G_COOKIES_OK] = __atomic_load_n(&g->cookies_ok, __ATOMIC_RELAXED);
    v[G_COOKIES_BAD] = __atomic_load_n(&g->cookies_bad, __ATOMIC_RELAXED);
    v[G_TW_REUSED] = __atomic_load_n(&g->tw_reused, __ATOMIC_RELAXED);
    return true;
}

static const struct core_stats_source guard_source = {
    .fields = guard_fields, .nfields = G_NFIELDS, .per_cpu = true, .read = guard_read};

void netstack_tcpguard_boot(void)
{
    core_stats_add(&guard_source);
}
