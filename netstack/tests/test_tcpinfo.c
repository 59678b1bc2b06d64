/*
 * Host tests of netstack/tcpinfo.c: what the TCP pcb under an altcp connection says, and the
 * rule that tells a client that does not take data (reset it) from a server that has not sent
 * it (never the client's fault).  The pcb is a plain struct here: only its sequence fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/altcp.h"
#include "lwip/tcp.h"
#include "netstack/netif.h"
#include "netstack/tcpinfo.h"

static bool backlogged; /* what this core's transmit path says (netstack/netif.h) */

bool netstack_if_tx_backlogged(void)
{
    return backlogged;
}

static struct netstack_tcp_info info_of(uint32_t lastack, uint32_t snd_nxt, uint32_t snd_lbb,
                                        uint32_t wnd)
{
    static struct tcp_pcb pcb;
    static struct altcp_pcb conn;
    memset(&pcb, 0, sizeof(pcb));
    pcb.lastack = lastack;
    pcb.snd_nxt = snd_nxt;
    pcb.snd_lbb = snd_lbb;
    pcb.snd_wnd = (tcpwnd_size_t)wnd;
    pcb.mss = 1460;
    conn = (struct altcp_pcb){.state = &pcb};
    struct netstack_tcp_info i;
    assert_int_equal(netstack_tcp_info(&conn, &i), 0);
    return i;
}

static void test_info_reads_the_pcb(void **state)
{
    backlogged = false;
    struct netstack_tcp_info i = info_of(1000, 5000, 9000, 65535);
    assert_int_equal(i.in_flight, 4000);
    assert_int_equal(i.unsent, 4000);
    assert_int_equal(i.window, 65535);
    assert_int_equal(i.peer_window, 61535);
    assert_int_equal(i.mss, 1460);
    /* Sequence numbers wrap. */
    i = info_of(0xfffffff0u, 0x10, 0x20, 1000);
    assert_int_equal(i.in_flight, 0x20);
    assert_int_equal(i.unsent, 0x10);
}

static void test_info_after_our_fin(void **state)
{
    /* The FIN moves snd_nxt one past the last byte queued: nothing is unsent. */
    struct netstack_tcp_info i = info_of(100, 201, 200, 65535);
    assert_int_equal(i.unsent, 0);
    assert_int_equal(i.in_flight, 101);
}

static void test_no_pcb(void **state)
{
    struct altcp_pcb conn = {.state = NULL};
    struct netstack_tcp_info i;
    assert_true(netstack_tcp_info(&conn, &i) < 0);
}

static void test_closed_window_is_the_client(void **state)
{
    backlogged = false;
    struct netstack_tcp_info i = info_of(1000, 1000, 60000, 0); /* zero window */
    assert_true(netstack_tcp_peer_stalled(&i, true));
    i = info_of(1000, 1001, 60000, 1); /* a window opened by one byte */
    assert_true(netstack_tcp_peer_stalled(&i, true));
    /* Even while our own frames wait for the ring: the client said it has no room. */
    backlogged = true;
    i = info_of(1000, 1000, 60000, 0);
    assert_true(netstack_tcp_peer_stalled(&i, false));
}

static void test_server_backlog_is_never_the_client(void **state)
{
    backlogged = true;
    /* A full window in flight (our backlog holds it), nothing acknowledged yet. */
    struct netstack_tcp_info i = info_of(1000, 66535, 200000, 65535);
    assert_false(netstack_tcp_peer_stalled(&i, false));
    backlogged = false;
    /* Congestion window: the client's window has room, TCP holds the rest. */
    i = info_of(1000, 3920, 200000, 65535);
    assert_false(netstack_tcp_peer_stalled(&i, true));
}

static void test_unacknowledged_flight_is_the_client(void **state)
{
    backlogged = false;
    /* Data on the wire for a whole window, not one byte acknowledged. */
    struct netstack_tcp_info i = info_of(1000, 30000, 200000, 65535);
    assert_true(netstack_tcp_peer_stalled(&i, false));
    /* All sent, some acknowledged, the rest still owed. */
    i = info_of(1000, 5000, 5000, 65535);
    assert_true(netstack_tcp_peer_stalled(&i, true));
    /* Everything acknowledged: nothing to hold against anyone. */
    i = info_of(5000, 5000, 5000, 65535);
    assert_false(netstack_tcp_peer_stalled(&i, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_reads_the_pcb),
        cmocka_unit_test(test_info_after_our_fin),
        cmocka_unit_test(test_no_pcb),
        cmocka_unit_test(test_closed_window_is_the_client),
        cmocka_unit_test(test_server_backlog_is_never_the_client),
        cmocka_unit_test(test_unacknowledged_flight_is_the_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
