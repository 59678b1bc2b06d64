/*
 * Host unit tests of the split virtqueue (virtio/virtq.c) against the fake device: layout,
 * descriptor chains, ring wrap-around, event-index arithmetic, kick and interrupt suppression
 * (including the re-enable/recheck races on two real threads), indirect descriptors and
 * invalid requests.  The hostile device is in test_virtq_hostile.c.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "virtio/limits.h"
#include "virtio/tests/fake_device.h"
#include "virtio/tests/vq_env.h"
#include "virtio/virtio.h"
#include "virtio/virtq.h"

/* --- layout -------------------------------------------------------------------------------- */

static void notify_none(void *ctx, uint16_t index)
{
    fail_msg("unexpected notification of queue %u", index);
}

static void test_layout(void **state)
{
    static const uint16_t bad[] = {0, 3, 6, 100, 32769, 49152, 65535};

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(virtio_vq_mem_size(bad[i], false), 0);
        assert_int_equal(virtio_vq_mem_size(bad[i], true), 0);
    }
    for (unsigned size = 1; size <= VIRTIO_VQ_SIZE_MAX; size *= 2) {
        for (int ind = 0; ind < 2; ind++) {
            size_t len = virtio_vq_mem_size((uint16_t)size, ind);
            uint8_t *mem = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
            struct virtio_vq vq;
            struct virtio_vq_addrs a;
            struct virtio_vq_params p = {.size = (uint16_t)size,
                                         .indirect = ind,
                                         .mem = mem,
                                         .mem_len = len,
                                         .notify = notify_none};
            assert_non_null(mem);
            memset(mem, 0xa5, len);
            assert_int_equal(virtio_vq_init(&vq, &p), 0);
            virtio_vq_ring_addrs(&vq, &a);
            /* §2.7.1 alignments; the parts do not overlap and fit in the block. */
            assert_int_equal(a.desc % 16, 0);
            assert_int_equal(a.driver % 2, 0);
            assert_int_equal(a.device % 4, 0);
            assert_int_equal((a.device - a.desc) % VIRTIO_VQ_USED_ALIGN, 0);
            assert_true(a.driver >= a.desc + 16 * size);
            assert_true(a.device >= a.driver + 6 + 2 * size);
            assert_true((uint8_t *)vq.avail_event + 2 <= mem + len);
            assert_ptr_equal(vq.used_event, &vq.avail->ring[size]);
            assert_true((uint8_t *)vq.state >= (uint8_t *)vq.avail_event + 2);
            if (ind) {
                assert_non_null(vq.indirect);
                assert_true((uint8_t *)vq.indirect >= (uint8_t *)vq.avail_event + 2);
                assert_true((uint8_t *)vq.state >=
                            (uint8_t *)(vq.indirect + size * VIRTIO_VQ_INDIRECT_SEGS));
            } else {
                assert_null(vq.indirect);
            }
            assert_true((uint8_t *)(vq.state + size) <= mem + len);
            /* Zeroed shared parts, all descriptors free. */
            assert_int_equal(vq.used->flags, 0);
            assert_int_equal(vq.avail->idx, 0);
            assert_int_equal(virtio_vq_num_free(&vq), size);
            /* Memory: misaligned, short, and no notify function are refused. */
            p.mem = mem + 8;
            assert_int_equal(virtio_vq_init(&vq, &p), -EINVAL);
            p.mem = mem;
            p.mem_len = len - 1;
            assert_int_equal(virtio_vq_init(&vq, &p), -EINVAL);
            p.mem_len = len;
            p.notify = NULL;
            assert_int_equal(virtio_vq_init(&vq, &p), -EINVAL);
            free(mem);
        }
    }
}

/* --- descriptor chains --------------------------------------------------------------------- */

struct chain_case {
    unsigned nout, nin;
};

static const struct chain_case chain_cases[] = {
    {1, 0}, {0, 1}, {1, 1}, {2, 0}, {0, 2},  {2, 1},  {1, 2},  {3, 0},  {0, 3},  {4, 4},
    {7, 1}, {1, 7}, {8, 0}, {5, 4}, {16, 0}, {0, 16}, {10, 6}, {1, 31}, {31, 1}, {32, 0},
};

/* Runs every chain case through one queue: the device must see exactly the segments, in
 * order, and the driver must get its token and the written length back. */
static void run_chains(uint64_t features, bool want_indirect)
{
    const uint16_t size = 32;
    struct env *e = env_new(size, features, want_indirect);
    bool indirect = want_indirect && (features & INDIRECT);

    for (unsigned ci = 0; ci < sizeof(chain_cases) / sizeof(chain_cases[0]); ci++) {
        const struct chain_case *cc = &chain_cases[ci];
        unsigned n = cc->nout + cc->nin;
        struct virtio_vq_seg segs[32];
        uint8_t *bufs[32];
        uint8_t expect_out[32 * 64], got_out[32 * 64];
        uint32_t out_total = 0, in_total = 0, len = 0;
        struct fake_chain c;
        bool expect_indirect = indirect && n <= VIRTIO_VQ_INDIRECT_SEGS &&
                               (n > VIRTIO_VQ_DIRECT_SEGS || n > virtio_vq_num_free(&e->vq));

        for (unsigned k = 0; k < n; k++) {
            uint32_t l = 1 + (k * 13 + ci * 5) % 61;
            bufs[k] = malloc(l);
            assert_non_null(bufs[k]);
            for (uint32_t b = 0; b < l; b++)
                bufs[k][b] = (uint8_t)(k * 31 + b);
            if (k < cc->nout) {
                memcpy(expect_out + out_total, bufs[k], l);
                out_total += l;
            } else {
                in_total += l;
            }
            segs[k] = (struct virtio_vq_seg){.addr = virtio_dma_addr(bufs[k]), .len = l};
        }
        assert_int_equal(virtio_vq_add(&e->vq, segs, cc->nout, cc->nin, tok(ci)), 0);
        assert_int_equal(virtio_vq_num_free(&e->vq), size - (expect_indirect ? 1 : n));
        virtio_vq_kick(&e->vq);

        assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
        assert_int_equal(c.nseg, n);
        assert_int_equal(c.indirect, expect_indirect);
        for (unsigned k = 0; k < n; k++) {
            assert_int_equal(c.seg[k].addr, segs[k].addr);
            assert_int_equal(c.seg[k].len, segs[k].len);
            assert_int_equal(c.seg[k].write, k >= cc->nout);
        }
        assert_int_equal(c.out_len, out_total);
        assert_int_equal(c.in_len, in_total);
        assert_int_equal(fake_chain_gather(&c, got_out, sizeof(got_out)), out_total);
        assert_memory_equal(got_out, expect_out, out_total);
        /* The device writes all it may (ASan checks each write stays inside its buffer). */
        assert_int_equal(fake_chain_fill(&c, in_total, (uint8_t)ci), in_total);
        fake_queue_complete(&e->fd, 0, c.head, in_total);

        assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(ci));
        assert_int_equal(len, in_total);
        assert_null(virtio_vq_get_buf(&e->vq, &len));
        assert_int_equal(virtio_vq_num_free(&e->vq), size);
        for (unsigned k = cc->nout, done = 0; k < n; k++)
            for (uint32_t b = 0; b < segs[k].len; b++, done++)
                assert_int_equal(bufs[k][b], fake_pattern((uint8_t)ci, done));
        for (unsigned k = 0; k < n; k++)
            free(bufs[k]);
    }
    assert_int_equal(e->vq.stats.bad_id + e->vq.stats.not_head + e->vq.stats.bad_len, 0);
    env_free(e);
}

static void test_chains_direct(void **state)
{
    run_chains(EVENT, false);
}

static void test_chains_indirect(void **state)
{
    run_chains(EVENT | INDIRECT, true);
}

static void test_chains_indirect_not_wanted(void **state)
{
    run_chains(INDIRECT, false);
}

/* Several chains in flight, completed in an order different from the one they were added in:
 * the free list must stay consistent. */
static void test_out_of_order(void **state)
{
    const uint16_t size = 16;
    struct env *e = env_new(size, EVENT, false);
    struct fake_chain c[8];
    uint32_t len;
    unsigned n = 0;

    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(add_scratch(&e->vq, 1, 1, 8, tok(i)), 0);
    assert_int_equal(virtio_vq_num_free(&e->vq), 0);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 8, tok(99)), -ENOSPC);
    while (fake_queue_pop(&e->fd, 0, &c[n]) == 0)
        n++;
    assert_int_equal(n, 8);
    static const unsigned order[] = {5, 0, 7, 2, 3, 6, 1, 4};
    for (unsigned i = 0; i < 8; i++)
        fake_queue_push(&e->fd, 0, c[order[i]].head, 8);
    for (unsigned i = 0; i < 8; i++) {
        assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(order[i]));
        assert_int_equal(len, 8);
    }
    assert_int_equal(virtio_vq_num_free(&e->vq), size);
    /* All descriptors reusable, as one long chain. */
    assert_int_equal(add_scratch(&e->vq, 16, 0, 8, tok(42)), 0);
    assert_int_equal(fake_queue_pop(&e->fd, 0, &c[0]), 0);
    assert_int_equal(c[0].nseg, 16);
    env_free(e);
}

/* --- wrap-around --------------------------------------------------------------------------- */

/* 3 x 65536 chains through a queue of 4 (so both 16-bit indices wrap three times), with 1..3
 * segments each and completions sometimes reversed.  Every token must come back exactly once
 * with its length; kicks must follow the device's avail_event. */
static void run_wrap(uint64_t features, bool want_indirect)
{
    const uint16_t size = 4;
    const unsigned long total = 3ul * 65536;
    struct env *e = env_new(size, features, want_indirect);
    unsigned long seq = 0, done = 0;
    bool inflight[256] = {false};

    e->fd.q[0].auto_avail_event = true;
    while (done < total) {
        struct fake_chain c[4];
        unsigned n = 0, notifies = e->fd.q[0].notifies;
        void *t;
        uint32_t len;

        while (seq < total) {
            unsigned nseg = 1 + seq % 3;
            int err = add_scratch(&e->vq, nseg - 1, 1, 1 + seq % 200, tok(seq));
            if (err == -ENOSPC)
                break;
            assert_int_equal(err, 0);
            assert_false(inflight[seq % 256]);
            inflight[seq % 256] = true;
            seq++;
        }
        virtio_vq_kick(&e->vq);
        /* The device consumed everything it was notified of before, so with EVENT_IDX
         * (avail_event = its next entry) and without (flags 0) each batch needs one kick. */
        assert_int_equal(e->fd.q[0].notifies, notifies + 1);

        while (n < 4 && fake_queue_pop(&e->fd, 0, &c[n]) == 0)
            n++;
        assert_true(n > 0);
        for (unsigned i = 0; i < n; i++) {
            const struct fake_chain *cc = &c[(seq & 1) ? n - 1 - i : i];
            fake_queue_complete(&e->fd, 0, cc->head, cc->in_len);
        }
        while ((t = virtio_vq_get_buf(&e->vq, &len)) != NULL) {
            unsigned long s = untok(t);
            assert_true(inflight[s % 256]);
            inflight[s % 256] = false;
            assert_int_equal(len, 1 + s % 200);
            done++;
        }
        assert_int_equal(virtio_vq_num_free(&e->vq), size);
    }
    assert_int_equal(e->vq.avail_idx, (uint16_t)total);
    assert_int_equal(e->vq.last_used, (uint16_t)total);
    assert_int_equal(e->vq.used->idx, (uint16_t)total);
    assert_false(virtio_vq_is_broken(&e->vq));
    assert_int_equal(e->vq.stats.bad_id + e->vq.stats.not_head + e->vq.stats.bad_len, 0);
    env_free(e);
}

static void test_wrap_event_idx(void **state)
{
    run_wrap(EVENT, false);
}

static void test_wrap_no_event_idx(void **state)
{
    run_wrap(0, false);
}

static void test_wrap_indirect(void **state)
{
    run_wrap(EVENT | INDIRECT, true);
}

/* --- event index arithmetic ---------------------------------------------------------------- */

static void test_need_event_table(void **state)
{
    static const struct {
        uint16_t event, new_idx, old_idx;
        bool need;
    } t[] = {
        {0, 1, 0, true},            /* entry 0 written, 0 asked for */
        {0, 0, 0, false},           /* nothing written */
        {1, 1, 0, false},           /* entry 1 not written yet */
        {9, 10, 0, true},           /* last of a batch */
        {5, 10, 0, true},           /* middle of a batch */
        {10, 10, 0, false},         /* one past the batch */
        {3, 2, 2, false},           /* empty batch */
        {2, 10, 3, false},          /* behind the batch */
        {0xffff, 0, 0xffff, true},  /* the entry at the wrap */
        {0xffff, 1, 0xfffe, true},  /* batch across the wrap, event before it */
        {0, 1, 0xfffe, true},       /* batch across the wrap, event after it */
        {1, 1, 0xfffe, false},      /* batch across the wrap, event one past it */
        {0xfffd, 2, 0xfffe, false}, /* behind a batch across the wrap */
        {0x8000, 0x8001, 0x7fff, true},
        {0x7ffe, 0x8001, 0x7fff, false},
        {1, 0, 1, true},  /* 0xffff entries 1 .. 0xffff written: 1 is one */
        {0, 0, 1, false}, /* ...and 0 the only index that is not */
    };

    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        assert_int_equal(virtio_vq_need_event(t[i].event, t[i].new_idx, t[i].old_idx), t[i].need);
}

/* Against the definition: a notification is due when one of the entries old .. new-1 is the
 * event index, for batches up to 64 around every 16-bit wrap point we care about. */
static void test_need_event_exhaustive(void **state)
{
    static const uint16_t olds[] = {0, 1, 100, 0x7fc0, 0x7fff, 0x8000, 0xffc0, 0xfff0, 0xffff};

    for (unsigned o = 0; o < sizeof(olds) / sizeof(olds[0]); o++)
        for (unsigned k = 0; k <= 64; k++)
            for (int d = -80; d <= 80; d++) {
                uint16_t old_idx = olds[o], new_idx = (uint16_t)(old_idx + k);
                uint16_t event = (uint16_t)(old_idx + d);
                bool need = d >= 0 && (unsigned)d < k;
                assert_int_equal(virtio_vq_need_event(event, new_idx, old_idx), need);
            }
}

/* --- kicks --------------------------------------------------------------------------------- */

static void test_kick_event_idx(void **state)
{
    struct env *e = env_new(16, EVENT, false);

    /* The device asks for a kick when entry 3 is written. */
    fake_queue_set_avail_event(&e->fd, 0, 3);
    assert_false(virtio_vq_kick_prepare(&e->vq)); /* nothing added */
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(0)), 0);
    assert_false(virtio_vq_kick_prepare(&e->vq)); /* 0 */
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(1)), 0);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(2)), 0);
    assert_false(virtio_vq_kick_prepare(&e->vq)); /* 1, 2 */
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(3)), 0);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(4)), 0);
    assert_true(virtio_vq_kick(&e->vq)); /* 3, 4 */
    assert_int_equal(e->fd.q[0].notifies, 1);
    assert_int_equal(e->vq.stats.notifies, 1);
    assert_false(virtio_vq_kick(&e->vq)); /* nothing new */
    assert_int_equal(e->fd.q[0].notifies, 1);
    env_free(e);
}

static void test_kick_event_idx_wrap(void **state)
{
    struct env *e = env_new(16, EVENT, false);
    struct fake_chain c;
    unsigned long i;

    /* Bring avail idx to 0xfffe, then ask for a kick at entry 0xffff / 0 / 1. */
    for (i = 0; i < 0xfffe; i++)
        cycle_silently(e, i);
    (void)virtio_vq_kick_prepare(&e->vq);
    assert_int_equal(e->vq.avail_idx, 0xfffe);

    fake_queue_set_avail_event(&e->fd, 0, 0xffff);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(i++)), 0); /* 0xfffe */
    assert_false(virtio_vq_kick_prepare(&e->vq));
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(i++)), 0); /* 0xffff */
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(i++)), 0); /* 0 */
    assert_true(virtio_vq_kick_prepare(&e->vq));
    fake_queue_set_avail_event(&e->fd, 0, 1);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(i++)), 0); /* 1 */
    assert_true(virtio_vq_kick_prepare(&e->vq));
    assert_int_equal(e->vq.avail_idx, 2);
    while (fake_queue_pop(&e->fd, 0, &c) == 0)
        ;
    env_free(e);
}

static void test_kick_no_notify_flag(void **state)
{
    struct env *e = env_new(16, 0, false);

    fake_queue_set_no_notify(&e->fd, 0, true);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(0)), 0);
    assert_false(virtio_vq_kick(&e->vq));
    fake_queue_set_no_notify(&e->fd, 0, false);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 4, tok(1)), 0);
    assert_true(virtio_vq_kick(&e->vq));
    assert_false(virtio_vq_kick(&e->vq)); /* nothing new */
    assert_int_equal(e->fd.q[0].notifies, 1);
    env_free(e);
}

/* 0xffff additions or more without a kick decision: the 16-bit old/new pair can no longer
 * tell what was added, so the kick is forced even though the device asked for none. */
static void test_kick_forced_after_0xffff(void **state)
{
    struct env *e = env_new(16, 0, false);

    fake_queue_set_no_notify(&e->fd, 0, true);
    for (unsigned long i = 0; i < 0x10005; i++)
        cycle_silently(e, i);
    assert_true(virtio_vq_kick_prepare(&e->vq));
    cycle_silently(e, 0);
    assert_false(virtio_vq_kick_prepare(&e->vq)); /* one addition: the flag counts again */
    env_free(e);
}

/* --- interrupt suppression ----------------------------------------------------------------- */

static void run_intr(uint64_t features)
{
    struct env *e = env_new(16, features, false);
    struct fake_chain c[4];
    uint32_t len;

    /* Enabled from the start: the first completion notifies. */
    add_and_pop(e, 0, &c[0]);
    assert_true(fake_queue_complete(&e->fd, 0, c[0].head, 4));
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(0));

    /* Disabled: completions are silent. */
    virtio_vq_intr_disable(&e->vq);
    add_and_pop(e, 1, &c[0]);
    add_and_pop(e, 2, &c[1]);
    assert_false(fake_queue_complete(&e->fd, 0, c[0].head, 4));
    assert_false(fake_queue_complete(&e->fd, 0, c[1].head, 4));
    assert_true(virtio_vq_has_used(&e->vq));
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(1));
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(2));
    assert_null(virtio_vq_get_buf(&e->vq, &len));
    assert_false(virtio_vq_has_used(&e->vq));

    /* The race: the ring looked empty, then the device completes a chain while notifications
     * are still off, then the driver re-enables.  The device will not notify for that entry,
     * so re-enabling must report it. */
    add_and_pop(e, 3, &c[0]);
    assert_false(fake_queue_complete(&e->fd, 0, c[0].head, 4));
    assert_true(virtio_vq_intr_enable(&e->vq));
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(3));

    /* Re-enabled with nothing pending: safe to halt, and the next completion notifies. */
    assert_false(virtio_vq_intr_enable(&e->vq));
    add_and_pop(e, 4, &c[0]);
    add_and_pop(e, 5, &c[1]);
    assert_true(fake_queue_complete(&e->fd, 0, c[0].head, 4));
    if (features & EVENT)
        assert_false(fake_queue_complete(&e->fd, 0, c[1].head, 4)); /* one per re-arm */
    else
        assert_true(fake_queue_complete(&e->fd, 0, c[1].head, 4)); /* every one */
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(4));
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(5));

    /* Disable twice, enable twice: idempotent. */
    virtio_vq_intr_disable(&e->vq);
    virtio_vq_intr_disable(&e->vq);
    add_and_pop(e, 6, &c[0]);
    assert_false(fake_queue_complete(&e->fd, 0, c[0].head, 4));
    assert_true(virtio_vq_intr_enable(&e->vq));
    assert_true(virtio_vq_intr_enable(&e->vq));
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(6));
    assert_false(virtio_vq_intr_enable(&e->vq));
    env_free(e);
}

static void test_intr_event_idx(void **state)
{
    run_intr(EVENT);
}

static void test_intr_flags(void **state)
{
    run_intr(0);
}

/* Delayed re-enable: with 8 chains in flight, notify only after 3/4 of them (6) are done. */
static void test_intr_delayed(void **state)
{
    struct env *e = env_new(16, EVENT, false);
    struct fake_chain c[8];
    uint32_t len;

    virtio_vq_intr_disable(&e->vq);
    for (unsigned i = 0; i < 8; i++)
        add_and_pop(e, i, &c[i]);
    assert_false(virtio_vq_intr_enable_delayed(&e->vq));
    for (unsigned i = 0; i < 6; i++)
        assert_false(fake_queue_complete(&e->fd, 0, c[i].head, 4));
    assert_true(fake_queue_complete(&e->fd, 0, c[6].head, 4));
    for (unsigned i = 0; i < 7; i++)
        assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(i));

    /* One in flight (bufs = 0); once it is done, the delayed enable must report it. */
    virtio_vq_intr_disable(&e->vq);
    assert_false(fake_queue_complete(&e->fd, 0, c[7].head, 4));
    assert_true(virtio_vq_intr_enable_delayed(&e->vq));
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(7));
    env_free(e);
}

/* The lost-wake-up races on two real threads, in both directions.  A device thread completes
 * chains and notifies as a device must; when the available ring is empty it asks for a kick,
 * looks again, and sleeps until kicked.  The driver adds and kicks; it drains, re-enables, and
 * sleeps until notified only when the re-enable found nothing.  A missing barrier on either
 * side shows up (probabilistically) as a sleep that never ends although there is work. */
struct race {
    struct env *e;
    sem_t irq;           /* posted per used-buffer notification */
    sem_t kick;          /* posted per available-buffer notification */
    volatile bool stop;  /* driver -> device thread: finish */
    unsigned long kicks; /* sleeps of the device ended by a kick */
    unsigned lost_kicks; /* device slept 5 s with chains available */
    unsigned errors;     /* pop failures seen by the device thread */
};

static void race_on_notify(void *arg, uint16_t index)
{
    sem_post(&((struct race *)arg)->kick);
}

static void *race_device(void *arg)
{
    struct race *r = arg;
    struct fake_device *fd = &r->e->fd;

    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
        struct fake_chain c;
        struct timespec ts;
        int err = fake_queue_pop(fd, 0, &c);

        if (err == -EAGAIN) {
            if (fake_queue_arm_kick(fd, 0))
                continue;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            if (sem_timedwait(&r->kick, &ts) == 0) {
                r->kicks++;
            } else if (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
                r->lost_kicks++;
                break;
            }
            continue;
        }
        if (err) {
            r->errors++;
            break;
        }
        /* Busy: without EVENT_IDX tell the driver not to kick (with it, avail_event already
         * lies behind the entries the driver adds next). */
        if (!(fd->driver_features & EVENT))
            fake_queue_set_no_notify(fd, 0, true);
        fake_queue_push(fd, 0, c.head, c.in_len);
        if (fake_queue_signal(fd, 0))
            sem_post(&r->irq);
    }
    return NULL;
}

static void run_race(uint64_t features)
{
    const unsigned long total = 200000;
    struct race r = {.e = env_new(8, features, false)};
    unsigned long added = 0, done = 0, waits = 0, lost = 0;
    pthread_t th;

    assert_int_equal(sem_init(&r.irq, 0, 0), 0);
    assert_int_equal(sem_init(&r.kick, 0, 0), 0);
    r.e->fd.on_notify = race_on_notify;
    r.e->fd.on_notify_arg = &r;
    assert_int_equal(pthread_create(&th, NULL, race_device, &r), 0);
    while (done < total && !__atomic_load_n(&r.lost_kicks, __ATOMIC_RELAXED)) {
        void *t;
        uint32_t len;
        struct timespec ts;

        while (added < total && add_scratch(&r.e->vq, 0, 1, 4, tok(added)) == 0)
            added++;
        virtio_vq_kick(&r.e->vq);
        virtio_vq_intr_disable(&r.e->vq);
        while ((t = virtio_vq_get_buf(&r.e->vq, &len)) != NULL) {
            assert_int_equal(untok(t), done);
            done++;
        }
        if (done == added || virtio_vq_intr_enable(&r.e->vq))
            continue; /* nothing in flight (refill), or more arrived: no waiting */
        /* Chains are in flight, so a notification must come. */
        waits++;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        if (sem_timedwait(&r.irq, &ts) != 0) {
            lost++;
            break;
        }
    }
    __atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
    sem_post(&r.kick);
    pthread_join(th, NULL);
    sem_destroy(&r.irq);
    sem_destroy(&r.kick);
    print_message("race: %lu chains; driver slept %lu times, %u notifications; device slept "
                  "%lu times, %u kicks\n",
                  done, waits, r.e->fd.q[0].interrupts, r.kicks, r.e->fd.q[0].notifies);
    assert_int_equal(lost, 0);
    assert_int_equal(r.lost_kicks, 0);
    assert_int_equal(r.errors, 0);
    assert_int_equal(done, total);
    assert_true(waits > 0);
    env_free(r.e);
}

static void test_race_event_idx(void **state)
{
    run_race(EVENT);
}

static void test_race_flags(void **state)
{
    run_race(0);
}

/* --- indirect ------------------------------------------------------------------------------ */

static void test_indirect_choice(void **state)
{
    /* Room for a direct chain longer than an indirect table, and then some. */
    const uint16_t size = 2 * VIRTIO_VQ_INDIRECT_SEGS;
    struct env *e = env_new(size, INDIRECT, true);
    struct fake_chain c;
    uint32_t len;

    /* Above the direct limit: one ring descriptor. */
    assert_int_equal(add_scratch(&e->vq, 2, 1, 8, tok(0)), 0);
    assert_int_equal(virtio_vq_num_free(&e->vq), size - 1);
    /* At the limit: direct. */
    assert_int_equal(add_scratch(&e->vq, 1, 1, 8, tok(1)), 0);
    assert_int_equal(virtio_vq_num_free(&e->vq), size - 3);
    /* Bigger than an indirect table: direct again. */
    assert_int_equal(add_scratch(&e->vq, VIRTIO_VQ_INDIRECT_SEGS, 1, 8, tok(2)), 0);
    assert_int_equal(virtio_vq_num_free(&e->vq), size - 4 - VIRTIO_VQ_INDIRECT_SEGS);
    /* Longer than the queue: never. */
    assert_int_equal(add_scratch(&e->vq, size, 1, 8, tok(3)), -EINVAL);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
        assert_int_equal(c.indirect, i == 0);
        fake_queue_complete(&e->fd, 0, c.head, c.in_len);
        assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(i));
        assert_int_equal(len, 8);
    }
    assert_int_equal(virtio_vq_num_free(&e->vq), size);

    /* A nearly full ring: a short chain that does not fit directly goes indirect. */
    for (unsigned i = 0; i < size - 1; i++)
        assert_int_equal(add_scratch(&e->vq, 1, 0, 8, tok(10 + i)), 0);
    assert_int_equal(virtio_vq_num_free(&e->vq), 1);
    assert_int_equal(add_scratch(&e->vq, 1, 1, 8, tok(30)), 0);
    assert_int_equal(virtio_vq_num_free(&e->vq), 0);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 8, tok(31)), -ENOSPC);
    for (unsigned i = 0; i < size; i++) {
        assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
        assert_int_equal(c.indirect, i == size - 1);
        fake_queue_complete(&e->fd, 0, c.head, c.in_len);
    }
    for (unsigned i = 0; i < size; i++)
        assert_non_null(virtio_vq_get_buf(&e->vq, &len));
    assert_int_equal(virtio_vq_num_free(&e->vq), size);
    env_free(e);
}

static void test_no_indirect_when_full(void **state)
{
    struct env *e = env_new(16, 0, true); /* wanted, but not negotiated */

    assert_null(e->vq.indirect);
    for (unsigned i = 0; i < 15; i++)
        assert_int_equal(add_scratch(&e->vq, 1, 0, 8, tok(i)), 0);
    assert_int_equal(add_scratch(&e->vq, 1, 1, 8, tok(99)), -ENOSPC);
    assert_int_equal(virtio_vq_num_free(&e->vq), 1);
    env_free(e);
}

/* --- invalid requests ---------------------------------------------------------------------- */

static void test_add_invalid(void **state)
{
    struct env *e = env_new(16, INDIRECT, true);
    struct virtio_vq_seg segs[3] = {seg_at(0, 8), seg_at(16, 0), seg_at(32, 8)};
    struct virtio_vq_seg huge[2] = {seg_at(0, 0xffffffffu), seg_at(16, 1)};

    assert_int_equal(virtio_vq_add(&e->vq, segs, 0, 0, tok(0)), -EINVAL);
    assert_int_equal(virtio_vq_add(&e->vq, segs, 1, 0, NULL), -EINVAL);
    /* An empty segment, direct and indirect: nothing is consumed. */
    assert_int_equal(virtio_vq_add(&e->vq, segs, 1, 1, tok(0)), -EINVAL);
    assert_int_equal(virtio_vq_add(&e->vq, segs, 2, 1, tok(0)), -EINVAL);
    /* A chain of 4 GiB (§2.7.5.2). */
    assert_int_equal(virtio_vq_add(&e->vq, huge, 1, 1, tok(0)), -EINVAL);
    assert_int_equal(virtio_vq_add(&e->vq, segs, 0x80000000u, 0x80000000u, tok(0)), -EINVAL);
    assert_int_equal(virtio_vq_num_free(&e->vq), 16);
    assert_int_equal(e->vq.avail_idx, 0);
    /* Still fully usable. */
    assert_int_equal(add_scratch(&e->vq, 2, 1, 8, tok(1)), 0);
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_chains_direct),
        cmocka_unit_test(test_chains_indirect),
        cmocka_unit_test(test_chains_indirect_not_wanted),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_wrap_event_idx),
        cmocka_unit_test(test_wrap_no_event_idx),
        cmocka_unit_test(test_wrap_indirect),
        cmocka_unit_test(test_need_event_table),
        cmocka_unit_test(test_need_event_exhaustive),
        cmocka_unit_test(test_kick_event_idx),
        cmocka_unit_test(test_kick_event_idx_wrap),
        cmocka_unit_test(test_kick_no_notify_flag),
        cmocka_unit_test(test_kick_forced_after_0xffff),
        cmocka_unit_test(test_intr_event_idx),
        cmocka_unit_test(test_intr_flags),
        cmocka_unit_test(test_intr_delayed),
        cmocka_unit_test(test_race_event_idx),
        cmocka_unit_test(test_race_flags),
        cmocka_unit_test(test_indirect_choice),
        cmocka_unit_test(test_no_indirect_when_full),
        cmocka_unit_test(test_add_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
