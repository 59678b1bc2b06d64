/* Per-core start-up and main-loop glue of the network stacks (see start.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/stats.h"
#include "core/timer.h"
#include "netstack/echo.h"
#include "netstack/limits.h"
#include "netstack/netif.h"
#include "netstack/replicate.h"
#include "netstack/start.h"

#define RX_REPL_BUDGET 64 /* replicated frames taken per main-loop pass */

/* One core's glue.  Each element is written by its core only (the stats line reads
 * classified_drops from core 0: aligned 64-bit load). */
struct netstack_core {
    _Alignas(64) const struct netstack_if_ops *nif; /* NULL: no stack on this core */
    unsigned cpu;
    struct core_timer timer;   /* the one-shot for the instance's next lwIP timer */
    uint64_t armed;            /* deadline `timer` is armed for, NETSTACK_NO_DEADLINE: none */
    uint32_t lease_seen;       /* lease.gen last applied */
    uint64_t classified_drops; /* frames the classifier dropped on this core */
};
static struct netstack_core cores[NETSTACK_MAX_CPUS];

/*
 * The DHCP lease, written by the DHCP owner core and read by the others: a sequence lock
 * (gen odd while being written; readers retry on a change).  Each core compares gen with the
 * last one it applied from its poller.
 */
static struct {
    uint32_t gen;
    uint32_t ip, netmask, gw;
} lease;

static void lease_publish(void *ctx, uint32_t ip, uint32_t netmask, uint32_t gw)
{
    uint32_t g = __atomic_load_n(&lease.gen, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.gen, g + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&lease.ip, ip, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.netmask, netmask, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.gw, gw, __ATOMIC_RELAXED);
    __atomic_store_n(&lease.gen, g + 2, __ATOMIC_RELEASE);
    log_info("netstack: address %u.%u.%u.%u/%u.%u.%u.%u gw %u.%u.%u.%u", ip >> 24, ip >> 16 & 255,
             ip >> 8 & 255, ip & 255, netmask >> 24, netmask >> 16 & 255, netmask >> 8 & 255,
             netmask & 255, gw >> 24, gw >> 16 & 255, gw >> 8 & 255, gw & 255);
    for (unsigned c = 0; c < NETSTACK_MAX_CPUS && c < core_ncpus; c++)
        if (c != NETSTACK_REPL_OWNER_CPU)
            core_loop_kick(c);
}

/* Apply a newer lease to this core's instance; true when one was applied. */
static bool lease_apply(struct netstack_core *nc)
{
    uint32_t g1 = __atomic_load_n(&lease.gen, __ATOMIC_ACQUIRE);
    if (g1 == nc->lease_seen || (g1 & 1))
        return false;
    uint32_t ip = __atomic_load_n(&lease.ip, __ATOMIC_RELAXED);
    uint32_t mask = __atomic_load_n(&lease.netmask, __ATOMIC_RELAXED);
    uint32_t gw = __atomic_load_n(&lease.gw, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&lease.gen, __ATOMIC_RELAXED) != g1)
        return true; /* torn: come back on the next pass */
    nc->nif->set_addr(ip, mask, gw);
    nc->lease_seen = g1;
    return true;
}

static void timer_fired(void *arg)
{
    /* Nothing to do here: the main loop runs the pollers next, and ours runs lwIP's timers. */
}

/* Keep the core's one-shot armed for the instance's next deadline. */
static void rearm(struct netstack_core *nc, uint64_t deadline)
{
    if (deadline == nc->armed && (deadline == NETSTACK_NO_DEADLINE || nc->timer.pending))
        return;
    nc->armed = deadline;
    if (deadline == NETSTACK_NO_DEADLINE)
        core_timer_cancel(&nc->timer);
    else
        core_timer_add(&nc->timer, deadline, timer_fired, nc);
}

static void deliver(void *ctx, const uint8_t *frame, size_t len)
{
    const struct netstack_if_ops *nif = ctx;
    nif->input(frame, len);
}

static bool poll(void *arg)
{
    struct netstack_core *nc = arg;
    bool work = netstack_repl_drain(nc->cpu, deliver, (void *)nc->nif, RX_REPL_BUDGET) > 0;
    work |= lease_apply(nc);
    rearm(nc, nc->nif->poll());
    return work || nc->nif->tx_backlogged();
}

/* Before halting (interrupts off): input the driver's poller handled after ours may have
 * started a timer, so arm for the latest deadline; stay awake when frames wait. */
static bool arm(void *arg)
{
    struct netstack_core *nc = arg;
    rearm(nc, nc->nif->poll());
    return netstack_repl_pending(nc->cpu) || nc->nif->tx_backlogged() ||
           __atomic_load_n(&lease.gen, __ATOMIC_ACQUIRE) != nc->lease_seen;
}

void netstack_rx(void *ctx, const uint8_t *frame, size_t len)
{
    unsigned cpu = core_cpu_id();
    if (cpu >= NETSTACK_MAX_CPUS || cores[cpu].nif == NULL)
        return;
    struct netstack_core *nc = &cores[cpu];
    uint32_t ip, mask;

    nc->nif->addr(&ip, &mask);
    switch (netstack_repl_classify(frame, len, ip, mask)) {
    case NETSTACK_REPL_DROP:
        nc->classified_drops++;
        break;
    case NETSTACK_REPL_LOCAL:
        nc->nif->input(frame, len);
        break;
    case NETSTACK_REPL_ALL:
        nc->nif->input(frame, len);
        netstack_repl_fanout(cpu, frame, len);
        break;
    case NETSTACK_REPL_OWNER:
        if (cpu == NETSTACK_REPL_OWNER_CPU)
            nc->nif->input(frame, len);
        else
            netstack_repl_send(cpu, NETSTACK_REPL_OWNER_CPU, frame, len);
        break;
    }
}

static void stats(unsigned cpu, char *buf, size_t len)
{
    const struct netstack_if_ops *nif = netstack_if(cpu);
    if (nif == NULL || cpu >= NETSTACK_MAX_CPUS || cores[cpu].nif == NULL)
        return;
    const struct netstack_counters *c = nif->counters();
    uint64_t drops = c->drops + netstack_repl_drops(cpu) +
                     __atomic_load_n(&cores[cpu].classified_drops, __ATOMIC_RELAXED);
    core_stats_append(buf, len, " rx=%llu tx=%llu drops=%llu conns=%llu", (unsigned long long)c->rx,
                      (unsigned long long)c->tx, (unsigned long long)drops,
                      (unsigned long long)c->conns);
}

int netstack_boot(unsigned ncpus)
{
    if (ncpus > NETSTACK_MAX_CPUS)
        ncpus = NETSTACK_MAX_CPUS;
    int rc = netstack_repl_init(ncpus, core_loop_kick);
    if (rc < 0) {
        log_error("netstack: replication rings for %u cores: %d", ncpus, rc);
        return rc;
    }
    core_stats_register(stats);
    log_info("netstack: %u lwIP copies linked, ARP replication between %u cores", NETSTACK_MAX_CPUS,
             ncpus);
    return 0;
}

int netstack_start(unsigned cpu, const uint8_t mac[6], netstack_link_output_fn link_output,
                   void *link_ctx)
{
    const struct netstack_if_ops *nif = netstack_if(cpu);
    if (nif == NULL)
        return -ENODEV;

    const struct core_config *cc = core_config;
    bool dhcp = cc->ip_dhcp && cpu == NETSTACK_REPL_OWNER_CPU;
    uint32_t mask = cc->ip.len == 0 ? 0 : ~0u << (32 - cc->ip.len);
    struct netstack_if_config cfg = {
        .cpu = cpu,
        .dhcp = dhcp,
        .ip = cc->ip_dhcp ? 0 : cc->ip.addr,
        .netmask = cc->ip_dhcp ? 0 : mask,
        .gw = cc->ip_dhcp ? 0 : cc->gw,
        .link_output = link_output,
        .link_ctx = link_ctx,
        .addr_changed = dhcp ? lease_publish : NULL,
    };
    for (unsigned i = 0; i < 6; i++)
        cfg.mac[i] = mac[i];

    struct netstack_core *nc = &cores[cpu];
    nc->cpu = cpu;
    nc->armed = NETSTACK_NO_DEADLINE;
    int rc = nif->init(&cfg);
    if (rc < 0) {
        log_error("netstack: cpu%u: instance init failed (%d)", cpu, rc);
        return rc;
    }
    nc->nif = nif;
    core_loop_add(&(struct core_poller){.poll = poll, .arm = arm, .arg = nc, .name = "netstack"});
    if (cc->echo_port != 0)
        netstack_echo_start(cpu, cc->echo_port); /* logs its own failure */
    return 0;
}
