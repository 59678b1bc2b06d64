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
unsigned host_wire_offloads;

static uint16_t get16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

/* The Internet checksum's one's-complement sum of len bytes, added to sum (RFC 1071). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Queue one finished frame towards the wire's instance. */
static void wire_put(struct host_wire *w, const uint8_t *data, size_t len)
{
    assert_true(w->count < WIRE_SLOTS);
    assert_true(len <= NETSTACK_ETH_HLEN + NETSTACK_MTU); /* a frame on the wire: no tag */
    struct host_wire_frame *f = &w->q[(w->head + w->count) % WIRE_SLOTS];
    memcpy(f->data, data, len);
    f->len = len;
    w->count++;
    uint16_t type = get16(f->data + 12);
    if (type == 0x0806)
        w->arp++;
    else if (type == 0x0800)
        w->ipv4++;
}

/* A device's segmentation (virtio 1.2 5.1.6.2): frame (Ethernet, IPv4, TCP headers of hlen
 * bytes, then the payload) cut at gso bytes of payload, each piece with its own headers:
 * total length, identification + i, header checksum, sequence number, PSH/FIN only on the
 * last, and its TCP checksum computed whole. */
static void wire_segment(struct host_wire *w, const uint8_t *frame, size_t len, uint16_t hlen,
                         uint16_t gso)
{
    static uint8_t piece[NETSTACK_ETH_HLEN + NETSTACK_MTU];
    const uint8_t *ip = frame + NETSTACK_ETH_HLEN;
    uint16_t ihl = (uint16_t)((ip[0] & 0x0f) * 4);
    uint16_t thl = (uint16_t)(hlen - NETSTACK_ETH_HLEN - ihl);
    size_t payload = len - hlen;
    assert_true(gso > 0 && hlen + gso <= sizeof(piece) && payload > 0);
    uint32_t seq = (uint32_t)get16(ip + ihl + 4) << 16 | get16(ip + ihl + 6);
    for (size_t off = 0, i = 0; off < payload; off += gso, i++) {
        size_t n = payload - off < gso ? payload - off : gso;
        bool last = off + n == payload;
        memcpy(piece, frame, hlen);
        memcpy(piece + hlen, frame + hlen + off, n);
        uint8_t *pip = piece + NETSTACK_ETH_HLEN, *tcp = pip + ihl;
        put16(pip + 2, (uint16_t)(ihl + thl + n));
        put16(pip + 4, (uint16_t)(get16(ip + 4) + i));
        put16(pip + 10, 0);
        put16(pip + 10, (uint16_t)~fold(sum16(0, pip, ihl)));
        uint32_t s = seq + (uint32_t)off;
        put16(tcp + 4, (uint16_t)(s >> 16));
        put16(tcp + 6, (uint16_t)s);
        if (!last)
            tcp[13] &= (uint8_t)~0x09; /* FIN, PSH */
        put16(tcp + 16, 0);
        uint32_t sum = 6 + (uint32_t)(thl + n);
        sum = sum16(sum, pip + 12, 8); /* the pseudo-header's addresses */
        sum = sum16(sum, tcp, thl + n);
        put16(tcp + 16, (uint16_t)~fold(sum));
        wire_put(w, piece, hlen + n);
    }
}

static int link_output(void *ctx, const struct netstack_frame *fr)
{
    static uint8_t frame[NETSTACK_ETH_HLEN + 65535];
    struct host_wire *w = ctx;

    if (w->full_every && ++w->calls % w->full_every == 0) {
        w->refused++;
        return -EAGAIN;
    }
    if (fr->csum_start)
        assert_true(host_wire_offloads & NETSTACK_OFFLOAD_TX_CSUM);
    if (fr->gso_size)
        assert_true((host_wire_offloads & NETSTACK_OFFLOAD_TSO4) && fr->csum_start);
    size_t len = fr->hdr_len;
    assert_true(len <= sizeof(frame));
    memcpy(frame, fr->hdr, fr->hdr_len);
    for (unsigned i = 0; i < fr->nsegs; i++) {
        assert_true(len + fr->segs[i].len <= sizeof(frame));
        memcpy(frame + len, fr->segs[i].data, fr->segs[i].len);
        len += fr->segs[i].len;
    }
    netstack_if_tx_done(fr->cookie); /* copied: the wire is done with the pbufs */
    if (fr->gso_size) {
        if (len - fr->gso_hdr_len > w->largest_gso)
            w->largest_gso = len - fr->gso_hdr_len;
        wire_segment(w, frame, len, fr->gso_hdr_len, fr->gso_size);
    } else {
        if (fr->csum_start) {
            /* Complete the sum from csum_start to the end; the field holds the pseudo-header
             * sum the stack computed, which this checks as the receiver verifies the result. */
            assert_true((size_t)fr->csum_start + fr->csum_offset + 2 <= len);
            uint16_t c = (uint16_t)~fold(sum16(0, frame + fr->csum_start, len - fr->csum_start));
            put16(frame + fr->csum_start + fr->csum_offset, c);
        }
        wire_put(w, frame, len);
    }
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
            .offloads = host_wire_offloads,
            .link_ctx = &host_wires[1 - k],
        };
        host_core_enter(k);
        assert_int_equal(netstack_if_init(&c), 0);
        assert_int_equal(netstack_if_init(&c), -EBUSY);
    }
}
