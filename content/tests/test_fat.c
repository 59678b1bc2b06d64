/*
 * FAT reader on good volumes: a source tree is copied with mkfs.fat + mcopy into FAT12, FAT16
 * (unpartitioned, and behind an MBR at LBA 63 like QEMU's vfat) and FAT32 images; every file
 * the walk reports must match its source file in path, size, mtime and bytes, and every source
 * file must be reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content/fat.h"
#include "content/limits.h"
#include "content/tests/fat_test_util.h"
#include "core/log.h"
#include "tests/host/log_host.h"

#define BIG_SIZE    (1024 * 1024 + 7)
#define MANY_FILES  300
#define DEEP_LEVELS 20
#define MTIME_BASE  1600000000 /* 2020-09-13, even: FAT keeps 2-second steps */

struct src_file {
    char rel[256]; /* path below the tree's root */
    size_t size;
};

static struct src_file files[64 + MANY_FILES];
static size_t nfiles;
static char *tmp;     /* temporary folder: src/ and images */
static char src[512]; /* the source tree */

static void add(const char *rel, size_t size)
{
    snprintf(files[nfiles].rel, sizeof(files[nfiles].rel), "%s", rel);
    files[nfiles].size = size;
    tree_file(src, rel, size, (unsigned)nfiles, MTIME_BASE + 2 * (int64_t)nfiles);
    nfiles++;
}

static int setup_tree(void **state)
{
    char rel[256];
    size_t n;

    tmp = tmp_folder();
    snprintf(src, sizeof(src), "%s/src", tmp);
    tree_folder(src, "");
    add("index.html", 1234);
    add("README", 100);       /* a plain upper-case 8.3 name: no long name */
    add("readme.txt", 50);    /* lower-case 8.3: DIR_NTRes flags, no long name */
    add("lower.TXT", 40);     /* lower-case base only */
    add("Mixed.Txt", 30);     /* mixed case: long name */
    add("abcdefghi.txt", 13); /* 13 units: one full long-name piece, no terminator */
    add("a rather long file name with many characters (version 2).html", 2000);
    add(".htaccess", 20);
    add("Caf\xc3\xa9 Menu.html", 77); /* non-ASCII long name -> UTF-8 */
    add("a b/c.d.e.txt", 555);
    add("css/site.css", 4096);
    add("empty.txt", 0);
    add("big.bin", BIG_SIZE);
    add("img/exactly-one-sector.bin", 512);
    add("img/one-cluster-of-8k.bin", 8192);
    tree_folder(src, "empty folder");
    n = (size_t)snprintf(rel, sizeof(rel), "d01");
    for (int i = 2; i <= DEEP_LEVELS; i++)
        n += (size_t)snprintf(rel + n, sizeof(rel) - n, "/d%02d", i);
    snprintf(rel + n, sizeof(rel) - n, "/deep.txt");
    add(rel, 10);
    for (int i = 0; i < MANY_FILES; i++) {
        snprintf(rel, sizeof(rel), "many/f%03d.txt", i);
        add(rel, (size_t)(i * 37) % 5000);
    }
    *state = NULL;
    return 0;
}

static int teardown_tree(void **state)
{
    tmp_remove(tmp);
    free(tmp);
    return 0;
}

/* Mounts m, walks it, and checks every file against the source tree. */
static void check_volume(struct memdev *m, const char *expect_log)
{
    struct content_fat_dev dev = memdev_dev(m);
    struct content_fat *fs;
    struct found_list l = {0}, again = {0};
    unsigned errors = log_host_count[LOG_ERROR], warns = log_host_count[LOG_WARN];

    assert_int_equal(content_fat_mount(&dev, &fs), 0);
    assert_non_null(strstr(log_host_last, expect_log));
    assert_int_equal(content_fat_walk(fs, found_collect, &l), 0);
    assert_int_equal(l.n, nfiles);

    for (size_t i = 0; i < nfiles; i++) {
        char path[600], host[1024];
        const struct found *f;
        uint8_t *want, *got;
        size_t len, round;

        snprintf(path, sizeof(path), "/%s", files[i].rel);
        f = found_get(&l, path);
        if (f == NULL)
            fail_msg("%s not found by the walk", path);
        assert_int_equal(f->size, files[i].size);
        assert_int_equal(f->mtime, MTIME_BASE + 2 * (int64_t)i);
        snprintf(host, sizeof(host), "%s/%s", src, files[i].rel);
        want = file_slurp(host, &len);
        assert_non_null(want);
        assert_int_equal(len, f->size);

        /* Exact-size buffer: the last partial sector goes through the bounce buffer. */
        got = malloc(len + 1);
        assert_int_equal(content_fat_read(fs, &f->handle, got, len), 0);
        assert_memory_equal(got, want, len);
        free(got);

        /* Sector-rounded buffer: every run is one read straight into it. */
        round = (len + 511) / 512 * 512;
        got = malloc(round + 1);
        m->calls = 0;
        assert_int_equal(content_fat_read(fs, &f->handle, got, round), 0);
        assert_memory_equal(got, want, len);
        if (strcmp(files[i].rel, "big.bin") == 0) {
            /* 1 MiB + 7 contiguous bytes: two reads at the 1 MiB I/O limit. */
            assert_in_range(m->calls, 1, 2);
            assert_true(m->max_count <= CONTENT_FAT_MAX_IO_SECTORS);
        }
        free(got);
        free(want);
    }

    /* A second walk sees the same files (the seen-cluster map starts afresh). */
    assert_int_equal(content_fat_walk(fs, found_collect, &again), 0);
    assert_int_equal(again.n, l.n);
    for (size_t i = 0; i < l.n; i++)
        assert_string_equal(again.v[i].path, l.v[i].path);

    assert_int_equal(log_host_count[LOG_ERROR], errors);
    assert_int_equal(log_host_count[LOG_WARN], warns);
    found_free(&l);
    found_free(&again);
    content_fat_unmount(fs);
}

static void volume_test(const char *mkfs_args, unsigned kib, uint32_t part_lba, uint8_t type,
                        const char *expect_log)
{
    char img[600];
    struct memdev m;

    snprintf(img, sizeof(img), "%s/vol.img", tmp);
    assert_int_equal(image_build(img, kib, mkfs_args, src), 0);
    image_load(&m, img, part_lba, type);
    check_volume(&m, expect_log);
    memdev_free(&m);
}

static void test_fat16_unpartitioned(void **state)
{
    volume_test("-F 16 -s 4", 16 * 1024, 0, 0, "FAT16 volume at sector 0");
}

/* What QEMU's vfat presents: MBR, one partition of type 0x06 at LBA 63, 8 KiB clusters. */
static void test_fat16_partition_at_63(void **state)
{
    volume_test("-F 16 -s 16 -h 63", 64 * 1024, 63, 0x06, "FAT16 volume at sector 63");
}

static void test_fat16_partition_lba_type(void **state)
{
    volume_test("-F 16 -s 8 -h 2048", 32 * 1024, 2048, 0x0e, "FAT16 volume at sector 2048");
}

static void test_fat16_one_fat(void **state)
{
    volume_test("-F 16 -s 2 -f 1 -r 512", 16 * 1024, 0, 0, "FAT16 volume");
}

static void test_fat12(void **state)
{
    volume_test("-F 12 -s 8", 8 * 1024, 0, 0, "FAT12 volume");
}

static void test_fat32(void **state)
{
    volume_test("-F 32 -s 1", 40 * 1024, 0, 0, "FAT32 volume");
}

static void test_fat32_partitioned(void **state)
{
    volume_test("-F 32 -s 1 -h 63", 40 * 1024, 63, 0x0c, "FAT32 volume at sector 63");
}

/*
 * A real QEMU vfat disk: qemu-img reads the folder through the same vvfat driver that
 * `-drive file=fat:DIR` uses (MBR, partition at LBA 63, FAT16, 8 KiB clusters, a long name for
 * every file) and writes the 504 MB disk as a sparse file.
 */
static void test_qemu_vfat(void **state)
{
    char img[600];
    struct memdev m;

    /* qemu-img comes with qemu-utils (scripts/deps, group test): missing is a failure. */
    assert_int_equal(run("command -v qemu-img >/dev/null"), 0);
    snprintf(img, sizeof(img), "%s/vvfat.img", tmp);
    assert_int_equal(run("qemu-img convert -O raw 'fat:%s' '%s'", src, img), 0);
    image_open(&m, img);
    check_volume(&m, "FAT16 volume at sector 63");
    memdev_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fat16_unpartitioned),
        cmocka_unit_test(test_fat16_partition_at_63),
        cmocka_unit_test(test_fat16_partition_lba_type),
        cmocka_unit_test(test_fat16_one_fat),
        cmocka_unit_test(test_fat12),
        cmocka_unit_test(test_fat32),
        cmocka_unit_test(test_fat32_partitioned),
        cmocka_unit_test(test_qemu_vfat),
    };
    return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
