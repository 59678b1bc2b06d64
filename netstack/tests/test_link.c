/*
 * The link layer on the host: netstack/link.c joining the virtio-net driver (virtio/net.c, on
 * the fake device of virtio/tests/) to two cores' lwIP instances (host_cores.c plays the
 * per-core page tables), with the kernel's main loop, timers and stats played by stand-ins
 * here.  Frames enter as the device would write them into a receive queue and leave through
 * the transmit queue of the same pair:
 *   - bring-up: one pair and one poller per core, both stacks up;
 *   - an ARP request that arrives on core 1's queue is answered once, on core 1's transmit
 *     queue; core 0 learns the sender from the replicated copy and sends nothing;
 *   - a SYN on core 1's queue is answered (SYN-ACK) on core 1's transmit queue only;
 *   - a frame the classifier drops is counted in core 1's drops=; the link then has nothing
 *     left to do and its interrupt can be re-armed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cpu.h"
#include "core/loop.h"
#include "core/percpu.h"
#include "core/pmm.h"
#include "core/stats.h"
#include "core/timer.h"
#include "netstack/echo.h"
#include "netstack/link.h"
#include "netstack/tests/host_cores.h"
#include "virtio/net.h"
#include "virtio/tests/fake_device.h"

#define V1     VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define NET_F                                                                                      \
    (VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |                               \
     VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_MQ))
#define HDR   12 /* virtio-net header in front of every frame */
#define PAIRS 2

/* The guest's address is netstack's default (netstack/config.c): 10.0.2.15/24 via 10.0.2.2. */
static const uint8_t guest_ip[4] = {10, 0, 2, 15};
static const uint8_t peer_ip[4] = {10, 0, 2, 2};
static const uint8_t peer_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t dev_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

/* ---- Kernel stand-ins ------------------------------------------------------------------- */

struct cpu core_cpus[CORE_MAX_CPUS];
unsigned core_ncpus = PAIRS;

static struct fake_device fd;

struct virtio_dev *virtio_dev_find(uint32_t device_id, unsigned n)
{
    return device_id == VIRTIO_ID_NET && n == 0 ? &fd.dev : NULL;
}

void *core_pmm_alloc(size_t npages)
{
    return aligned_alloc(CORE_PMM_PAGE_SIZE, npages * CORE_PMM_PAGE_SIZE);
}

void core_pmm_free(void *p, size_t npages)
{
    free(p);
}

static void (*cpu_init)(unsigned cpu);
static struct core_poller pollers[PAIRS];
static unsigned npollers[PAIRS];
static unsigned kicks[PAIRS];

void core_loop_on_each_cpu(void (*init)(unsigned cpu))
{
    assert_null(cpu_init); /* link.c registers one initialiser */
    cpu_init = init;
}

void core_loop_add(const struct core_poller *p)
{
    unsigned cpu = host_core_current();
    assert_int_equal(npollers[cpu], 0); /* one poller per core owns the link */
    pollers[cpu] = *p;
    npollers[cpu]++;
}

void core_loop_kick(unsigned cpu)
{
    if (cpu < PAIRS)
        kicks[cpu]++;
}

void core_timer_add(struct core_timer *t, uint64_t deadline, void (*fn)(void *), void *arg)
{
    *t = (struct core_timer){.deadline = deadline, .fn = fn, .arg = arg, .pending = true};
}

void core_timer_cancel(struct core_timer *t)
{
    t->pending = false;
}

static const struct core_stats_source *stats_src;

/* The link's own source is the first netstack_link_boot() adds (the TCP guard's follows). */
void core_stats_add(const struct core_stats_source *src)
{
    if (stats_src == NULL)
        stats_src = src;
}

/* The host has no per-core window of its own: nothing overlaps it. */
char __percpu_start[1], __percpu_end[1];

void core_percpu_assert_shared(const void *p, size_t len, const char *what)
{
}

/* The control queue answers every command with ACK (0), as QEMU does. */
static void on_notify(void *arg, uint16_t index)
{
    struct fake_chain c;
    if (index != 2 * PAIRS)
        return;
    while (fake_queue_pop(&fd, index, &c) == 0) {
        *(uint8_t *)(uintptr_t)c.seg[c.nseg - 1].addr = 0;
        fake_queue_complete(&fd, index, c.head, 1);
    }
}

/* ---- Helpers ---------------------------------------------------------------------------- */

/* Run core `cpu`'s poller until it reports no more work (bounded). */
static void run_core(unsigned cpu)
{
    host_core_enter(cpu);
    for (int i = 0; i < 16 && pollers[cpu].poll(pollers[cpu].arg); i++)
        ;
}

/* The device writes `frame` into the next receive buffer of pair `pair`. */
static void deliver(unsigned pair, const uint8_t *frame, size_t len)
{
    struct fake_chain c;
    assert_int_equal(fake_queue_pop(&fd, 2 * pair, &c), 0);
    uint8_t *buf = (uint8_t *)(uintptr_t)c.seg[0].addr;
    assert_true(HDR + len <= c.seg[0].len);
    memset(buf, 0, HDR);
    memcpy(buf + HDR, frame, len);
    fake_queue_complete(&fd, 2 * pair, c.head, (uint32_t)(HDR + len));
}

/* The next frame the driver queued on pair `pair`'s transmit queue (without its header), or
 * 0 when none. */
static size_t transmitted(unsigned pair, uint8_t *out, size_t cap)
{
    struct fake_chain c;
    uint8_t buf[2048];
    if (fake_queue_pop(&fd, 2 * pair + 1, &c) != 0)
        return 0;
    size_t n = fake_chain_gather(&c, buf, sizeof(buf));
    fake_queue_complete(&fd, 2 * pair + 1, c.head, 0);
    assert_true(n >= HDR && n - HDR <= cap);
    memcpy(out, buf + HDR, n - HDR);
    return n - HDR;
}

/* One counter of core `cpu`'s stats line. */
static unsigned long long stat(unsigned cpu, const char *key)
{
    uint64_t v[CORE_STATS_MAX_FIELDS];
    assert_non_null(stats_src);
    assert_true(stats_src->read(cpu, CORE_STATS_CONSOLE, v));
    for (unsigned i = 0; i < stats_src->nfields; i++)
        if (stats_src->fields[i].key && strcmp(stats_src->fields[i].key, key) == 0)
            return v[i];
    fail_msg("no counter %s", key);
    return 0;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static size_t arp_request(uint8_t *f)
{
    memset(f, 0, 60);
    memset(f, 0xff, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = 0x08, f[13] = 0x06;                            /* ARP */
    f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0;         /* Ethernet, IPv4 */
    f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;            /* request */
    memcpy(f + 22, peer_mac, 6), memcpy(f + 28, peer_ip, 4); /* sender */
    memcpy(f + 38, guest_ip, 4);                             /* target: us */
    return 60;
}

static size_t tcp_syn(uint8_t *f, uint16_t sport, uint16_t dport)
{
    memset(f, 0, 60);
    memcpy(f, dev_mac, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14, *tcp = ip + 20;
    ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = 6; /* 40 bytes, TTL 64, TCP */
    memcpy(ip + 12, peer_ip, 4), memcpy(ip + 16, guest_ip, 4);
    uint16_t s = csum_fold(csum_add(0, ip, 20));
    ip[10] = (uint8_t)(s >> 8), ip[11] = (uint8_t)s;
    tcp[0] = (uint8_t)(sport >> 8), tcp[1] = (uint8_t)sport;
    tcp[2] = (uint8_t)(dport >> 8), tcp[3] = (uint8_t)dport;
    tcp[4] = 0x12, tcp[5] = 0x34, tcp[6] = 0x56, tcp[7] = 0x78; /* seq */
    tcp[12] = 5 << 4, tcp[13] = 0x02;                           /* 20 bytes, SYN */
    tcp[14] = 0xff, tcp[15] = 0xff;                             /* window */
    uint8_t pseudo[12] = {0};
    memcpy(pseudo, peer_ip, 4), memcpy(pseudo + 4, guest_ip, 4);
    pseudo[9] = 6, pseudo[11] = 20;
    s = csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20));
    tcp[16] = (uint8_t)(s >> 8), tcp[17] = (uint8_t)s;
    return 60; /* padded to the Ethernet minimum, as a NIC would */
}

/* ---- Tests ------------------------------------------------------------------------------ */

static void test_boot_one_poller_per_core(void **state)
{
    fake_device_init(&fd, VIRTIO_ID_NET, V1 | NET_F, 2 * PAIRS + 1, 64);
    memcpy(fd.config, dev_mac, 6);
    uint16_t pairs = PAIRS;
    memcpy(fd.config + 8, &pairs, 2);
    fd.on_notify = on_notify;
    for (unsigned i = 0; i < PAIRS; i++)
        core_cpus[i].apic_id = i;

    assert_int_equal(netstack_link_boot(), PAIRS);
    assert_non_null(cpu_init);
    for (unsigned cpu = 0; cpu < PAIRS; cpu++) {
        assert_false(netstack_link_has_stack(cpu));
        host_core_enter(cpu);
        cpu_init(cpu);
        assert_int_equal(npollers[cpu], 1);
        assert_true(netstack_link_has_stack(cpu));
    }
    assert_false(netstack_link_has_stack(PAIRS));

    /* Each stack announces itself as its interface comes up (a gratuitous ARP on its own
     * queue): take those off the wire so the tests below see only answers. */
    uint8_t f[1600];
    for (unsigned cpu = 0; cpu < PAIRS; cpu++) {
        run_core(cpu);
        size_t n;
        while ((n = transmitted(cpu, f, sizeof(f))) != 0) {
            assert_int_equal(n, 42);
            assert_int_equal(f[12] << 8 | f[13], 0x0806);
            assert_memory_equal(f + 28, guest_ip, 4);
            assert_memory_equal(f + 38, guest_ip, 4); /* gratuitous: asks for itself */
        }
    }
}

static void test_arp_answered_once_on_the_receiving_queue(void **state)
{
    uint8_t f[1600];
    unsigned kicks0 = kicks[0];
    unsigned long long tx0 = stat(0, "tx"), tx1 = stat(1, "tx");
    deliver(1, f, arp_request(f));
    run_core(1);

    size_t n = transmitted(1, f, sizeof(f));
    assert_int_equal(n, 42);
    assert_memory_equal(f, peer_mac, 6);         /* to the asker */
    assert_memory_equal(f + 6, dev_mac, 6);      /* from the device's MAC */
    assert_int_equal(f[21], 2);                  /* a reply */
    assert_memory_equal(f + 28, guest_ip, 4);    /* 10.0.2.15 is at ... */
    assert_memory_equal(f + 32, peer_mac, 6);    /* ... told to the asker */
    assert_int_equal(transmitted(1, f, sizeof(f)), 0);

    /* Core 0 got a copy (and a kick), learns from it, and answers nothing. */
    assert_true(kicks[0] > kicks0);
    unsigned long long rx0 = stat(0, "rx");
    run_core(0);
    assert_int_equal(stat(0, "rx"), rx0 + 1);
    assert_int_equal(transmitted(0, f, sizeof(f)), 0);
    assert_int_equal(stat(1, "tx"), tx1 + 1);
    assert_int_equal(stat(0, "tx"), tx0);
}

static void test_syn_answered_on_the_same_pair(void **state)
{
    uint8_t f[1600];
    host_core_enter(1);
    assert_int_equal(netstack_echo_start(1, 7), 0);
    deliver(1, f, tcp_syn(f, 40000, 7));
    run_core(1);

    size_t n = transmitted(1, f, sizeof(f));
    assert_true(n >= 54);
    assert_memory_equal(f, peer_mac, 6); /* resolved from the ARP request before */
    const uint8_t *tcp = f + 14 + 20;
    assert_int_equal(tcp[0] << 8 | tcp[1], 7);
    assert_int_equal(tcp[2] << 8 | tcp[3], 40000);
    assert_int_equal(tcp[13] & 0x12, 0x12); /* SYN, ACK */
    assert_int_equal(tcp[8] << 24 | tcp[9] << 16 | tcp[10] << 8 | tcp[11], 0x12345679);
    assert_int_equal(transmitted(0, f, sizeof(f)), 0); /* never on another core's queue */
    assert_int_equal(stat(1, "conns"), 0);             /* not accepted before the final ACK */
}

static void test_dropped_frames_counted_then_idle(void **state)
{
    uint8_t f[64] = {0};
    memcpy(f, dev_mac, 6);
    f[12] = 0x86, f[13] = 0xdd; /* IPv6: not served */
    unsigned long long drops = stat(1, "drops");
    deliver(1, f, sizeof(f));
    run_core(1);
    assert_int_equal(stat(1, "drops"), drops + 1);

    /* Nothing left: both links can re-arm their interrupts and let the core halt. */
    for (unsigned cpu = 0; cpu < PAIRS; cpu++) {
        host_core_enter(cpu);
        assert_false(pollers[cpu].arm(pollers[cpu].arg));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_one_poller_per_core),
        cmocka_unit_test(test_arp_answered_once_on_the_receiving_queue),
        cmocka_unit_test(test_syn_answered_on_the_same_pair),
        cmocka_unit_test(test_dropped_frames_counted_then_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
