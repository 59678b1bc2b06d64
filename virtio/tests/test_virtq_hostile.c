/*
 * Host unit tests of the split virtqueue against a hostile device: used ids out of range, ids
 * that head no chain in flight (middle, free, repeated), oversize lengths, index jumps, a
 * scribbled descriptor table, and a flood of bad entries.  None may crash (the tests run
 * under AddressSanitizer) and each must be counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/log.h"
#include "tests/host/log_host.h"
#include "virtio/tests/fake_device.h"
#include "virtio/tests/vq_env.h"
#include "virtio/virtio.h"
#include "virtio/virtq.h"

static void test_bogus_id(void **state)
{
    struct env *e = env_new(16, EVENT, false);
    struct fake_chain c;
    uint32_t len;
    unsigned warns = log_host_count[LOG_WARN];

    add_and_pop(e, 0, &c);
    fake_queue_push(&e->fd, 0, 16, 4);          /* one past the table */
    fake_queue_push(&e->fd, 0, 0xffffffffu, 4); /* far out */
    fake_queue_push(&e->fd, 0, 0x10000, 4);     /* would alias 0 if truncated to 16 bits */
    fake_queue_push(&e->fd, 0, c.head, 4);
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(0));
    assert_int_equal(e->vq.stats.bad_id, 3);
    assert_true(log_host_count[LOG_WARN] > warns);
    assert_null(virtio_vq_get_buf(&e->vq, &len));
    assert_int_equal(virtio_vq_num_free(&e->vq), 16);
    assert_false(virtio_vq_is_broken(&e->vq));
    env_free(e);
}

static void test_not_head_and_repeat(void **state)
{
    struct env *e = env_new(16, EVENT, false);
    struct fake_chain c;
    uint32_t len;

    /* A direct chain of 3 (descriptors 0, 1, 2). */
    assert_int_equal(add_scratch(&e->vq, 2, 1, 8, tok(0)), 0);
    assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
    assert_int_equal(c.head, 0);
    fake_queue_push(&e->fd, 0, 1, 8); /* middle of the chain */
    fake_queue_push(&e->fd, 0, 9, 8); /* a free descriptor */
    fake_queue_push(&e->fd, 0, 0, 8); /* the real one */
    fake_queue_push(&e->fd, 0, 0, 8); /* again: a repeated id */
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(0));
    assert_int_equal(len, 8);
    assert_null(virtio_vq_get_buf(&e->vq, &len));
    assert_int_equal(e->vq.stats.not_head, 3);
    /* No double free: the count is exact and every descriptor is usable once. */
    assert_int_equal(virtio_vq_num_free(&e->vq), 16);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(add_scratch(&e->vq, 1, 0, 8, tok(1 + i)), 0);
    assert_int_equal(add_scratch(&e->vq, 1, 0, 8, tok(99)), -ENOSPC);
    for (unsigned i = 0; i < 16; i++) {
        assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
        fake_queue_complete(&e->fd, 0, c.head, 0);
        assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(1 + i));
    }
    env_free(e);
}

static void test_oversize_len(void **state)
{
    struct env *e = env_new(16, EVENT, false);
    struct fake_chain c;
    uint32_t len = 12345;

    /* RX-like: 2 writable segments of 50 bytes. */
    assert_int_equal(add_scratch(&e->vq, 0, 2, 50, tok(0)), 0);
    assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
    fake_queue_complete(&e->fd, 0, c.head, 101);
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(0));
    assert_int_equal(len, 0);
    /* Exactly the writable size is fine. */
    assert_int_equal(add_scratch(&e->vq, 0, 2, 50, tok(1)), 0);
    assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
    fake_queue_complete(&e->fd, 0, c.head, 100);
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(1));
    assert_int_equal(len, 100);
    /* TX-like: nothing writable, yet the device claims it wrote. */
    assert_int_equal(add_scratch(&e->vq, 1, 0, 50, tok(2)), 0);
    assert_int_equal(fake_queue_pop(&e->fd, 0, &c), 0);
    fake_queue_complete(&e->fd, 0, c.head, 0xffffffffu);
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(2));
    assert_int_equal(len, 0);
    assert_int_equal(e->vq.stats.bad_len, 2);
    assert_int_equal(virtio_vq_num_free(&e->vq), 16);
    env_free(e);
}

/* An index that jumps by more than the queue size (or goes backwards) breaks the queue; the
 * tokens are recovered after a reset and the queue can be set up again. */
static void run_idx_jump(int16_t delta)
{
    const uint16_t size = 16;
    struct env *e = env_new(size, EVENT, false);
    struct virtio_vq_setup s = {.size = size,
                                .vector = VIRTIO_MSI_NO_VECTOR,
                                .mem = e->mem,
                                .mem_len = virtio_vq_mem_size(size, false)};
    struct fake_chain c;
    uint32_t len;
    bool seen[3] = {false};
    void *t;

    for (unsigned i = 0; i < 3; i++)
        add_and_pop(e, i, &c);
    fake_queue_set_used_idx(&e->fd, 0, (uint16_t)(e->vq.last_used + delta));
    assert_null(virtio_vq_get_buf(&e->vq, &len));
    assert_true(virtio_vq_is_broken(&e->vq));
    assert_int_equal(e->vq.stats.idx_jump, 1);
    assert_null(virtio_vq_get_buf(&e->vq, &len));
    assert_int_equal(e->vq.stats.idx_jump, 1);
    assert_false(virtio_vq_has_used(&e->vq));
    assert_int_equal(add_scratch(&e->vq, 1, 0, 8, tok(9)), -EIO);

    /* Recovery: reset the device, take the tokens back, set the queue up again. */
    assert_int_equal(virtio_dev_init_begin(&e->fd.dev, EVENT, 0), 0);
    while ((t = virtio_vq_detach_unused(&e->vq)) != NULL) {
        assert_true(untok(t) < 3);
        assert_false(seen[untok(t)]);
        seen[untok(t)] = true;
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    assert_int_equal(virtio_vq_num_free(&e->vq), size);
    assert_int_equal(virtio_dev_vq_setup(&e->fd.dev, &e->vq, &s), 0);
    assert_int_equal(virtio_dev_init_finish(&e->fd.dev), 0);
    assert_false(virtio_vq_is_broken(&e->vq));
    add_and_pop(e, 5, &c);
    fake_queue_complete(&e->fd, 0, c.head, 4);
    assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(5));
    env_free(e);
}

static void test_idx_jump(void **state)
{
    run_idx_jump(17); /* size + 1 */
}

static void test_idx_jump_far(void **state)
{
    run_idx_jump(0x7fff);
}

static void test_idx_backwards(void **state)
{
    run_idx_jump(-1);
}

/* Exactly `size` entries ahead is legal (a full ring completed at once): not broken. */
static void test_idx_full_ring_is_fine(void **state)
{
    const uint16_t size = 8;
    struct env *e = env_new(size, EVENT, false);
    struct fake_chain c[8];
    uint32_t len;

    for (unsigned i = 0; i < size; i++)
        add_and_pop(e, i, &c[i]);
    for (unsigned i = 0; i < size; i++)
        fake_queue_push(&e->fd, 0, c[i].head, 4);
    for (unsigned i = 0; i < size; i++)
        assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(i));
    assert_false(virtio_vq_is_broken(&e->vq));
    env_free(e);
}

/* The device rewrites the descriptor table (next fields, flags) behind our back: the free list
 * lives in driver-private state, so recycling stays exact. */
static void test_scribbled_descriptors(void **state)
{
    const uint16_t size = 16;
    struct env *e = env_new(size, EVENT, false);
    struct fake_chain c[4];
    uint32_t len;

    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(add_scratch(&e->vq, 2, 1, 8, tok(i)), 0);
        assert_int_equal(fake_queue_pop(&e->fd, 0, &c[i]), 0);
    }
    for (unsigned i = 0; i < size; i++) {
        e->vq.desc[i].next = 0xffff;
        e->vq.desc[i].flags = 0xffff;
        e->vq.desc[i].len = 0xffffffffu;
    }
    for (unsigned i = 0; i < 4; i++)
        fake_queue_complete(&e->fd, 0, c[3 - i].head, 8);
    for (unsigned i = 0; i < 4; i++)
        assert_ptr_equal(virtio_vq_get_buf(&e->vq, &len), tok(3 - i));
    assert_int_equal(virtio_vq_num_free(&e->vq), size);
    for (unsigned i = 0; i < 100; i++)
        cycle_silently(e, 10 + i);
    env_free(e);
}

/* A flood of bad entries: all dropped, counted, and logged only at powers of two. */
static void test_log_rate_limit(void **state)
{
    const uint16_t size = 256;
    struct env *e = env_new(size, EVENT, false);
    unsigned warns = log_host_count[LOG_WARN];
    uint32_t len;

    for (unsigned round = 0; round < 4; round++) {
        for (unsigned i = 0; i < size; i++)
            fake_queue_push(&e->fd, 0, 1000 + i, 0);
        assert_null(virtio_vq_get_buf(&e->vq, &len));
    }
    assert_int_equal(e->vq.stats.bad_id, 4 * size);
    assert_int_equal(log_host_count[LOG_WARN] - warns, 11); /* 1, 2, 4, ..., 1024 */
    assert_false(virtio_vq_is_broken(&e->vq));
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bogus_id),
        cmocka_unit_test(test_not_head_and_repeat),
        cmocka_unit_test(test_oversize_len),
        cmocka_unit_test(test_idx_jump),
        cmocka_unit_test(test_idx_jump_far),
        cmocka_unit_test(test_idx_backwards),
        cmocka_unit_test(test_idx_full_ring_is_fine),
        cmocka_unit_test(test_scribbled_descriptors),
        cmocka_unit_test(test_log_rate_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
