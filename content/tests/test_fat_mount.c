/*
 * FAT reader: mounting damaged or foreign disks (boot sector fields, partition table, truncated
 * devices), device failures, the read API's own checks and the timestamp conversion.  Disks are
 * copies of the small FAT16 image (fat_small.h), patched.
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

#include "content/fat.h"
#include "content/tests/fat_small.h"
#include "core/log.h"
#include "tests/host/log_host.h"

struct bpb_case {
    unsigned off, width; /* bytes to patch */
    uint32_t value;
    int rc;
    const char *log;
};

static void test_garbage_bpb(void **state)
{
    static const struct bpb_case cases[] = {
        {11, 2, 1024, -ENOTSUP, "fat: 1024-byte sectors are not supported (only 512)"},
        {11, 2, 4096, -ENOTSUP, "fat: 4096-byte sectors are not supported (only 512)"},
        {11, 2, 513, -EINVAL, "fat: bytes per sector 513 is invalid"},
        {11, 2, 0, -EINVAL, "fat: bytes per sector 0 is invalid"},
        {13, 1, 3, -EINVAL, "fat: sectors per cluster 3 is not a power of two"},
        {13, 1, 0, -EINVAL, "fat: sectors per cluster 0 is not a power of two"},
        {14, 2, 0, -EINVAL, "fat: reserved sector count is 0"},
        {16, 1, 0, -EINVAL, "fat: 0 FATs (expected 1 or 2)"},
        {16, 1, 3, -EINVAL, "fat: 3 FATs (expected 1 or 2)"},
        {17, 2, 0, -EINVAL, "fat: 4157 clusters make the volume FAT16, but it has no root folder"},
        {19, 2, 9000, -EINVAL, "fat: the volume has 9000 sectors but its device has only 4200"},
        {21, 1, 0x12, -EINVAL, "fat: media descriptor 0x12 is invalid"},
        {22, 2, 1, -EINVAL, "fat: the FAT (1 sectors) is too small for 4185 clusters"},
        {22, 2, 3000, -EINVAL, "leave no data clusters in 4192 sectors"},
        {32, 4, 4100, -EINVAL, "fat: the two total sector counts disagree (4192 and 4100)"},
        {55, 4, 0x32315441 /* "AT12" */, -EINVAL,
         "clusters make the volume FAT16, but its boot sector says FAT12"},
        {0, 1, 0x00, -EINVAL, "fat: sector 0 is neither a FAT boot sector nor an MBR"},
        {510, 2, 0x0000, -EINVAL, "fat: sector 0 has no 0x55aa signature"},
    };
    struct memdev m;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bpb_case *c = &cases[i];
        small_fresh(&m);
        if (c->width == 1)
            m.data[c->off] = (uint8_t)c->value;
        else if (c->width == 2)
            put16(m.data + c->off, (uint16_t)c->value);
        else
            put32(m.data + c->off, c->value);
        reset_log();
        if (mount_rc(&m) != c->rc)
            fail_msg("case %zu: not %d (%s)", i, c->rc, log_host_last);
        if (strstr(log_host_last, c->log) == NULL)
            fail_msg("case %zu: log \"%s\" lacks \"%s\"", i, log_host_last, c->log);
        memdev_free(&m);
    }

    /* Both total-sector fields zero. */
    small_fresh(&m);
    put16(m.data + 19, 0);
    put32(m.data + 32, 0);
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "fat: total sector count is 0");
    memdev_free(&m);

    /* FAT12/16 with the FAT size in the FAT32 field only. */
    small_fresh(&m);
    put32(m.data + 36, le16(m.data + 22));
    put16(m.data + 22, 0);
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "but its FAT size is in the FAT32 field");
    memdev_free(&m);
}

static void test_truncated_volume(void **state)
{
    struct memdev m;

    small_fresh(&m);
    m.sectors = m.len / 512 / 2; /* the device ends halfway */
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "fat: the volume has 4192 sectors but its device has only 2100 "
                          "(truncated image?)");
    memdev_free(&m);
}

/* The test image behind an MBR at LBA 63, partition entry p. */
static void partitioned(struct memdev *m, uint8_t **p)
{
    char img[600];
    snprintf(img, sizeof(img), "%s/small.img", small_tmp);
    image_load(m, img, 63, 0x06);
    *p = m->data + 446;
}

static void test_mbr(void **state)
{
    struct memdev m;
    uint8_t *p;

    partitioned(&m, &p);
    reset_log();
    assert_int_equal(mount_rc(&m), 0);
    assert_log(LOG_INFO, "fat: FAT16 volume at sector 63");
    memdev_free(&m);

    partitioned(&m, &p);
    p[4] = 0x83; /* Linux */
    reset_log();
    assert_int_equal(mount_rc(&m), -ENODEV);
    assert_log(LOG_ERROR, "fat: the MBR has no FAT partition (types 0x83 0x00 0x00 0x00)");
    memdev_free(&m);

    /* The FAT partition second, after a non-FAT one. */
    partitioned(&m, &p);
    memcpy(p + 16, p, 16);
    p[4] = 0x83;
    reset_log();
    assert_int_equal(mount_rc(&m), 0);
    memdev_free(&m);

    partitioned(&m, &p);
    put32(p + 12, 4201); /* one sector past the device */
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "fat: partition 1 (type 0x06, start 63, 4201 sectors) does not fit the "
                          "device (4263 sectors)");
    memdev_free(&m);

    partitioned(&m, &p);
    put32(p + 12, 4100); /* smaller than the volume in it */
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "fat: the volume has 4192 sectors but its partition has only 4100");
    memdev_free(&m);

    partitioned(&m, &p);
    p[4] = 0xee;
    reset_log();
    assert_int_equal(mount_rc(&m), -ENOTSUP);
    assert_log(LOG_ERROR, "fat: GPT disks are not supported");
    memdev_free(&m);

    partitioned(&m, &p);
    p[0] = 0x12; /* not a status byte: this is no MBR */
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "neither a FAT boot sector nor an MBR");
    memdev_free(&m);

    /* A boot sector with a broken BPB inside a good partition. */
    partitioned(&m, &p);
    m.data[63 * 512 + 13] = 6;
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "fat: sectors per cluster 6 is not a power of two");
    memdev_free(&m);

    /* GRUB-style boot code: a jump, a zeroed BPB, and a partition table. */
    partitioned(&m, &p);
    m.data[0] = 0xeb;
    m.data[1] = 0x63;
    m.data[2] = 0x90;
    reset_log();
    assert_int_equal(mount_rc(&m), 0);
    memdev_free(&m);
}

/* A valid FAT32 volume whose FAT is larger than CONTENT_FAT_MAX_FAT_BYTES (a sparse 640 MiB
 * image with 512-byte clusters: 1.3 Mi clusters, a 5 MiB FAT). */
static void test_fat32_fat_too_big(void **state)
{
    char img[600];
    struct memdev m;

    snprintf(img, sizeof(img), "%s/big32.img", small_tmp);
    assert_int_equal(image_build(img, 640 * 1024, "-F 32 -s 1", NULL), 0);
    image_open(&m, img);
    reset_log();
    assert_int_equal(mount_rc(&m), -ENOTSUP);
    assert_log(LOG_ERROR, "more than this reader keeps in memory (4194304 bytes)");
    memdev_free(&m);
    run("rm -f '%s'", img);
}

static void test_device_errors(void **state)
{
    struct memdev m;
    struct content_fat_dev dev;
    struct content_fat *fs;
    struct found_list l = {0};
    uint8_t buf[A_SIZE];

    for (long at = 0; at < 2; at++) { /* boot sector, FAT */
        small_fresh(&m);
        m.fail_at = at;
        reset_log();
        assert_int_equal(mount_rc(&m), -EIO);
        assert_log(LOG_ERROR, "fat: device read of ");
        assert_log(LOG_ERROR, "failed (-5)");
        memdev_free(&m);
    }

    small_fresh(&m);
    dev = memdev_dev(&m);
    assert_int_equal(content_fat_mount(&dev, &fs), 0);
    m.fail_at = m.calls; /* the root folder */
    assert_int_equal(content_fat_walk(fs, found_collect, &l), -EIO);
    m.fail_at = -1;
    assert_int_equal(content_fat_walk(fs, found_collect, &l), 0);
    m.fail_at = m.calls;
    assert_int_equal(content_fat_read(fs, &found_get(&l, "/A.TXT")->handle, buf, sizeof(buf)),
                     -EIO);
    found_free(&l);
    content_fat_unmount(fs);
    memdev_free(&m);

    dev.read = NULL;
    reset_log();
    assert_int_equal(content_fat_mount(&dev, &fs), -EINVAL);
    assert_null(fs);
}

static void test_read_checks(void **state)
{
    struct memdev m;
    struct content_fat *fs;
    struct found_list l = {0};
    struct content_fat_handle h;
    uint8_t buf[A_SIZE + 512];

    small_fresh(&m);
    assert_int_equal(walk(&m, &l, &fs), 0);
    h = found_get(&l, "/A.TXT")->handle;
    assert_int_equal(content_fat_read(fs, &h, buf, A_SIZE - 1), -ENOBUFS);
    assert_int_equal(content_fat_read(fs, &h, buf, A_SIZE), 0);

    h.size = 10000; /* longer than the chain */
    reset_log();
    assert_int_equal(content_fat_read(fs, &h, buf, sizeof(buf) + 20000), -EINVAL);
    assert_log(LOG_ERROR, "fat: file at cluster");
    assert_log(LOG_ERROR, "the chain ends");

    h.first_cluster = 0xfff0;
    h.size = 10;
    assert_int_equal(content_fat_read(fs, &h, buf, sizeof(buf)), -EINVAL);
    assert_log(LOG_ERROR, "first cluster 65520 out of range");

    h.first_cluster = 0;
    h.size = 0;
    assert_int_equal(content_fat_read(fs, &h, NULL, 0), 0);

    found_free(&l);
    content_fat_unmount(fs);
    memdev_free(&m);
}

static uint16_t fat_date(unsigned y, unsigned mo, unsigned d)
{
    return (uint16_t)((y - 1980) << 9 | mo << 5 | d);
}

static uint16_t fat_clock(unsigned h, unsigned mi, unsigned s)
{
    return (uint16_t)(h << 11 | mi << 5 | s / 2);
}

static void test_time(void **state)
{
    assert_int_equal(content_fat_time(fat_date(1980, 1, 1), 0), 315532800);
    assert_int_equal(content_fat_time(fat_date(2020, 9, 13), fat_clock(12, 26, 40)), 1600000000);
    assert_int_equal(content_fat_time(fat_date(2000, 2, 29), fat_clock(23, 59, 58)), 951868798);
    assert_int_equal(content_fat_time(fat_date(2024, 12, 31), fat_clock(0, 0, 0)), 1735603200);
    assert_int_equal(content_fat_time(fat_date(2107, 12, 31), fat_clock(23, 59, 58)), 4354819198);
    assert_int_equal(content_fat_time(fat_date(2021, 2, 29), 0), 0); /* not a leap year */
    assert_int_equal(content_fat_time(fat_date(2100, 2, 29), 0), 0); /* nor is 2100 */
    assert_int_equal(content_fat_time(fat_date(2020, 13, 1), 0), 0); /* month 13 */
    assert_int_equal(content_fat_time(fat_date(2020, 0, 1), 0), 0);  /* month 0 */
    assert_int_equal(content_fat_time(fat_date(2020, 4, 31), 0), 0); /* April 31 */
    assert_int_equal(content_fat_time(fat_date(2020, 4, 0), 0), 0);  /* day 0 */
    assert_int_equal(content_fat_time(fat_date(2020, 4, 1), fat_clock(24, 0, 0)), 0);
    assert_int_equal(content_fat_time(fat_date(2020, 4, 1), fat_clock(1, 60, 0)), 0);
    assert_int_equal(content_fat_time(fat_date(2020, 4, 1), 30), 0); /* 60 seconds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_bpb),   cmocka_unit_test(test_truncated_volume),
        cmocka_unit_test(test_mbr),           cmocka_unit_test(test_fat32_fat_too_big),
        cmocka_unit_test(test_device_errors), cmocka_unit_test(test_read_checks),
        cmocka_unit_test(test_time),
    };
    return cmocka_run_group_tests(tests, small_setup, small_teardown);
}
