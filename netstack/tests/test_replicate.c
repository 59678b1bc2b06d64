/*
 * Host tests of netstack/replicate.c: the classifier over a table of frames, and the
 * per-(sender, receiver) rings (fan-out, ownership routing, kicks, full rings, oversize frames,
 * bounds).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netstack/limits.h"
#include "core/limits.h"
#include "netstack/replicate.h"
#include "netstack/tests/host_env.h"

#define OUR_IP   0x0a00020fu /* 10.0.2.15 */
#define OUR_MASK 0xffffff00u

/* Build an Ethernet frame: dst MAC, ethertype, and for IPv4 a header + L4 ports. */
static size_t eth(uint8_t *f, const uint8_t dst[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, (uint8_t[]){2, 0, 0, 0, 0, 9}, 6);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    return 14;
}

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t US[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
static const uint8_t MCAST[6] = {0x01, 0x00, 0x5e, 0, 0, 1};

static size_t ipv4(uint8_t *f, const uint8_t *mac, uint8_t proto, uint32_t dst, uint16_t dport)
{
    size_t n = eth(f, mac, 0x0800);
    uint8_t *ip = f + n;
    memset(ip, 0, 28);
    ip[0] = 0x45;
    ip[2] = 0, ip[3] = 28;
    ip[8] = 64;
    ip[9] = proto;
    ip[12] = 10, ip[13] = 0, ip[14] = 2, ip[15] = 2;
    ip[16] = (uint8_t)(dst >> 24), ip[17] = (uint8_t)(dst >> 16);
    ip[18] = (uint8_t)(dst >> 8), ip[19] = (uint8_t)dst;
    ip[20] = 0x30, ip[21] = 0x39; /* source port 12345 */
    ip[22] = (uint8_t)(dport >> 8), ip[23] = (uint8_t)dport;
    return n + 28;
}

static size_t arp(uint8_t *f, const uint8_t *mac, uint16_t op)
{
    size_t n = eth(f, mac, 0x0806);
    memset(f + n, 0, 28);
    f[n + 1] = 1, f[n + 2] = 8, f[n + 4] = 6, f[n + 5] = 4, f[n + 7] = (uint8_t)op;
    return n + 28;
}

static void test_classify(void **state)
{
    uint8_t f[1600];
    struct {
        const char *what;
        size_t len;
        uint32_t our_ip;
        enum netstack_repl_class want;
    } cases[32];
    unsigned n = 0;
    uint8_t *frames[32];
    static uint8_t store[32][200];

#define CASE(desc, build, ip, cls)                                                                 \
    do {                                                                                           \
        frames[n] = store[n];                                                                      \
        cases[n].len = (build);                                                                    \
        cases[n].what = (desc);                                                                    \
        cases[n].our_ip = (ip);                                                                    \
        cases[n].want = (cls);                                                                     \
        n++;                                                                                       \
    } while (0)
#define F store[n]

    CASE("ARP request (broadcast)", arp(F, BCAST, 1), OUR_IP, NETSTACK_REPL_ALL);
    CASE("ARP reply (unicast to us)", arp(F, US, 2), OUR_IP, NETSTACK_REPL_ALL);
    CASE("ARP truncated", arp(F, BCAST, 1) - 1, OUR_IP, NETSTACK_REPL_DROP);
    CASE("IPv4 UDP limited broadcast", ipv4(F, BCAST, 17, 0xffffffffu, 5353), OUR_IP,
         NETSTACK_REPL_LOCAL);
    CASE("IPv4 UDP subnet broadcast", ipv4(F, BCAST, 17, 0x0a0002ffu, 137), OUR_IP,
         NETSTACK_REPL_LOCAL);
    CASE("IPv4 multicast", ipv4(F, MCAST, 17, 0xe0000001u, 5353), OUR_IP, NETSTACK_REPL_DROP);
    CASE("IPv4 TCP to us", ipv4(F, US, 6, OUR_IP, 80), OUR_IP, NETSTACK_REPL_LOCAL);
    CASE("IPv4 UDP to us", ipv4(F, US, 17, OUR_IP, 9999), OUR_IP, NETSTACK_REPL_LOCAL);
    CASE("IPv4 ICMP to us", ipv4(F, US, 1, OUR_IP, 0), OUR_IP, NETSTACK_REPL_LOCAL);
    CASE("IPv4 TCP to someone else", ipv4(F, US, 6, 0x0a000263u, 80), OUR_IP, NETSTACK_REPL_DROP);
    CASE("IPv4 TCP, no address yet", ipv4(F, US, 6, 0x0a000263u, 80), 0, NETSTACK_REPL_LOCAL);
    CASE("DHCP offer (broadcast)", ipv4(F, BCAST, 17, 0xffffffffu, 68), 0, NETSTACK_REPL_OWNER);
    CASE("DHCP ack (unicast)", ipv4(F, US, 17, OUR_IP, 68), OUR_IP, NETSTACK_REPL_OWNER);
    CASE("TCP to port 68 is not DHCP", ipv4(F, US, 6, OUR_IP, 68), OUR_IP, NETSTACK_REPL_LOCAL);
    CASE("runt (13 bytes)", 13, OUR_IP, NETSTACK_REPL_DROP);
    CASE("empty", 0, OUR_IP, NETSTACK_REPL_DROP);
    CASE("VLAN-tagged", eth(F, US, 0x8100) + 46, OUR_IP, NETSTACK_REPL_DROP);
    CASE("IPv6", eth(F, US, 0x86dd) + 40, OUR_IP, NETSTACK_REPL_DROP);
    CASE("unknown ethertype", eth(F, BCAST, 0x88cc) + 46, OUR_IP, NETSTACK_REPL_DROP);
    CASE("IPv4 header cut short", ipv4(F, US, 6, OUR_IP, 80) - 15, OUR_IP, NETSTACK_REPL_DROP);
    assert_true(n <= 32);

    for (unsigned i = 0; i < n; i++) {
        enum netstack_repl_class got =
            netstack_repl_classify(frames[i], cases[i].len, cases[i].our_ip, OUR_MASK);
        if (got != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].what, got, cases[i].want);
    }

    /* Malformed IPv4 headers: version 6 in an IPv4 frame, IHL < 5, IHL past the end. */
    size_t len = ipv4(f, US, 6, OUR_IP, 80);
    f[14] = 0x65;
    assert_int_equal(netstack_repl_classify(f, len, OUR_IP, OUR_MASK), NETSTACK_REPL_DROP);
    f[14] = 0x44;
    assert_int_equal(netstack_repl_classify(f, len, OUR_IP, OUR_MASK), NETSTACK_REPL_DROP);
    f[14] = 0x4f;
    assert_int_equal(netstack_repl_classify(f, len, OUR_IP, OUR_MASK), NETSTACK_REPL_DROP);
    /* A later fragment of a UDP datagram is not taken for DHCP by its payload bytes. */
    len = ipv4(f, BCAST, 17, 0xffffffffu, 68);
    f[14 + 7] = 10; /* fragment offset 80 bytes */
    assert_int_equal(netstack_repl_classify(f, len, OUR_IP, OUR_MASK), NETSTACK_REPL_LOCAL);
}

/* Frames delivered by netstack_repl_drain, for checking. */
static struct {
    unsigned count;
    uint8_t last[NETSTACK_REPL_OWNER_SLOT];
    size_t last_len;
} got;

static void deliver(void *ctx, const uint8_t *frame, size_t len)
{
    got.count++;
    memcpy(got.last, frame, len);
    got.last_len = len;
}

static void test_rings(void **state)
{
    uint8_t f[NETSTACK_REPL_OWNER_SLOT + 1];
    memset(f, 0xab, sizeof(f));
    size_t alen = arp(f, BCAST, 1);

    assert_int_equal(netstack_repl_init(0, host_env_kick), -EINVAL);
    assert_int_equal(netstack_repl_init(CORE_MAX_CPUS + 1, host_env_kick), -EINVAL);
    assert_int_equal(netstack_repl_init(2, NULL), -EINVAL);
    assert_int_equal(netstack_repl_init(4, host_env_kick), 0);
    assert_int_equal(netstack_repl_init(4, host_env_kick), -EBUSY);
    const unsigned n = 4;

    /* Fan-out from core 1 reaches every other core, and kicks each once. */
    memset(host_env_kicks, 0, sizeof(host_env_kicks));
    assert_int_equal(netstack_repl_fanout(1, f, alen), n - 1);
    for (unsigned c = 0; c < n; c++) {
        assert_int_equal(host_env_kicks[c], c == 1 ? 0 : 1);
        assert_int_equal(netstack_repl_pending(c), c != 1);
    }
    for (unsigned c = 0; c < n; c++) {
        memset(&got, 0, sizeof(got));
        assert_int_equal(netstack_repl_drain(c, deliver, NULL, 100), c == 1 ? 0 : 1);
        if (c != 1) {
            assert_int_equal(got.last_len, alen);
            assert_memory_equal(got.last, f, alen);
        }
        assert_false(netstack_repl_pending(c));
    }

    /* Bounds: no ring to oneself, no core beyond the count. */
    assert_false(netstack_repl_send(0, 0, f, alen));
    assert_false(netstack_repl_send(0, n, f, alen));
    assert_false(netstack_repl_send(n, 0, f, alen));
    assert_int_equal(netstack_repl_drain(n, deliver, NULL, 100), 0);

    /* Slot sizes: a DHCP-sized frame fits towards the owner only; larger fits nowhere. */
    uint64_t drops = netstack_repl_drops(1);
    assert_true(netstack_repl_send(1, NETSTACK_REPL_OWNER_CPU, f, NETSTACK_REPL_OWNER_SLOT));
    assert_false(netstack_repl_send(1, NETSTACK_REPL_OWNER_CPU, f, NETSTACK_REPL_OWNER_SLOT + 1));
    if (n > 2)
        assert_false(netstack_repl_send(1, 2, f, NETSTACK_REPL_SLOT + 1));
    assert_int_equal(netstack_repl_drops(1), drops + (n > 2 ? 2 : 1));
    memset(&got, 0, sizeof(got));
    assert_int_equal(netstack_repl_drain(NETSTACK_REPL_OWNER_CPU, deliver, NULL, 100), 1);
    assert_int_equal(got.last_len, NETSTACK_REPL_OWNER_SLOT);

    /* A full ring drops (counted) and loses nothing already queued; order is kept. */
    drops = netstack_repl_drops(0);
    for (unsigned i = 0; i < NETSTACK_REPL_RING_SLOTS; i++) {
        f[20] = (uint8_t)i;
        assert_true(netstack_repl_send(0, 1, f, alen));
    }
    assert_false(netstack_repl_send(0, 1, f, alen));
    assert_int_equal(netstack_repl_drops(0), drops + 1);
    /* Budget: drain in two steps. */
    memset(&got, 0, sizeof(got));
    assert_int_equal(netstack_repl_drain(1, deliver, NULL, 5), 5);
    assert_int_equal(got.last[20], 4);
    assert_int_equal(netstack_repl_drain(1, deliver, NULL, 1000), NETSTACK_REPL_RING_SLOTS - 5);
    assert_int_equal(got.last[20], NETSTACK_REPL_RING_SLOTS - 1);
    assert_false(netstack_repl_pending(1));
    /* After draining there is room again. */
    assert_true(netstack_repl_send(0, 1, f, alen));
    assert_int_equal(netstack_repl_drain(1, deliver, NULL, 1000), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_rings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
