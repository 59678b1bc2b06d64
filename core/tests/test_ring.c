/*
 * Host tests of the single-producer/single-consumer ring (core/ring.h): full and empty,
 * wrap-around of the slots and of the 32-bit indices, and two threads passing 10 million
 * sequenced values.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/ring.h"

static void test_init(void **state)
{
    static struct core_ring r;
    uint64_t slots[8];

    static const struct {
        uint32_t capacity, slot_size;
        int err;
    } cases[] = {
        {1, 8, 0},       {2, 8, 0},       {8, 8, 0},       {UINT32_C(1) << 31, 8, 0},
        {0, 8, -EINVAL}, {3, 8, -EINVAL}, {6, 8, -EINVAL}, {UINT32_MAX, 8, -EINVAL},
        {8, 0, -EINVAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(core_ring_init(&r, slots, cases[i].capacity, cases[i].slot_size),
                         cases[i].err);
    assert_int_equal(core_ring_init(&r, NULL, 8, 8), -EINVAL);

    /* The two indices live on different cache lines, apart from the read-only fields. */
    assert_int_equal(offsetof(struct core_ring, tail) % CORE_RING_CACHE_LINE, 0);
    assert_int_equal(offsetof(struct core_ring, head) % CORE_RING_CACHE_LINE, 0);
    assert_true(offsetof(struct core_ring, head) - offsetof(struct core_ring, tail) >=
                CORE_RING_CACHE_LINE);
    assert_int_equal(sizeof(struct core_ring) % CORE_RING_CACHE_LINE, 0);
}

/* Slots hold whole structs, copied in and out. */
struct item {
    uint32_t seq;
    char text[12];
};

static void test_full_empty(void **state)
{
    static struct core_ring r;
    struct item slots[4], in, out;

    assert_int_equal(core_ring_init(&r, slots, 4, sizeof(struct item)), 0);
    assert_false(core_ring_try_pop(&r, &out));
    assert_null(core_ring_peek(&r));

    for (uint32_t i = 0; i < 4; i++) {
        in.seq = i;
        snprintf(in.text, sizeof(in.text), "item %u", i);
        assert_true(core_ring_try_push(&r, &in));
    }
    in.seq = 99;
    assert_false(core_ring_try_push(&r, &in)); /* full */
    assert_null(core_ring_push_slot(&r));

    /* One pop makes room for exactly one push. */
    assert_true(core_ring_try_pop(&r, &out));
    assert_int_equal(out.seq, 0);
    assert_string_equal(out.text, "item 0");
    in.seq = 4;
    assert_true(core_ring_try_push(&r, &in));
    assert_false(core_ring_try_push(&r, &in));

    for (uint32_t i = 1; i <= 4; i++) {
        assert_true(core_ring_try_pop(&r, &out));
        assert_int_equal(out.seq, i);
    }
    out.seq = 1234;
    assert_false(core_ring_try_pop(&r, &out)); /* empty */
    assert_int_equal(out.seq, 1234);           /* a failed pop leaves `out` alone */
}

/* In place: peek shows the oldest slot without consuming it. */
static void test_in_place(void **state)
{
    static struct core_ring r;
    uint16_t slots[2];

    assert_int_equal(core_ring_init(&r, slots, 2, sizeof(uint16_t)), 0);
    uint16_t *slot = core_ring_push_slot(&r);
    assert_non_null(slot);
    *slot = 7;
    assert_null(core_ring_peek(&r)); /* not published yet */
    core_ring_push_commit(&r);
    const uint16_t *head = core_ring_peek(&r);
    assert_non_null(head);
    assert_int_equal(*head, 7);
    assert_ptr_equal(core_ring_peek(&r), head); /* still there */
    core_ring_pop_commit(&r);
    assert_null(core_ring_peek(&r));
}

/* Many laps around a small ring, with the indices starting just below 2^32 so they wrap too. */
static void test_wrap_around(void **state)
{
    static struct core_ring r;
    uint32_t slots[4];
    uint32_t next_in = 0, next_out = 0;

    assert_int_equal(core_ring_init(&r, slots, 4, sizeof(uint32_t)), 0);
    r.head = r.tail = r.head_seen = r.tail_seen = UINT32_MAX - 5;

    /* Fill levels 1, 2, 3, 4 in turn, each drained completely. */
    for (int lap = 0; lap < 100; lap++) {
        uint32_t batch = (uint32_t)lap % 4 + 1;
        for (uint32_t i = 0; i < batch; i++) {
            assert_true(core_ring_try_push(&r, &next_in));
            next_in++;
        }
        if (batch == 4)
            assert_false(core_ring_try_push(&r, &next_in));
        for (uint32_t i = 0; i < batch; i++) {
            uint32_t v;
            assert_true(core_ring_try_pop(&r, &v));
            assert_int_equal(v, next_out++);
        }
        assert_false(core_ring_try_pop(&r, &next_out));
    }
    assert_true(r.head < 1000); /* the indices did wrap past 2^32 */
    assert_int_equal(next_out, next_in);
}

#define STRESS_COUNT 10000000u
#define STRESS_SLOTS 1024u

struct stress {
    struct core_ring ring;
    uint64_t slots[STRESS_SLOTS];
    uint64_t full, empty; /* times each side found nothing to do */
};

static void *producer(void *arg)
{
    struct stress *s = arg;

    for (uint64_t seq = 1; seq <= STRESS_COUNT; seq++) {
        /* A value whose two halves must match: a torn slot would show. */
        uint64_t v = seq << 32 | (uint32_t)~seq;
        while (!core_ring_try_push(&s->ring, &v)) {
            s->full++;
            sched_yield();
        }
    }
    return NULL;
}

static void test_two_threads(void **state)
{
    static struct stress s;
    pthread_t thread;
    uint64_t expect = 1, v;

    assert_int_equal(core_ring_init(&s.ring, s.slots, STRESS_SLOTS, sizeof(uint64_t)), 0);
    assert_int_equal(pthread_create(&thread, NULL, producer, &s), 0);
    while (expect <= STRESS_COUNT) {
        if (!core_ring_try_pop(&s.ring, &v)) {
            s.empty++;
            sched_yield();
            continue;
        }
        if (v != (expect << 32 | (uint32_t)~expect))
            fail_msg("value %llu: got %#llx", (unsigned long long)expect, (unsigned long long)v);
        expect++;
    }
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_false(core_ring_try_pop(&s.ring, &v));
    print_message("10M values: producer found the ring full %llu times, consumer empty %llu\n",
                  (unsigned long long)s.full, (unsigned long long)s.empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),        cmocka_unit_test(test_full_empty),
        cmocka_unit_test(test_in_place),    cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
