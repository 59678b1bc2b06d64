/*
 * Host unit tests of the virtio-blk driver (virtio/blk.c) against the fake device and the
 * fake disk: negotiation, capacity checks, request building and splitting within the device's
 * limits, several requests in flight, and a hostile or broken device (bad status, short or
 * oversized used length, no completion, a bogus used id).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/host/log_host.h"
#include "virtio/blk.h"
#include "virtio/tests/blk_disk.h"

#define V1         VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define EVENT      VIRTIO_BIT(VIRTIO_F_EVENT_IDX)
#define SIZE_MAX_F VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX)
#define SEG_MAX_F  VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX)
#define RO         VIRTIO_BIT(VIRTIO_BLK_F_RO)
#define BLK_SIZE   VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE)
#define FLUSH      VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)
#define MQ         VIRTIO_BIT(VIRTIO_BLK_F_MQ)

/* No transport in these tests: virtio_blk_init() finds nothing. */
struct virtio_dev *virtio_dev_find(uint32_t device_id, unsigned n)
{
    return NULL;
}

struct env {
    struct fake_device fd;
    struct fake_disk disk;
};

static void set_config(struct fake_device *fd, uint64_t capacity, uint32_t size_max,
                       uint32_t seg_max)
{
    uint32_t blk_size = 512;
    memcpy(fd->config + 0, &capacity, 8);
    memcpy(fd->config + 8, &size_max, 4);
    memcpy(fd->config + 12, &seg_max, 4);
    memcpy(fd->config + 20, &blk_size, 4);
}

/* A disk of `sectors` offering `features` (plus VERSION_1) with the given limits. */
static struct env *env_new(uint64_t sectors, uint64_t features, uint32_t size_max, uint32_t seg_max)
{
    struct env *e = calloc(1, sizeof(*e));
    fake_device_init(&e->fd, VIRTIO_ID_BLOCK, V1 | features, 1, 128);
    set_config(&e->fd, sectors, size_max, seg_max);
    fake_disk_init(&e->disk, &e->fd, sectors);
    if (features & SIZE_MAX_F)
        e->disk.size_max = size_max;
    if (features & SEG_MAX_F)
        e->disk.seg_max = seg_max;
    return e;
}

static void env_free(struct env *e)
{
    assert_int_equal(e->fd.driver_errors, 0);
    assert_int_equal(e->disk.bad_requests, 0);
    free(e);
}

static void *buffer(uint32_t sectors)
{
    void *b = malloc((size_t)sectors * 512 + 16);
    memset(b, 0xcc, (size_t)sectors * 512 + 16);
    return b;
}

/* Only implemented features are accepted; the capacity is reported. */
static void test_attach_negotiates(void **state)
{
    struct env *e =
        env_new(2048, EVENT | SIZE_MAX_F | SEG_MAX_F | RO | BLK_SIZE | FLUSH | MQ, 65536, 32);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
    assert_int_equal(e->fd.driver_features, V1 | EVENT | SIZE_MAX_F | SEG_MAX_F | RO | BLK_SIZE);
    assert_true(e->fd.status & VIRTIO_STATUS_DRIVER_OK);
    assert_true(e->fd.q[0].enabled);
    assert_int_equal(virtio_blk_sectors(), 2048);
    env_free(e);
}

/* Capacity 0, an absurd capacity and an unusable size_max are refused with a log line. */
static void test_attach_refuses_bad_config(void **state)
{
    struct env *e = env_new(0, EVENT, 0, 0);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), -EIO);
    assert_non_null(strstr(log_host_last, "capacity of 0 sectors"));
    assert_true(e->fd.status & VIRTIO_STATUS_FAILED);
    assert_int_equal(virtio_blk_sectors(), 0);
    assert_int_equal(virtio_blk_read(0, 1, log_host_last), -ENODEV);
    env_free(e);

    e = env_new(1ull << 50, EVENT, 0, 0);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), -EIO);
    assert_non_null(strstr(log_host_last, "implausible capacity"));
    env_free(e);

    e = env_new(2048, SIZE_MAX_F, 100, 0);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), -EIO);
    assert_non_null(strstr(log_host_last, "size_max"));
    env_free(e);

    /* A request queue too small for header + data + status. */
    e = env_new(2048, 0, 0, 0);
    e->fd.q[0].max = 2;
    assert_int_equal(virtio_blk_attach(&e->fd.dev), -EIO);
    env_free(e);
}

static void test_init_without_device(void **state)
{
    assert_int_equal(virtio_blk_init(), -ENODEV);
    assert_non_null(strstr(log_host_last, "no device"));
}

/* Without limits: requests of 256 KiB in one data segment, several in flight, data right. */
static void test_read_large(void **state)
{
    const uint32_t n = 5000; /* 2.4 MiB: 10 requests, the last partial */
    struct env *e = env_new(20000, EVENT, 0, 0);
    uint8_t *b = buffer(n);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
    assert_int_equal(virtio_blk_read(123, n, b), 0);
    assert_true(fake_disk_check(b, 123, n));
    assert_int_equal(b[n * 512], 0xcc); /* nothing written past the end */
    assert_int_equal(e->disk.requests, 10);
    assert_int_equal(e->disk.max_req_sectors, 512);
    assert_int_equal(e->disk.max_data_segs, 1);
    assert_true(e->disk.max_batch > 1); /* several requests in flight */
    free(b);
    env_free(e);
}

/* SIZE_MAX and SEG_MAX shape each request: segments of at most size_max, at most seg_max of
 * them; an odd size_max cuts segments inside sectors, which is allowed. */
static void test_read_split_by_limits(void **state)
{
    struct env *e = env_new(4096, EVENT | SIZE_MAX_F | SEG_MAX_F, 4096, 8);
    uint8_t *b = buffer(1000);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
    assert_int_equal(virtio_blk_read(7, 1000, b + 3), 0); /* unaligned buffer */
    assert_true(fake_disk_check(b + 3, 7, 1000));
    assert_int_equal(e->disk.max_req_sectors, 64); /* 8 x 4096 bytes */
    assert_int_equal(e->disk.max_data_segs, 8);
    assert_int_equal(e->disk.requests, 16); /* ceil(1000 / 64) */
    env_free(e);

    e = env_new(4096, SIZE_MAX_F | SEG_MAX_F, 1000, 3);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
    assert_int_equal(virtio_blk_read(0, 100, b), 0);
    assert_true(fake_disk_check(b, 0, 100));
    assert_int_equal(e->disk.max_req_sectors, 5); /* 3000 bytes, rounded down to sectors */
    assert_int_equal(e->disk.max_data_segs, 3);
    env_free(e);

    /* seg_max 0 is taken as 1. */
    e = env_new(4096, SEG_MAX_F, 0, 0);
    e->disk.seg_max = 1;
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
    assert_int_equal(virtio_blk_read(0, 600, b), 0);
    assert_true(fake_disk_check(b, 0, 600));
    assert_int_equal(e->disk.max_data_segs, 1);
    free(b);
    env_free(e);
}

/* Completions in any order are matched to their requests. */
static void test_read_out_of_order(void **state)
{
    struct env *e = env_new(20000, EVENT, 0, 0);
    uint8_t *b = buffer(8000);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
    e->disk.mode = DISK_REVERSE;
    assert_int_equal(virtio_blk_read(1, 8000, b), 0);
    assert_true(fake_disk_check(b, 1, 8000));
    free(b);
    env_free(e);
}

/* The range is checked against the capacity before anything is sent. */
static void test_read_range(void **state)
{
    struct env *e = env_new(100, EVENT, 0, 0);
    uint8_t *b = buffer(100);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
    assert_int_equal(virtio_blk_read(100, 1, b), -EINVAL);
    assert_int_equal(virtio_blk_read(99, 2, b), -EINVAL);
    assert_int_equal(virtio_blk_read(UINT64_MAX, 2, b), -EINVAL);
    assert_int_equal(virtio_blk_read(0, 1, NULL), -EINVAL);
    assert_int_equal(virtio_blk_read(5, 0, b), 0);
    assert_int_equal(e->disk.requests, 0);
    assert_int_equal(virtio_blk_read(0, 100, b), 0); /* the whole disk */
    assert_true(fake_disk_check(b, 0, 100));
    assert_int_equal(virtio_blk_read_ctx(NULL, 99, 1, b), 0); /* content/fat.h's callback */
    assert_true(fake_disk_check(b, 99, 1));
    free(b);
    env_free(e);
}

/* A failing request fails the read with -EIO and a log line naming its LBA; the requests
 * already in flight are drained first; the device stays usable. */
static void test_read_status_errors(void **state)
{
    struct env *e = env_new(20000, EVENT, 0, 0);
    uint8_t *b = buffer(4000);
    assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);

    e->disk.mode = DISK_IOERR;
    e->disk.bad_lba = 1500;
    assert_int_equal(virtio_blk_read(10, 4000, b), -EIO);
    assert_non_null(strstr(log_host_last, "LBA 1034")); /* 10 + 2 x 512: the request with 1500 */
    assert_non_null(strstr(log_host_last, "I/O error"));

    e->disk.mode = DISK_UNSUPP;
    assert_int_equal(virtio_blk_read(0, 1, b), -EIO);
    assert_non_null(strstr(log_host_last, "unsupported"));

    e->disk.mode = DISK_BAD_STATUS;
    assert_int_equal(virtio_blk_read(42, 3, b), -EIO);
    assert_non_null(strstr(log_host_last, "LBA 42: bogus status 0x7f"));

    e->disk.mode = DISK_NO_STATUS; /* the preset 0xff is never taken for OK */
    assert_int_equal(virtio_blk_read(43, 3, b), -EIO);
    assert_non_null(strstr(log_host_last, "bogus status 0xff"));

    e->disk.mode = DISK_SHORT_LEN;
    assert_int_equal(virtio_blk_read(44, 2, b), -EIO);
    assert_non_null(strstr(log_host_last, "device wrote 1024 of 1025 bytes"));

    e->disk.mode = DISK_HUGE_LEN; /* the ring layer reports 0 for an impossible length */
    assert_int_equal(virtio_blk_read(45, 2, b), -EIO);
    assert_non_null(strstr(log_host_last, "device wrote 0 of 1025 bytes"));

    /* After all that, an honest answer is accepted again. */
    e->disk.mode = DISK_OK;
    assert_int_equal(virtio_blk_read(46, 2000, b), 0);
    assert_true(fake_disk_check(b, 46, 2000));
    free(b);
    env_free(e);
}

/* A device that never answers (or answers with an id that heads no request) is reset after
 * the bounded wait and not used again. */
static void test_read_timeout(void **state)
{
    enum fake_disk_mode modes[] = {DISK_SILENT, DISK_WRONG_ID};
    for (unsigned i = 0; i < 2; i++) {
        struct env *e = env_new(20000, EVENT, 0, 0);
        uint8_t *b = buffer(2000);
        assert_int_equal(virtio_blk_attach(&e->fd.dev), 0);
        e->disk.mode = modes[i];
        assert_int_equal(virtio_blk_read(0, 2000, b), -ETIMEDOUT);
        assert_non_null(strstr(log_host_last, "device given up"));
        assert_int_equal(e->fd.status & ~VIRTIO_STATUS_FAILED, 0); /* reset */
        assert_int_equal(virtio_blk_read(0, 1, b), -EIO);
        assert_int_equal(virtio_blk_sectors(), 0);
        free(b);
        env_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attach_negotiates),
        cmocka_unit_test(test_attach_refuses_bad_config),
        cmocka_unit_test(test_init_without_device),
        cmocka_unit_test(test_read_large),
        cmocka_unit_test(test_read_split_by_limits),
        cmocka_unit_test(test_read_out_of_order),
        cmocka_unit_test(test_read_range),
        cmocka_unit_test(test_read_status_errors),
        cmocka_unit_test(test_read_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
