/*
 * Two lwIP instances in one process: the lwIP object is built like the kernel's (ld -r, data
 * sections renamed, netstack/module.mk) with the host compiler, and host_cores.c gives each
 * "core" its own copy of lwIP's state, as the kernel's per-core page tables do.  The two are
 * wired back to back through an in-memory Ethernet (host_wire.c).
 *
 *   - ARP: instance 0 resolves instance 1 before its SYN goes out;
 *   - TCP echo: instance 0 (client) sends 1 MiB in chunks of varying sizes to the echo service
 *     on instance 1 and gets it back byte-exact, also with a transmit ring that is often full;
 *   - independence: different addresses, listeners and connections exist only where created;
 *   - timers: an idle instance has no deadline; listeners add none; connections do, until
 *     TIME_WAIT and the ARP entries are gone.
 *
 * Built twice (netstack/module.mk): as is, over a wire with no offloads, and with
 * TEST_WIRE_OFFLOADS, over a wire that completes checksums and segments like a device
 * (host_wire.h), so lwIP builds segments of up to 64 KiB, cuts them to the window during slow
 * start (netstack/lwip-patches/tcp-large-segments.patch) and the other instance checks every
 * checksum of what arrives.
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

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "netstack/echo.h"
#include "netstack/limits.h"
#include "netstack/netif.h"
#include "netstack/netstack.h"
#include "netstack/tests/host_cores.h"
#include "netstack/tests/host_env.h"
#include "netstack/tests/host_wire.h"


/* Core k's TCP lists, read on core k: proof that the state is separate. */
static struct tcp_pcb *active_pcbs(unsigned k)
{
    host_core_enter(k);
    return tcp_active_pcbs;
}

static struct tcp_pcb_listen *listen_pcbs(unsigned k)
{
    host_core_enter(k);
    return tcp_listen_pcbs.listen_pcbs;
}

static bool backlogged_on(unsigned k)
{
    host_core_enter(k);
    return netstack_if_tx_backlogged();
}

#define ECHO_PORT 7
#define TOTAL     (1024 * 1024)

/* ---- The client (instance 0) ------------------------------------------------------------- */

struct client {
    struct altcp_pcb *pcb;
    uint8_t *tx, *rx;
    size_t sent, received;
    unsigned chunk_seq;
    bool connected, fin, failed;
};
static struct client cl;

/* Chunk sizes cycle through small, odd and larger-than-MSS values. */
static u16_t chunk_size(void)
{
    static const u16_t sizes[] = {1, 7, 100, 536, 1459, 1460, 1461, 2920, 4000, 65535, 333};
    return sizes[cl.chunk_seq++ % (sizeof(sizes) / sizeof(sizes[0]))];
}

static void client_push(void)
{
    bool wrote = false;
    while (cl.sent < TOTAL) {
        u16_t room = altcp_sndbuf(cl.pcb);
        size_t n = chunk_size();
        if (n > room)
            n = room;
        if (n > TOTAL - cl.sent)
            n = TOTAL - cl.sent;
        if (n == 0)
            break;
        err_t err = altcp_write(cl.pcb, cl.tx + cl.sent, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (err == ERR_MEM)
            break;
        assert_int_equal(err, ERR_OK);
        cl.sent += n;
        wrote = true;
    }
    if (wrote)
        assert_int_equal(altcp_output(cl.pcb), ERR_OK);
}

static err_t client_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    if (p == NULL) {
        cl.fin = true;
        return ERR_OK;
    }
    assert_true(cl.received + p->tot_len <= TOTAL);
    assert_int_equal(pbuf_copy_partial(p, cl.rx + cl.received, p->tot_len, 0), p->tot_len);
    cl.received += p->tot_len;
    altcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t client_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    client_push();
    return ERR_OK;
}

static void client_err(void *arg, err_t err)
{
    cl.failed = true;
    cl.pcb = NULL;
}

static err_t client_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
    assert_int_equal(err, ERR_OK);
    cl.connected = true;
    client_push();
    return ERR_OK;
}

static void test_state_is_per_core(void **state)
{
    /* A write through core 0's view of lwIP's state is invisible on core 1, and back. */
    host_core_enter(0);
    tcp_ticks = 1234;
    host_core_enter(1);
    assert_int_equal(tcp_ticks, 0);
    tcp_ticks = 99;
    host_core_enter(0);
    assert_int_equal(tcp_ticks, 1234);
    tcp_ticks = 0;
    host_core_enter(1);
    assert_int_equal(tcp_ticks, 99);
    tcp_ticks = 0;
}

static void test_idle_has_no_deadline(void **state)
{
    host_wire_up();
    /* Up, static address, nothing sent: no timer at all. */
    assert_int_equal(host_wire_poll(0), NETSTACK_NO_DEADLINE);
    assert_int_equal(host_wire_poll(1), NETSTACK_NO_DEADLINE);

    /* A listener needs no TCP timer either. */
    host_core_enter(1);
    assert_int_equal(netstack_echo_start(1, ECHO_PORT), 0);
    assert_int_equal(netstack_echo_start(1, ECHO_PORT), -EBUSY);
    assert_int_equal(host_wire_poll(1), NETSTACK_NO_DEADLINE);

    /* Independent state: the listener exists on core 1 only; addresses differ. */
    assert_null(listen_pcbs(0));
    assert_non_null(listen_pcbs(1));
    uint32_t ip, mask;
    host_core_enter(0);
    netstack_if_addr(&ip, &mask);
    assert_int_equal(ip, HOST_WIRE_IP0);
    host_core_enter(1);
    netstack_if_addr(&ip, &mask);
    assert_int_equal(ip, HOST_WIRE_IP1);
    assert_int_equal(mask, HOST_WIRE_MASK);
}

static void run_echo(unsigned full_every)
{
    host_wire_up();
    memset(&cl, 0, sizeof(cl));
    host_wires[0].full_every = host_wires[1].full_every = full_every;
    cl.tx = malloc(TOTAL);
    cl.rx = calloc(1, TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        cl.tx[i] = (uint8_t)(i * 131 + (i >> 11) + full_every);

    uint64_t arp_before = host_wires[1].arp;
    host_core_enter(0); /* the client runs on core 0 */
    cl.pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
    assert_non_null(cl.pcb);
    altcp_recv(cl.pcb, client_recv);
    altcp_sent(cl.pcb, client_sent);
    altcp_err(cl.pcb, client_err);
    ip_addr_t dst;
    IP_ADDR4(&dst, 10, 0, 0, 2);
    assert_int_equal(altcp_connect(cl.pcb, &dst, ECHO_PORT, client_connected), ERR_OK);

    uint64_t start = host_env_now_ns;
    while (cl.received < TOTAL && !cl.failed) {
        assert_true(host_wire_pump());
        assert_true(host_env_now_ns - start < 600ull * 1000000000ull); /* 10 simulated min */
    }
    assert_false(cl.failed);
    assert_int_equal(cl.sent, TOTAL);
    assert_int_equal(cl.received, TOTAL);
    assert_memory_equal(cl.rx, cl.tx, TOTAL);
    if (full_every == 0 && arp_before == 0)
        assert_true(host_wires[1].arp >= 1); /* instance 0 resolved 10.0.0.2 first */

    /* Independence while connected: the client pcb lives on core 0, the accepted one on core
     * 1; the echo connection is counted on core 1 only. */
    assert_non_null(active_pcbs(0));
    assert_non_null(active_pcbs(1));
    assert_int_equal(netstack_echo_conns(0), 0);
    assert_int_equal(netstack_echo_conns(1), 1);
    assert_int_equal(host_wire_counters[0].conns, 0);

    /* Close from the client; the echo side closes after our FIN. */
    host_core_enter(0);
    assert_int_equal(altcp_close(cl.pcb), ERR_OK);
    cl.pcb = NULL;
    for (int i = 0; i < 1000 && netstack_echo_conns(1) > 0; i++)
        assert_true(host_wire_pump());
    assert_int_equal(netstack_echo_conns(1), 0);
    assert_false(backlogged_on(0));
    assert_false(backlogged_on(1));
    free(cl.tx);
    free(cl.rx);
}

static void test_echo_1mib(void **state)
{
    uint64_t tx0 = host_wire_counters[0].tx, wire0 = host_wire_counters[0].tx_wire;
    run_echo(0);
    assert_int_equal(host_wire_counters[1].conns, 1);
    assert_int_equal(host_wire_counters[0].drops, 0);
    assert_int_equal(host_wire_counters[1].drops, 0);
    uint64_t frames = host_wire_counters[0].tx - tx0, wire = host_wire_counters[0].tx_wire - wire0;
    if (host_wire_offloads & NETSTACK_OFFLOAD_TSO4) {
        /* Frames of several MSS, cut by the wire: lwIP built large segments and, ACK by ACK
         * (this receiver acknowledges every second segment), cut them to the window. */
        assert_true(host_wires[1].largest_gso >= 3 * TCP_MSS);
        assert_true(wire > frames + TOTAL / (4 * TCP_MSS));
    } else {
        assert_true(wire == frames);
        assert_int_equal(host_wires[1].largest_gso, 0);
    }
}

static void test_echo_tx_ring_full(void **state)
{
    /* Every 5th transmit finds the ring full: frames wait in the backlog, nothing is lost. */
    uint64_t defer_before = host_wire_counters[0].tx_defer;
    run_echo(5);
    assert_true(host_wires[0].refused > 0 && host_wires[1].refused > 0);
    assert_true(host_wire_counters[0].tx_defer > defer_before);
    assert_int_equal(host_wire_counters[0].drops, 0);
    host_wires[0].full_every = host_wires[1].full_every = 0;
}

static void test_timers_stop_when_idle(void **state)
{
    /* After the connections: TIME_WAIT (2 * TCP_MSL = 2 s) and ARP entries (5 min) keep
     * timers running, then nothing is left. */
    host_wire_up();
    assert_true(host_wire_poll(0) != NETSTACK_NO_DEADLINE || host_wire_poll(1) != NETSTACK_NO_DEADLINE);
    uint64_t start = host_env_now_ns;
    while (host_wire_pump())
        assert_true(host_env_now_ns - start < 400ull * 1000000000ull);
    assert_null(active_pcbs(0));
    assert_null(active_pcbs(1));
    assert_true(host_env_now_ns - start >= 290ull * 1000000000ull); /* ARP aging ran */
    assert_int_equal(host_wire_poll(0), NETSTACK_NO_DEADLINE);
    assert_int_equal(host_wire_poll(1), NETSTACK_NO_DEADLINE);
}

static void test_bad_frames(void **state)
{
    host_wire_up();
    uint64_t drops = host_wire_counters[1].drops;
    uint8_t f[1600] = {0};
    host_wire_input(1, f, 10);        /* runt */
    host_wire_input(1, f, sizeof(f)); /* oversize */
    f[12] = 0x86, f[13] = 0xdd;
    host_wire_input(1, f, 60); /* IPv6 */
    f[12] = 0x81, f[13] = 0x00;
    host_wire_input(1, f, 60); /* VLAN */
    assert_int_equal(host_wire_counters[1].drops, drops + 4);
    /* A truncated IPv4 header goes to lwIP, which drops it silently: no crash. */
    f[12] = 0x08, f[13] = 0x00, f[14] = 0x45;
    host_wire_input(1, f, 20);
    assert_false(host_wire_pump() && host_wires[0].count);
}

int main(void)
{
#ifdef TEST_WIRE_OFFLOADS
    host_wire_offloads = NETSTACK_OFFLOAD_TX_CSUM | NETSTACK_OFFLOAD_TSO4;
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_is_per_core),
        cmocka_unit_test(test_idle_has_no_deadline),
        cmocka_unit_test(test_echo_1mib),
        cmocka_unit_test(test_echo_tx_ring_full),
        cmocka_unit_test(test_timers_stop_when_idle),
        cmocka_unit_test(test_bad_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
