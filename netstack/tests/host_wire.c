/* Two instances back to back (see host_wire.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netstack/limits.h"
#include "netstack/tests/host_cores.h"
#include "netstack/tests/host_env.h"
#include "netstack/tests/host_wire.h"

#define WIRE_SLOTS 4096

struct host_wire_frame {
    size_t len;
    uint8_t data[NETSTACK_FRAME_MAX];
};

struct host_wire host_wires[2];
struct netstack_counters host_wire_counters[2];

static int link_output(void *ctx, const struct netstack_frame *fr)
{
    struct host_wire *w = ctx;

    if (w->full_every && ++w->calls % w->full_every == 0) {
        w->refused++;
        return -EAGAIN;
    }
    assert_true(w->count < WIRE_SLOTS);
    struct host_wire_frame *f = &w->q[(w->head + w->count) % WIRE_SLOTS];
    assert_true(fr->csum_start == 0 && fr->gso_size == 0); /* no offloads offered */
    assert_true(fr->hdr_len <= NETSTACK_ETH_HLEN + NETSTACK_MTU);
    memcpy(f->data, fr->hdr, fr->hdr_len);
    f->len = fr->hdr_len;
    for (unsigned i = 0; i < fr->nsegs; i++) {
        assert_true(f->len + fr->segs[i].len <= NETSTACK_ETH_HLEN + NETSTACK_MTU); /* no tag */
        memcpy(f->data + f->len, fr->segs[i].data, fr->segs[i].len);
        f->len += fr->segs[i].len;
    }
    w->count++;
    netstack_if_tx_done(fr->cookie); /* copied: the wire is done with the pbufs */
    uint16_t type = (uint16_t)(f->data[12] << 8 | f->data[13]);
    if (type == 0x0806)
        w->arp++;
    else if (type == 0x0800)
        w->ipv4++;
    return 0;
}

uint64_t host_wire_poll(unsigned k)
{
    host_core_enter(k);
    return netstack_if_poll();
}

void host_wire_input(unsigned k, const void *frame, size_t len)
{
    host_core_enter(k);
    netstack_if_input(frame, len, false);
}

bool host_wire_pump(void)
{
    bool moved = false;
    for (unsigned to = 0; to < 2; to++) {
        struct host_wire *w = &host_wires[to];
        while (w->count > 0) {
            struct host_wire_frame f = w->q[w->head]; /* copy: input may queue more frames */
            w->head = (w->head + 1) % WIRE_SLOTS;
            w->count--;
            host_wire_input(to, f.data, f.len);
            moved = true;
        }
    }
    uint64_t d0 = host_wire_poll(0);
    uint64_t d1 = host_wire_poll(1);
    if (moved || host_wires[0].count || host_wires[1].count)
        return true;
    uint64_t next = d0 < d1 ? d0 : d1;
    if (next == NETSTACK_NO_DEADLINE)
        return false;
    if (next > host_env_now_ns)
        host_env_now_ns = next;
    return true;
}

void host_wire_up(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (int i = 0; i < 2; i++) {
        host_wires[i].q = calloc(WIRE_SLOTS, sizeof(struct host_wire_frame));
        assert_non_null(host_wires[i].q);
    }
    /* Instance k transmits onto the wire towards the other one. */
    for (unsigned k = 0; k < 2; k++) {
        struct netstack_if_config c = {
            .cpu = k,
            .counters = &host_wire_counters[k],
            .mac = {2, 0, 0, 0, 0, (uint8_t)(k + 1)},
            .ip = k == 0 ? HOST_WIRE_IP0 : HOST_WIRE_IP1,
            .netmask = HOST_WIRE_MASK,
            .link_output = link_output,
            .link_ctx = &host_wires[1 - k],
        };
        host_core_enter(k);
        assert_int_equal(netstack_if_init(&c), 0);
        assert_int_equal(netstack_if_init(&c), -EBUSY);
    }
}
