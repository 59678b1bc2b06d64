/* virtio-net queue pair i <-> core i's lwIP instance (see link.h). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/loop.h"
#include "netstack/limits.h"
#include "netstack/link.h"
#include "netstack/start.h"
#include "virtio/net.h"

#define RX_BUDGET 64 /* frames per poll pass: bounds the time before timers and TX run again */

/* The driver's segment and the stack's segment are the same shape: pass one as the other. */
_Static_assert(sizeof(struct netstack_seg) == sizeof(struct virtio_net_seg) &&
                   offsetof(struct netstack_seg, data) == offsetof(struct virtio_net_seg, data) &&
                   offsetof(struct netstack_seg, len) == offsetof(struct virtio_net_seg, len),
               "netstack_seg and virtio_net_seg must match");

/* Set at boot by core 0 before the other cores start; read-only afterwards. */
static unsigned nlinks;
static uint8_t mac[6];

static int xmit(void *ctx, const struct netstack_seg *segs, unsigned n)
{
    return virtio_net_xmit((unsigned)(uintptr_t)ctx, (const struct virtio_net_seg *)segs, n);
}

static bool link_poll(void *arg)
{
    unsigned q = (unsigned)(uintptr_t)arg;
    unsigned got = virtio_net_rx_poll(q, netstack_rx, NULL, RX_BUDGET);
    virtio_net_flush(q); /* everything the stack sent in this pass, in one notification */
    return got != 0;
}

static bool link_arm(void *arg)
{
    unsigned q = (unsigned)(uintptr_t)arg;
    virtio_net_flush(q); /* frames the stack's timers queued after our last pass */
    return virtio_net_arm(q);
}

/* Set by each core for itself in link_start(). */
static bool started[NETSTACK_MAX_CPUS];

bool netstack_link_has_stack(unsigned cpu)
{
    return cpu < NETSTACK_MAX_CPUS && started[cpu];
}

static void link_start(unsigned cpu)
{
    if (cpu >= nlinks)
        return; /* no queue for this core: it only halts */
    void *q = (void *)(uintptr_t)cpu;
    int rc = netstack_start(cpu, mac, xmit, q);
    if (rc < 0) {
        log_error("net: stack on cpu%u did not start (%d)", cpu, rc);
        return;
    }
    core_loop_add(
        &(struct core_poller){.poll = link_poll, .arm = link_arm, .arg = q, .name = "virtio-net"});
    started[cpu] = true;
}

int netstack_link_boot(void)
{
    uint32_t apic_ids[CORE_MAX_CPUS];
    unsigned want = core_ncpus < NETSTACK_MAX_CPUS ? core_ncpus : NETSTACK_MAX_CPUS;
    for (unsigned i = 0; i < want; i++)
        apic_ids[i] = core_cpus[i].apic_id;
    int pairs = virtio_net_init(want, apic_ids);
    if (pairs < 0)
        return pairs;
    virtio_net_mac(mac);
    nlinks = (unsigned)pairs;
    int rc = netstack_boot(nlinks);
    if (rc < 0) {
        log_error("net: stacks could not be prepared (%d)", rc);
        return rc;
    }
    core_loop_on_each_cpu(link_start);
    return (int)nlinks;
}
