/*
 * Host unit tests of the virtio-rng driver (virtio/rng.c) against the fake device: a device
 * that hands out its bytes a few at a time, one that claims to have written more than the
 * buffer, one that never answers, and a request above the driver's limit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pmm.h"
#include "core/time.h"
#include "tests/host/log_host.h"
#include "virtio/rng.h"
#include "virtio/tests/fake_device.h"

#define V1    VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define EVENT VIRTIO_BIT(VIRTIO_F_EVENT_IDX)

/* No transport in these tests: virtio_rng_init() finds nothing. */
struct virtio_dev *virtio_dev_find(uint32_t device_id, unsigned n)
{
    return NULL;
}

/* Page allocator stand-in: an arena, reset per test. */
static _Alignas(4096) uint8_t arena[64 * CORE_PMM_PAGE_SIZE];
static size_t arena_used;

void *core_pmm_alloc(size_t npages)
{
    size_t bytes = npages * CORE_PMM_PAGE_SIZE;
    if (npages == 0 || bytes > sizeof(arena) - arena_used)
        return NULL;
    void *p = arena + arena_used;
    arena_used += bytes;
    return p;
}

/* Each reading advances the clock 1 ms: a bounded wait ends after its bound in readings. */
uint64_t core_time_ns(void)
{
    static uint64_t clock_ns;
    return clock_ns += 1000000;
}

/* How the fake device answers a request. */
enum mode { HONEST, OVERCLAIM, SILENT };
static struct {
    struct fake_device fd;
    enum mode mode;
    uint32_t per_request; /* bytes given per request, at most */
    uint8_t next;         /* the next byte of the device's stream */
    unsigned requests;
} dev;

static void on_notify(void *arg, uint16_t index)
{
    struct fake_chain c;
    dev.fd.q[0].auto_avail_event = true; /* asks for a kick at every request, like QEMU */
    while (fake_queue_pop(&dev.fd, 0, &c) == 0) {
        dev.requests++;
        assert_int_equal(c.nseg, 1);
        assert_true(c.seg[0].write);
        if (dev.mode == SILENT)
            continue;
        uint32_t n = c.seg[0].len < dev.per_request ? c.seg[0].len : dev.per_request;
        uint8_t *p = (uint8_t *)(uintptr_t)c.seg[0].addr;
        for (uint32_t i = 0; i < n; i++)
            p[i] = dev.next++;
        fake_queue_complete(&dev.fd, 0, c.head, dev.mode == OVERCLAIM ? c.seg[0].len + 16 : n);
    }
}

static int setup(void **state)
{
    memset(&dev, 0, sizeof(dev));
    arena_used = 0;
    fake_device_init(&dev.fd, VIRTIO_ID_RNG, V1 | EVENT, 1, 8);
    dev.fd.on_notify = on_notify;
    dev.per_request = 7;
    assert_int_equal(virtio_rng_attach(&dev.fd.dev), 0);
    return 0;
}

static void test_init_without_device(void **state)
{
    assert_int_equal(virtio_rng_init(), -ENODEV);
}

static void test_read_in_pieces(void **state)
{
    uint8_t buf[100];
    assert_int_equal(virtio_rng_read(buf, sizeof(buf)), 0);
    for (unsigned i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], (uint8_t)i); /* the device's stream, in order, nothing lost */
    assert_int_equal(dev.requests, (sizeof(buf) + 6) / 7);
    assert_int_equal(dev.fd.driver_errors, 0);
}

static void test_overclaimed_length_counts_nothing(void **state)
{
    uint8_t buf[16];
    dev.mode = OVERCLAIM;
    assert_int_equal(virtio_rng_read(buf, sizeof(buf)), -ETIMEDOUT);
    assert_true(dev.fd.resets > 0);                       /* given up on: reset */
    assert_int_equal(virtio_rng_read(buf, sizeof(buf)), -EIO); /* and never used again */
}

static void test_silent_device_times_out(void **state)
{
    uint8_t buf[16];
    dev.mode = SILENT;
    assert_int_equal(virtio_rng_read(buf, sizeof(buf)), -ETIMEDOUT);
    assert_int_equal(dev.requests, 1);
    assert_true(dev.fd.resets > 0);
}

static void test_request_above_the_limit(void **state)
{
    static uint8_t buf[8192];
    assert_int_equal(virtio_rng_read(buf, sizeof(buf)), -EINVAL);
    assert_int_equal(dev.requests, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_without_device),
        cmocka_unit_test_setup(test_read_in_pieces, setup),
        cmocka_unit_test_setup(test_overclaimed_length_counts_nothing, setup),
        cmocka_unit_test_setup(test_silent_device_times_out, setup),
        cmocka_unit_test_setup(test_request_above_the_limit, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
