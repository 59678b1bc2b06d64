/*
 * Host unit tests of the virtio-net driver (virtio/net.c) against the fake device: bring-up
 * with several queue pairs (interrupts aimed per core, VQ_PAIRS_SET on the control queue),
 * frames both ways, and every failing path of virtio_net_init(): the device is reset, marked
 * FAILED and every page of queue memory is given back; a pair the device never heard of is
 * dropped instead (no memory, an interrupt shared with another core).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/panic.h"
#include "core/pmm.h"
#include "core/time.h"
#include "tests/host/log_host.h"
#include "virtio/limits.h"
#include "virtio/net.h"
#include "virtio/tests/fake_device.h"

#define V1     VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define EVENT  VIRTIO_BIT(VIRTIO_F_EVENT_IDX)
#define MAC_F  VIRTIO_BIT(VIRTIO_NET_F_MAC)
#define CTRL_F VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)
#define MQ_F   VIRTIO_BIT(VIRTIO_NET_F_MQ)
#define ALL_F  (EVENT | MAC_F | CTRL_F | MQ_F)

#define HDR  12 /* virtio-net header in front of every frame */
#define QMAX 16 /* queue size the fake device offers: small, the tests need no more */

/* --- kernel stand-ins ---------------------------------------------------------------------- */

static struct fake_device fd;
static bool have_device;

struct virtio_dev *virtio_dev_find(uint32_t device_id, unsigned n)
{
    return have_device && device_id == VIRTIO_ID_NET && n == 0 ? &fd.dev : NULL;
}

/* Pages handed out and not yet given back; a budget (>= 0) makes the allocator run out.  The
 * runs are remembered, so a freed run must be one handed out (with its size), and a test's
 * device that stays live gives its memory back in setup(). */
#define MAX_RUNS 512
static struct {
    void *p;
    size_t npages;
} runs[MAX_RUNS];
static long pages_out;
static long page_budget = -1;

void *core_pmm_alloc(size_t npages)
{
    if (npages == 0 || (page_budget >= 0 && pages_out + (long)npages > page_budget))
        return NULL;
    for (unsigned i = 0; i < MAX_RUNS; i++) {
        if (!runs[i].p) {
            runs[i].p = aligned_alloc(CORE_PMM_PAGE_SIZE, npages * CORE_PMM_PAGE_SIZE);
            runs[i].npages = npages;
            pages_out += (long)npages;
            return runs[i].p;
        }
    }
    fail_msg("test allocator: more than %u runs", MAX_RUNS);
    return NULL;
}

void core_pmm_free(void *p, size_t npages)
{
    for (unsigned i = 0; i < MAX_RUNS; i++) {
        if (runs[i].p == p) {
            assert_int_equal(runs[i].npages, npages);
            free(p);
            runs[i].p = NULL;
            pages_out -= (long)npages;
            return;
        }
    }
    fail_msg("core_pmm_free of a run never handed out");
}

static void free_runs(void)
{
    for (unsigned i = 0; i < MAX_RUNS; i++) {
        free(runs[i].p);
        runs[i].p = NULL;
    }
    pages_out = 0;
}

/* Each reading advances the clock 1 ms: a bounded wait ends after its bound in readings. */
uint64_t core_time_ns(void)
{
    static uint64_t clock_ns;
    return clock_ns += 1000000;
}

/* --- the device side of the control queue -------------------------------------------------- */

static int ctrl_ack;         /* the ack byte the device writes; -1: it never answers */
static uint16_t ctrl_index;  /* the control queue's index (2 * max_virtqueue_pairs) */
static uint8_t ctrl_cmd[8];  /* readable bytes of the last command */
static unsigned ctrl_cmds;   /* commands answered or swallowed */
static unsigned other_kicks; /* notifications of the other queues */

static void on_notify(void *arg, uint16_t index)
{
    struct fake_chain c;

    if (index != ctrl_index) {
        other_kicks++;
        return;
    }
    while (fake_queue_pop(&fd, index, &c) == 0) {
        ctrl_cmds++;
        memset(ctrl_cmd, 0, sizeof(ctrl_cmd));
        fake_chain_gather(&c, ctrl_cmd, sizeof(ctrl_cmd));
        assert_true(c.seg[c.nseg - 1].write);
        assert_int_equal(c.in_len, 1);
        if (ctrl_ack < 0)
            continue;
        *(uint8_t *)(uintptr_t)c.seg[c.nseg - 1].addr = (uint8_t)ctrl_ack;
        fake_queue_complete(&fd, index, c.head, 1);
    }
}

/* --- helpers ------------------------------------------------------------------------------- */

static const uint8_t dev_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static uint32_t apic_ids[2 * VIRTIO_NET_MAX_PAIRS]; /* callers may want more than the limit */

/* A device offering `features` (plus VERSION_1) with `max_pairs` pairs (config), and the
 * queues for them plus the control queue, each of `qmax` entries. */
static void device_new(uint64_t features, uint16_t max_pairs, uint16_t qmax)
{
    unsigned nqueues = 2u * max_pairs + 1;
    if (nqueues < 3)
        nqueues = 3; /* pair 0 and a control queue, whatever max_pairs claims */
    if (nqueues > FAKE_MAX_QUEUES)
        nqueues = FAKE_MAX_QUEUES; /* hostile counts: the queues beyond do not exist */
    fake_device_init(&fd, VIRTIO_ID_NET, V1 | features, (uint16_t)nqueues, qmax);
    memcpy(fd.config + 0, dev_mac, 6);
    memcpy(fd.config + 8, &max_pairs, 2);
    fd.on_notify = on_notify;
    /* No control queue the driver may use when its index does not fit 16 bits. */
    ctrl_index = max_pairs >= 1 && 2u * max_pairs <= 0xffff ? (uint16_t)(2u * max_pairs) : 0xffff;
    have_device = true;
}

static int setup(void **state)
{
    log_host_all[0] = 0;
    have_device = false;
    free_runs();
    page_budget = -1;
    ctrl_ack = 0;
    ctrl_cmds = other_kicks = 0;
    for (unsigned i = 0; i < 2 * VIRTIO_NET_MAX_PAIRS; i++)
        apic_ids[i] = 10 + i;
    return 0;
}

/* After a failed init: the device was reset (so it let go of our memory), then marked FAILED,
 * never went live, and every page came back. */
static void expect_unwound(void)
{
    assert_int_equal(fd.status, VIRTIO_STATUS_FAILED);
    assert_true(fd.resets >= 2); /* the reset of init and the one of unwinding */
    assert_int_equal(pages_out, 0);
    assert_int_equal(fd.driver_errors, 0);
}

/* The device writes `len` bytes of frame (after a zero header) into the next receive buffer of
 * queue q and reports HDR + len, or `used_len` when not 0. */
static void deliver(unsigned q, uint32_t len, uint32_t used_len, uint8_t seed)
{
    struct fake_chain c;
    assert_int_equal(fake_queue_pop(&fd, q, &c), 0);
    assert_int_equal(c.nseg, 1);
    assert_true(c.seg[0].write);
    uint8_t *buf = (uint8_t *)(uintptr_t)c.seg[0].addr;
    memset(buf, 0, HDR);
    for (uint32_t i = 0; i < len && HDR + i < c.seg[0].len; i++)
        buf[HDR + i] = fake_pattern(seed, i);
    fake_queue_complete(&fd, q, c.head, used_len ? used_len : HDR + len);
}

static unsigned got_frames;
static size_t got_len;
static uint8_t got[2048];

static unsigned got_flags;

static void rx_fn(void *ctx, const uint8_t *frame, size_t len, unsigned flags)
{
    got_frames++;
    got_flags = flags;
    got_len = len;
    memcpy(got, frame, len < sizeof(got) ? len : sizeof(got));
}

/* --- bring-up ------------------------------------------------------------------------------ */

/* Two pairs: the interrupts aim at each pair's core (an entry each, the transmit queues none),
 * the receive rings are full, VQ_PAIRS_SET 2 goes to the control queue, the MAC is the
 * device's; frames go both ways on pair 1. */
static void test_init_two_pairs(void **state)
{
    device_new(ALL_F, 2, QMAX);
    assert_int_equal(virtio_net_init(2, apic_ids), 2);
    assert_int_equal(fd.driver_features, V1 | ALL_F);
    assert_true(fd.status & VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(fd.q[0].irq_apic_id, apic_ids[0]);
    assert_int_equal(fd.q[2].irq_apic_id, apic_ids[1]);
    assert_int_equal(fd.q[0].vector, 0);
    assert_int_equal(fd.q[2].vector, 1);
    assert_int_equal(fd.q[1].vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(fd.q[3].vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(fd.q[4].vector, VIRTIO_MSI_NO_VECTOR);
    assert_int_equal(fd.q[0].avail->idx, QMAX);
    assert_int_equal(fd.q[2].avail->idx, QMAX);
    assert_int_equal(ctrl_cmds, 1);
    assert_memory_equal(ctrl_cmd, ((uint8_t[]){4, 0, 2, 0}), 4); /* MQ, VQ_PAIRS_SET, le16 2 */
    uint8_t m[6];
    virtio_net_mac(m);
    assert_memory_equal(m, dev_mac, 6);
    assert_non_null(strstr(log_host_last, "2 queue pairs (device has 2), offloads: none, fake"));

    /* Receive: a frame is handed up; a runt and an oversize frame are dropped and counted;
     * each buffer goes back to the device.  The limits are 14 and 1518 bytes (header + MTU +
     * one VLAN tag) on both sides of each. */
    assert_int_equal(VIRTIO_NET_FRAME_MIN, 14);
    assert_int_equal(VIRTIO_NET_FRAME_MAX, 1518);
    deliver(2, 60, 0, 7);
    deliver(2, VIRTIO_NET_FRAME_MIN - 1, 0, 1);
    deliver(2, VIRTIO_NET_FRAME_MIN, 0, 1);
    deliver(2, VIRTIO_NET_FRAME_MAX + 1, 0, 1);
    deliver(2, 1600, 0, 1);
    deliver(2, VIRTIO_NET_FRAME_MAX, 0, 9);
    got_frames = 0;
    assert_int_equal(virtio_net_rx_poll(1, rx_fn, NULL, 8), 3);
    assert_int_equal(got_frames, 3);
    assert_int_equal(got_len, VIRTIO_NET_FRAME_MAX);
    for (uint32_t i = 0; i < VIRTIO_NET_FRAME_MAX; i++)
        assert_int_equal(got[i], fake_pattern(9, i));
    struct virtio_net_counters c;
    virtio_net_counters(1, &c);
    assert_int_equal(c.rx, 3);
    assert_int_equal(c.rx_drops, 3);
    assert_int_equal(fd.q[2].avail->idx, QMAX + 6);

    /* Transmit: header and segments behind a zero virtio-net header; too large a frame is
     * refused. */
    uint8_t a[20], b[40], out[128];
    memset(a, 0xaa, sizeof(a));
    memset(b, 0xbb, sizeof(b));
    struct virtio_net_seg segs[1] = {{b, sizeof(b)}};
    struct virtio_net_frame fr = {.hdr = a, .hdr_len = sizeof(a), .segs = segs, .nsegs = 1};
    assert_int_equal(virtio_net_xmit(1, &fr), 0);
    virtio_net_flush(1);
    struct fake_chain ch;
    assert_int_equal(fake_queue_pop(&fd, 3, &ch), 0);
    assert_int_equal(ch.out_len, HDR + 60);
    assert_int_equal(fake_chain_gather(&ch, out, sizeof(out)), HDR + 60);
    for (unsigned i = 0; i < HDR; i++)
        assert_int_equal(out[i], 0);
    assert_memory_equal(out + HDR, a, sizeof(a));
    assert_memory_equal(out + HDR + sizeof(a), b, sizeof(b));
    static uint8_t big[VIRTIO_NET_FRAME_MAX + 1];
    struct virtio_net_seg one = {big, VIRTIO_NET_FRAME_MAX + 1};
    struct virtio_net_frame bf = {.segs = &one, .nsegs = 1};
    assert_int_equal(virtio_net_xmit(1, &bf), -EMSGSIZE);
    one.len = VIRTIO_NET_FRAME_MAX;
    assert_int_equal(virtio_net_xmit(1, &bf), 0);
    virtio_net_flush(1);
    assert_int_equal(fake_queue_pop(&fd, 3, &ch), 0);
    assert_int_equal(ch.out_len, HDR + VIRTIO_NET_FRAME_MAX);
    assert_int_equal(fd.driver_errors, 0);
}

static void test_init_no_device(void **state)
{
    assert_int_equal(virtio_net_init(1, apic_ids), -ENODEV);
    assert_int_equal(pages_out, 0);
}

/* --- failing init paths: reset, FAILED, memory back ---------------------------------------- */

/* §3.1.1 step 6: the device clears FEATURES_OK (virtio_dev_init_begin already sets FAILED). */
static void test_init_features_refused(void **state)
{
    device_new(ALL_F, 2, QMAX);
    fd.refuse_features_ok = true;
    assert_int_equal(virtio_net_init(2, apic_ids), -ENOTSUP);
    assert_true(fd.status & VIRTIO_STATUS_FAILED);
    assert_false(fd.status & VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(pages_out, 0);
    assert_non_null(strstr(log_host_last, "feature negotiation failed"));
}

/* A queue of one entry cannot carry a control command nor keep receiving. */
static void test_init_queue_too_small(void **state)
{
    device_new(ALL_F, 1, 1);
    assert_int_equal(virtio_net_init(1, apic_ids), -EIO);
    expect_unwound();
    assert_non_null(strstr(log_host_last, "queue pair 0 could not be set up"));
    assert_int_equal(log_host_count[LOG_ERROR] > 0, 1);
}

/* The device refuses a queue it offered (after it was told the first pair's rings): the rings
 * it knows are freed only after the reset. */
static void test_init_queue_refused(void **state)
{
    device_new(ALL_F, 2, QMAX);
    fd.refuse_vector = true;
    assert_int_equal(virtio_net_init(2, apic_ids), -EIO);
    expect_unwound();
}

/* DEVICE_NEEDS_RESET right after DRIVER_OK: the device was live with full receive rings. */
static void test_init_driver_ok_refused(void **state)
{
    device_new(ALL_F, 2, QMAX);
    fd.needs_reset = true;
    assert_int_equal(virtio_net_init(2, apic_ids), -EIO);
    fd.needs_reset = false;
    expect_unwound();
    assert_non_null(strstr(log_host_last, "DRIVER_OK"));
}

/* No memory for pair 0: nothing to run on. */
static void test_init_no_memory(void **state)
{
    device_new(ALL_F, 1, QMAX);
    page_budget = 3;
    assert_int_equal(virtio_net_init(1, apic_ids), -ENOMEM);
    expect_unwound();
}

/* A control queue that never answers VQ_PAIRS_SET: the device might act on it later and steer
 * flows to queues nobody reads, so it is not used at all. */
static void test_ctrl_timeout(void **state)
{
    device_new(ALL_F, 2, QMAX);
    ctrl_ack = -1;
    assert_int_equal(virtio_net_init(2, apic_ids), -ETIMEDOUT);
    assert_int_equal(ctrl_cmds, 1);
    expect_unwound();
}

/* --- degraded but working ------------------------------------------------------------------ */

/* The device answers VQ_PAIRS_SET with an error: it keeps using pair 0 alone, and so do we. */
static void test_ctrl_refused(void **state)
{
    device_new(ALL_F, 2, QMAX);
    ctrl_ack = 1; /* VIRTIO_NET_ERR */
    assert_int_equal(virtio_net_init(2, apic_ids), 1);
    assert_int_equal(ctrl_cmds, 1);
    assert_true(fd.status & VIRTIO_STATUS_DRIVER_OK);
    assert_false(fd.status & VIRTIO_STATUS_FAILED);
    assert_non_null(strstr(log_host_last, "1 queue pair (device has 2)"));
    assert_int_equal(log_host_count[LOG_WARN] > 0, 1);
}

/* Memory runs out at pair 1: pair 1 is dropped before the device hears of it, its pages come
 * back, and the device runs with one pair (no VQ_PAIRS_SET needed). */
static void test_no_memory_for_second_pair(void **state)
{
    device_new(ALL_F, 1, QMAX);
    assert_int_equal(virtio_net_init(1, apic_ids), 1);
    long one_pair = pages_out;

    setup(NULL);
    device_new(ALL_F, 2, QMAX);
    page_budget = one_pair + 1 /* control queue */ + 2;
    assert_int_equal(virtio_net_init(2, apic_ids), 1);
    assert_int_equal(pages_out, one_pair + 1);
    assert_int_equal(ctrl_cmds, 0);
    assert_false(fd.q[2].irq_routed); /* pair 1 took no interrupt either */
    assert_non_null(strstr(log_host_last, "1 queue pair (device has 2)"));
    assert_int_equal(fd.driver_errors, 0);
}

/* One interrupt for all queues (as on virtio-mmio): it aims at core 0, so pair 1 (core 1)
 * cannot be woken and is dropped. */
static void test_shared_interrupt_one_pair(void **state)
{
    device_new(ALL_F, 2, QMAX);
    fd.irq_shared = true;
    assert_int_equal(virtio_net_init(2, apic_ids), 1);
    assert_true(fd.q[0].irq_routed);
    assert_int_equal(fd.q[0].irq_apic_id, apic_ids[0]);
    assert_false(fd.q[2].irq_routed);
    assert_int_equal(fd.q[2].setups, 0);
    assert_int_equal(ctrl_cmds, 0);
    assert_true(fd.status & VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(fd.driver_errors, 0);
}

/* --- hostile device ------------------------------------------------------------------------ */

/* max_virtqueue_pairs is the device's word (§5.1.4: 1 .. 0x8000).  0 and values above 0x8000
 * are refused with a log line naming them; 0x8000 puts the control queue at 0x10000, which no
 * 16-bit queue number reaches (it must not wrap to receive queue 0); 0x7fff puts it at 0xfffe,
 * where the device has nothing.  Each time: one pair, every queue set up at most once. */
static void test_hostile_max_pairs(void **state)
{
    static const struct {
        uint16_t max_pairs;
        const char *logged;
    } cases[] = {
        {0, "max_virtqueue_pairs 0 "},          {0x8001, "max_virtqueue_pairs 32769 "},
        {0xffff, "max_virtqueue_pairs 65535 "}, {0x8000, "control queue 65536 "},
        {0x7fff, "queue 65534 missing"},
    };
    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        setup(NULL);
        device_new(ALL_F, cases[k].max_pairs, QMAX);
        unsigned logs = log_host_count[LOG_WARN] + log_host_count[LOG_ERROR];
        assert_int_equal(virtio_net_init(4, apic_ids), 1);
        assert_true(log_host_count[LOG_WARN] + log_host_count[LOG_ERROR] > logs);
        assert_int_equal(fd.q[0].setups, 1);
        assert_int_equal(fd.q[1].setups, 1);
        assert_int_equal(fd.q[0].irq_apic_id, apic_ids[0]);
        assert_int_equal(ctrl_cmds, 0);
        assert_true(fd.status & VIRTIO_STATUS_DRIVER_OK);
        assert_int_equal(fd.driver_errors, 0);
        assert_non_null(strstr(log_host_last, "1 queue pair"));
        assert_non_null(strstr(log_host_all, cases[k].logged));
    }
}

/* --- many cores ---------------------------------------------------------------------------- */

/* 80 cores want a pair from a device with 100 pairs and an MSI-X table of 2N+2 = 130 entries
 * (QEMU's vectors= for 64 pairs): 64 pairs, each receive interrupt on its own core through its
 * own entry, the control queue at 200, VQ_PAIRS_SET 64. */
static void test_sixty_four_pairs(void **state)
{
    device_new(ALL_F, 100, 2);
    fd.irq_entries = 2 * 64 + 2;
    assert_int_equal(VIRTIO_NET_MAX_PAIRS, 64);
    assert_int_equal(virtio_net_init(80, apic_ids), 64);
    for (unsigned i = 0; i < 64; i++) {
        assert_true(fd.q[2 * i].irq_routed);
        assert_int_equal(fd.q[2 * i].irq_apic_id, apic_ids[i]);
        assert_int_equal(fd.q[2 * i].vector, i);
        assert_int_equal(fd.q[2 * i].setups, 1);
        assert_int_equal(fd.q[2 * i + 1].setups, 1);
        assert_int_equal(fd.q[2 * i + 1].vector, VIRTIO_MSI_NO_VECTOR);
    }
    assert_int_equal(fd.q[128].setups, 0);
    assert_int_equal(fd.irq_used, 64);
    assert_int_equal(fd.q[200].setups, 1);
    assert_int_equal(ctrl_cmds, 1);
    assert_memory_equal(ctrl_cmd, ((uint8_t[]){4, 0, 64, 0}), 4);
    assert_non_null(strstr(log_host_last, "64 queue pairs (device has 100)"));
    /* The last pair works like the first. */
    deliver(126, 100, 0, 3);
    got_frames = 0;
    assert_int_equal(virtio_net_rx_poll(63, rx_fn, NULL, 8), 1);
    assert_int_equal(got_len, 100);
    assert_int_equal(fd.driver_errors, 0);
}

/* An MSI-X table with fewer entries than pairs: the pairs whose core cannot be woken are not
 * used (their flows go to the others), and VQ_PAIRS_SET says so. */
static void test_fewer_interrupts_than_pairs(void **state)
{
    device_new(ALL_F, 4, QMAX);
    fd.irq_entries = 2;
    assert_int_equal(virtio_net_init(4, apic_ids), 2);
    assert_int_equal(fd.q[4].setups, 0);
    assert_int_equal(fd.q[6].setups, 0);
    assert_memory_equal(ctrl_cmd, ((uint8_t[]){4, 0, 2, 0}), 4);
    assert_int_equal(log_host_count[LOG_WARN] > 0, 1);
    assert_int_equal(fd.driver_errors, 0);
}

/* --- offloads ------------------------------------------------------------------------------ */

#define CSUM_F  VIRTIO_BIT(VIRTIO_NET_F_CSUM)
#define GCSUM_F VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)
#define TSO_F   VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4)
#define IND_F   VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)
#define OFF_F   (CSUM_F | GCSUM_F | TSO_F | IND_F)

static unsigned released;
static void *last_cookie;

static void release_fn(void *ctx, void *cookie)
{
    released++;
    last_cookie = cookie;
}

/* The device writes a frame with header flags `hflags` into the next receive buffer of q. */
static void deliver_flags(unsigned q, uint8_t hflags)
{
    struct fake_chain c;
    assert_int_equal(fake_queue_pop(&fd, q, &c), 0);
    uint8_t *buf = (uint8_t *)(uintptr_t)c.seg[0].addr;
    memset(buf, 0, HDR + 60);
    buf[0] = hflags;
    fake_queue_complete(&fd, q, c.head, HDR + 60);
}

/* A device offering checksum offload both ways and TSO: all three are used (and indirect
 * descriptors); a frame's payload goes by reference (its own bytes, not a copy), the header
 * fields reach the device, and the cookie comes back only when the device is done. */
static void test_offloads_negotiated(void **state)
{
    device_new(ALL_F | OFF_F, 1, QMAX);
    assert_int_equal(virtio_net_init(1, apic_ids), 1);
    assert_int_equal(fd.driver_features, V1 | ALL_F | OFF_F);
    assert_int_equal(virtio_net_offloads(),
                     VIRTIO_NET_OFFLOAD_TX_CSUM | VIRTIO_NET_OFFLOAD_RX_CSUM |
                         VIRTIO_NET_OFFLOAD_TSO4);
    assert_non_null(strstr(log_host_last, "offloads: tx-csum rx-csum tso4"));
    virtio_net_tx_release(0, release_fn, NULL);
    released = 0;

    /* A TSO frame: 54 bytes of headers copied, 3 pieces by reference, two of which touch and
     * go as one descriptor. */
    static uint8_t hdr[54], body[8000];
    memset(hdr, 0x11, sizeof(hdr));
    for (unsigned i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)i;
    struct virtio_net_seg segs[3] = {{body, 1000}, {body + 1000, 3000}, {body + 5000, 3000}};
    int cookie;
    struct virtio_net_frame f = {.hdr = hdr,
                                 .hdr_len = sizeof(hdr),
                                 .segs = segs,
                                 .nsegs = 3,
                                 .csum_start = 34,
                                 .csum_offset = 16,
                                 .gso_size = 1460,
                                 .gso_hdr_len = 54,
                                 .cookie = &cookie};
    assert_int_equal(virtio_net_xmit(0, &f), 0);
    virtio_net_flush(0);
    struct fake_chain ch;
    assert_int_equal(fake_queue_pop(&fd, 1, &ch), 0);
    assert_true(ch.indirect);
    assert_int_equal(ch.nseg, 3);
    assert_int_equal(ch.seg[0].len, HDR + 54);
    assert_int_equal(ch.seg[1].addr, (uint64_t)(uintptr_t)body); /* by reference */
    assert_int_equal(ch.seg[1].len, 4000);
    assert_int_equal(ch.seg[2].addr, (uint64_t)(uintptr_t)(body + 5000));
    const uint8_t *h = (const uint8_t *)(uintptr_t)ch.seg[0].addr;
    assert_int_equal(h[0], 1);                 /* NEEDS_CSUM */
    assert_int_equal(h[1], 1);                 /* GSO_TCPV4 */
    assert_int_equal(h[2] | h[3] << 8, 54);    /* hdr_len */
    assert_int_equal(h[4] | h[5] << 8, 1460);  /* gso_size */
    assert_int_equal(h[6] | h[7] << 8, 34);    /* csum_start */
    assert_int_equal(h[8] | h[9] << 8, 16);    /* csum_offset */
    assert_int_equal(h[10] | h[11] << 8, 0);   /* num_buffers */
    assert_memory_equal(h + HDR, hdr, sizeof(hdr));
    virtio_net_flush(0);
    assert_int_equal(released, 0); /* the device still reads it */
    fake_queue_complete(&fd, 1, ch.head, 0);
    virtio_net_flush(0);
    assert_int_equal(released, 1);
    assert_ptr_equal(last_cookie, &cookie);

    /* A small frame is copied whole (one descriptor) and its cookie still comes back. */
    struct virtio_net_frame small = {.hdr = hdr, .hdr_len = sizeof(hdr), .cookie = &cookie};
    assert_int_equal(virtio_net_xmit(0, &small), 0);
    virtio_net_flush(0);
    assert_int_equal(fake_queue_pop(&fd, 1, &ch), 0);
    assert_int_equal(ch.nseg, 1);
    assert_int_equal(ch.out_len, HDR + 54);
    fake_queue_complete(&fd, 1, ch.head, 0);
    virtio_net_arm(0);
    assert_int_equal(released, 2);

    /* Offsets outside the frame, a TSO frame without a partial checksum or over 64 KiB. */
    f.csum_offset = 8000;
    assert_int_equal(virtio_net_xmit(0, &f), -EINVAL);
    f.csum_offset = 16;
    f.csum_start = 0;
    assert_int_equal(virtio_net_xmit(0, &f), -EINVAL);
    f.csum_start = 34;
    struct virtio_net_seg huge[2] = {{body, 40000}, {body, 40000}};
    f.segs = huge;
    f.nsegs = 2;
    assert_int_equal(virtio_net_xmit(0, &f), -EMSGSIZE);

    /* Receive: DATA_VALID and NEEDS_CSUM are believed, no flag means "check it". */
    deliver_flags(0, 2);
    deliver_flags(0, 1);
    deliver_flags(0, 0);
    got_frames = 0;
    assert_int_equal(virtio_net_rx_poll(0, rx_fn, NULL, 1), 1);
    assert_int_equal(got_flags, VIRTIO_NET_RX_CSUM_OK);
    assert_int_equal(virtio_net_rx_poll(0, rx_fn, NULL, 1), 1);
    assert_int_equal(got_flags, VIRTIO_NET_RX_CSUM_OK);
    assert_int_equal(virtio_net_rx_poll(0, rx_fn, NULL, 1), 1);
    assert_int_equal(got_flags, 0);
    assert_int_equal(fd.driver_errors, 0);
}

/* A device without offloads (QEMU's user networking): none is used, frames that ask for one
 * are refused, and receive flags the device should not set are not believed. */
static void test_offloads_absent(void **state)
{
    device_new(ALL_F, 1, QMAX);
    assert_int_equal(virtio_net_init(1, apic_ids), 1);
    assert_int_equal(fd.driver_features, V1 | ALL_F);
    assert_int_equal(virtio_net_offloads(), 0);
    assert_non_null(strstr(log_host_last, "offloads: none"));
    static uint8_t frame[200];
    struct virtio_net_frame f = {.hdr = frame, .hdr_len = 60, .csum_start = 34, .csum_offset = 16};
    assert_int_equal(virtio_net_xmit(0, &f), -EINVAL);
    f.csum_start = 0;
    f.gso_size = 1460;
    assert_int_equal(virtio_net_xmit(0, &f), -EINVAL);
    f.gso_size = 0;
    assert_int_equal(virtio_net_xmit(0, &f), 0);
    deliver_flags(0, 2);
    assert_int_equal(virtio_net_rx_poll(0, rx_fn, NULL, 1), 1);
    assert_int_equal(got_flags, 0);
    assert_int_equal(fd.driver_errors, 0);
}

/* TSO offered without CSUM breaks §5.1.3.1: TSO is not used. */
static void test_tso_without_csum(void **state)
{
    device_new(ALL_F | TSO_F, 1, QMAX);
    assert_int_equal(virtio_net_init(1, apic_ids), 1);
    assert_int_equal(virtio_net_offloads(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_init_two_pairs, setup),
        cmocka_unit_test_setup(test_offloads_negotiated, setup),
        cmocka_unit_test_setup(test_offloads_absent, setup),
        cmocka_unit_test_setup(test_tso_without_csum, setup),
        cmocka_unit_test_setup(test_init_no_device, setup),
        cmocka_unit_test_setup(test_init_features_refused, setup),
        cmocka_unit_test_setup(test_init_queue_too_small, setup),
        cmocka_unit_test_setup(test_init_queue_refused, setup),
        cmocka_unit_test_setup(test_init_driver_ok_refused, setup),
        cmocka_unit_test_setup(test_init_no_memory, setup),
        cmocka_unit_test_setup(test_ctrl_timeout, setup),
        cmocka_unit_test_setup(test_ctrl_refused, setup),
        cmocka_unit_test_setup(test_no_memory_for_second_pair, setup),
        cmocka_unit_test_setup(test_shared_interrupt_one_pair, setup),
        cmocka_unit_test_setup(test_hostile_max_pairs, setup),
        cmocka_unit_test_setup(test_sixty_four_pairs, setup),
        cmocka_unit_test_setup(test_fewer_interrupts_than_pairs, setup),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free_runs();
    return failed;
}
