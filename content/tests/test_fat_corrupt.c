/*
 * FAT reader on damaged volumes, beyond the boot sector: each test damages a copy of the small
 * FAT16 image (fat_small.h) -- FAT entries, directory entries, long names -- and checks that
 * the bad file or folder is skipped with the expected log line while the rest is still served,
 * and that the walk always ends.
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

static const char *const all_but_a[] = {"/B.TXT",     "/" LONG_NAME,  "/EMPTY.TXT",
                                        "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};

static void test_clean(void **state)
{
    static const char *const all[] = {"/A.TXT",     "/B.TXT",       "/" LONG_NAME, "/EMPTY.TXT",
                                      "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};
    struct memdev m;

    small_fresh(&m);
    reset_log();
    expect_files(&m, all);
    assert_int_equal(log_host_count[LOG_ERROR] + log_host_count[LOG_WARN], 0);
    memdev_free(&m);
}

/* --- file chains ----------------------------------------------------------------------------- */

static void test_chain_loop(void **state)
{
    struct memdev m;
    uint16_t a;

    small_fresh(&m);
    a = dirent_cluster(dirent_find(&m, 0, "A       TXT"));
    fat_set(&m, chain_at(&m, a, 2), a); /* third cluster -> first */
    reset_log();
    expect_files(&m, all_but_a);
    assert_int_equal(log_host_count[LOG_ERROR], 1);
    assert_log(LOG_ERROR, "fat: /A.TXT: cluster");
    assert_log(LOG_ERROR, "is used twice (the chain loops or is cross-linked), skipped");
    memdev_free(&m);
}

static void test_chain_out_of_range(void **state)
{
    struct memdev m;
    uint16_t a;

    small_fresh(&m);
    a = dirent_cluster(dirent_find(&m, 0, "A       TXT"));
    fat_set(&m, chain_at(&m, a, 1), 0xfff0);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR,
               "fat: /A.TXT: the chain points out of range (entry 0xfff0) after 2 of the 6 "
               "clusters its size 3000 needs, skipped");
    memdev_free(&m);
}

static void test_chain_free_and_bad(void **state)
{
    struct memdev m;
    uint16_t a;

    small_fresh(&m);
    a = dirent_cluster(dirent_find(&m, 0, "A       TXT"));
    fat_set(&m, chain_at(&m, a, 3), 0);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "/A.TXT: the chain runs into a free cluster (entry 0x0) after 4 of");
    memdev_free(&m);

    small_fresh(&m);
    fat_set(&m, chain_at(&m, a, 0), 0xfff7);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "/A.TXT: the chain runs into a bad cluster (entry 0xfff7) after 1 of");
    memdev_free(&m);
}

static void test_first_cluster_out_of_range(void **state)
{
    struct memdev m;

    small_fresh(&m);
    put16(dirent_find(&m, 0, "A       TXT") + 26, 0xf000);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "fat: /A.TXT: first cluster 61440 out of range (2..");
    memdev_free(&m);

    small_fresh(&m);
    put16(dirent_find(&m, 0, "A       TXT") + 26, 0);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "fat: /A.TXT: size 3000 but no cluster, skipped");
    memdev_free(&m);
}

static void test_size_larger_than_chain(void **state)
{
    struct memdev m;

    small_fresh(&m);
    put32(dirent_find(&m, 0, "A       TXT") + 28, 10000);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "fat: /A.TXT: the chain ends (entry 0xffff) after 6 of the 20 clusters "
                          "its size 10000 needs, skipped");
    memdev_free(&m);
}

static void test_size_larger_than_volume(void **state)
{
    struct memdev m;

    small_fresh(&m);
    put32(dirent_find(&m, 0, "A       TXT") + 28, 0xfffffff0);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "fat: /A.TXT: size 4294967280 is larger than the volume, skipped");
    memdev_free(&m);
}

/* Two entries sharing clusters: the second one met is skipped. */
static void test_cross_linked(void **state)
{
    static const char *const want[] = {"/A.TXT",     "/" LONG_NAME,  "/EMPTY.TXT",
                                       "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};
    struct memdev m;
    uint8_t *b;

    small_fresh(&m);
    b = dirent_find(&m, 0, "B       TXT");
    put16(b + 26, dirent_cluster(dirent_find(&m, 0, "A       TXT")));
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /B.TXT: cluster");
    memdev_free(&m);
}

/* A chain longer than the size is tolerated (warned about); the size wins. */
static void test_chain_longer_than_size(void **state)
{
    static const char *const all[] = {"/A.TXT",     "/B.TXT",       "/" LONG_NAME, "/EMPTY.TXT",
                                      "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};
    struct memdev m;
    struct found_list l = {0};
    struct content_fat *fs;
    const struct found *f;
    uint8_t buf[100];
    struct geo g;

    small_fresh(&m);
    put32(dirent_find(&m, 0, "A       TXT") + 28, 100);
    reset_log();
    expect_files(&m, all);
    assert_log(LOG_WARN, "fat: /A.TXT: the chain is longer than the size 100; the rest is ignored");

    assert_int_equal(walk(&m, &l, &fs), 0);
    f = found_get(&l, "/A.TXT");
    assert_non_null(f);
    assert_int_equal(content_fat_read(fs, &f->handle, buf, sizeof(buf)), 0);
    g = geo_of(m.data);
    assert_memory_equal(buf, m.data + 512 * (g.data_lba + (f->handle.first_cluster - 2u) * g.spc),
                        100);
    found_free(&l);
    content_fat_unmount(fs);
    memdev_free(&m);
}

/* --- folders --------------------------------------------------------------------------------- */

/* Fills the rest of folder cluster c with deleted entries, so its walk goes on to the next
 * cluster instead of stopping at the first free entry. */
static void fill_folder(struct memdev *m, uint16_t c)
{
    struct geo g = geo_of(m->data);
    uint8_t *base = m->data + 512 * (size_t)(g.data_lba + (c - 2u) * g.spc);

    for (uint32_t i = 0; i < g.spc * 16; i++)
        if (base[32 * i] == 0)
            base[32 * i] = 0xe5;
}

static void test_folder_chain_loop(void **state)
{
    static const char *const want[] = {"/A.TXT",     "/B.TXT",       "/" LONG_NAME, "/EMPTY.TXT",
                                       "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};
    struct memdev m;
    uint16_t sub;

    small_fresh(&m);
    sub = dirent_cluster(dirent_find(&m, 0, "SUB        "));
    fill_folder(&m, sub);
    fat_set(&m, sub, sub); /* the folder's only cluster points to itself */
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /SUB/: the folder's chain loops or is cross-linked at cluster");
    memdev_free(&m);

    small_fresh(&m);
    fill_folder(&m, sub);
    fat_set(&m, sub, 0x7fff);
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /SUB/: the folder's chain points out of range (entry 0x7fff");
    memdev_free(&m);
}

/* A folder past the FAT limit of 65536 entries: SUB made 4097 clusters of 16 deleted entries. */
static void test_folder_too_long(void **state)
{
    static const char *const all[] = {"/A.TXT",     "/B.TXT",       "/" LONG_NAME, "/EMPTY.TXT",
                                      "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};
    struct memdev m;
    uint16_t sub, prev, c;
    unsigned added = 0;

    small_fresh(&m);
    sub = dirent_cluster(dirent_find(&m, 0, "SUB        "));
    fill_folder(&m, sub);
    prev = sub;
    for (c = 2; added < 4096; c++) {
        if (fat_get(&m, c) != 0)
            continue;
        fill_folder(&m, c);
        fat_set(&m, prev, c);
        prev = c;
        added++;
    }
    fat_set(&m, prev, 0xffff);
    reset_log();
    expect_files(&m, all);
    assert_int_equal(log_host_count[LOG_ERROR], 1);
    assert_log(LOG_ERROR, "fat: /SUB/: folder longer than 65536 entries; rest skipped");
    memdev_free(&m);
}

/* SUB/D points back at SUB: an endless tree, cut where the cluster repeats. */
static void test_folder_cycle(void **state)
{
    static const char *const want[] = {"/A.TXT",     "/B.TXT",     "/" LONG_NAME,
                                       "/EMPTY.TXT", "/SUB/C.TXT", NULL};
    struct memdev m;
    uint16_t sub;

    small_fresh(&m);
    sub = dirent_cluster(dirent_find(&m, 0, "SUB        "));
    put16(dirent_find(&m, sub, "D          ") + 26, sub);
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /SUB/D: folder cluster");
    assert_log(LOG_ERROR, "was seen before (a loop or cross-link), skipped");
    memdev_free(&m);

    small_fresh(&m);
    put16(dirent_find(&m, 0, "SUB        ") + 26, 0xfff0);
    reset_log();
    expect_files(&m, (const char *const[]){"/A.TXT", "/B.TXT", "/" LONG_NAME, "/EMPTY.TXT", NULL});
    assert_log(LOG_ERROR, "fat: /SUB: folder cluster 65520 out of range");
    memdev_free(&m);
}

/* --- names ----------------------------------------------------------------------------------- */

/* The long-name pieces of LONG_NAME are the three entries before its 8.3 entry. */
static uint8_t *long_name_short_entry(struct memdev *m)
{
    struct geo g = geo_of(m->data);
    uint8_t *root = m->data + 512 * (size_t)g.root_lba;

    for (uint32_t i = 3; i < g.root_entries; i++)
        if (root[32 * i + 11] != 0x0f && root[32 * (i - 1) + 11] == 0x0f &&
            root[32 * (i - 3)] == 0x43) /* LAST | 3 */
            return root + 32 * i;
    fail_msg("no long name found");
    return NULL;
}

static void expect_short_fallback(struct memdev *m, const char *why)
{
    struct found_list l = {0};

    reset_log();
    assert_int_equal(walk(m, &l, NULL), 0);
    assert_int_equal(l.n, 6);
    assert_null(found_get(&l, "/" LONG_NAME));
    assert_non_null(found_get(&l, "/ALONGN~1.TXT"));
    assert_log(LOG_WARN, why);
    found_free(&l);
}

static void test_long_name_checksum(void **state)
{
    struct memdev m;
    uint8_t *e;

    small_fresh(&m);
    e = long_name_short_entry(&m);
    assert_memory_equal(e, "ALONGN~1TXT", 11);
    for (int i = 1; i <= 3; i++)
        e[-32 * i + 13] ^= 0x5a; /* every piece's checksum */
    expect_short_fallback(&m, "fat: /ALONGN~1.TXT: its long name does not match the 8.3 entry; "
                              "using the 8.3 name");
    memdev_free(&m);

    /* A sequence number out of order. */
    small_fresh(&m);
    e = long_name_short_entry(&m);
    e[-32 * 2] = 0x03;
    expect_short_fallback(&m, "fat: /ALONGN~1.TXT: its long name is incomplete");
    memdev_free(&m);

    /* A missing middle piece (deleted). */
    small_fresh(&m);
    e = long_name_short_entry(&m);
    e[-32 * 2] = 0xe5;
    expect_short_fallback(&m, "its long name is incomplete");
    memdev_free(&m);
}

static void test_long_name_invalid(void **state)
{
    struct memdev m;
    uint8_t *e;

    small_fresh(&m);
    e = long_name_short_entry(&m);
    put16(e - 32 * 3 + 1, '/'); /* first unit of the first piece on disk: the name's 27th */
    expect_short_fallback(&m, "its long name has invalid characters");
    memdev_free(&m);

    /* A long name that is just "..": would escape the folder. */
    small_fresh(&m);
    e = long_name_short_entry(&m);
    e[-32 * 3] = 0xe5;
    e[-32 * 2] = 0xe5;
    e[-32] = 0x41; /* LAST | 1 */
    put16(e - 32 + 1, '.');
    put16(e - 32 + 3, '.');
    put16(e - 32 + 5, 0);
    expect_short_fallback(&m, "its long name has invalid characters");
    memdev_free(&m);
}

static void test_short_name_invalid(void **state)
{
    static const char *const want[] = {"/A.TXT",     "/" LONG_NAME,  "/EMPTY.TXT",
                                       "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};
    struct memdev m;

    small_fresh(&m);
    dirent_find(&m, 0, "B       TXT")[1] = '*';
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /: entry");
    assert_log(LOG_ERROR, "has an invalid 8.3 name, skipped");
    memdev_free(&m);

    small_fresh(&m);
    dirent_find(&m, 0, "B       TXT")[1] = 0x90; /* an OEM code page letter */
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "has a non-ASCII 8.3 name and no usable long name, skipped");
    memdev_free(&m);
}

/* Deleted entries, volume labels and the end marker hide entries without a word. */
static void test_skipped_entries(void **state)
{
    struct memdev m;
    uint16_t sub;

    small_fresh(&m);
    sub = dirent_cluster(dirent_find(&m, 0, "SUB        "));
    dirent_find(&m, 0, "B       TXT")[0] = 0xe5;
    dirent_find(&m, sub, "C       TXT")[11] = 0x08; /* volume label */
    reset_log();
    expect_files(
        &m, (const char *const[]){"/A.TXT", "/" LONG_NAME, "/EMPTY.TXT", "/SUB/D/E.TXT", NULL});
    assert_int_equal(log_host_count[LOG_ERROR] + log_host_count[LOG_WARN], 0);
    memdev_free(&m);

    small_fresh(&m);
    dirent_find(&m, 0, "B       TXT")[0] = 0x00; /* end of the folder */
    reset_log();
    expect_files(&m, (const char *const[]){"/A.TXT", NULL});
    memdev_free(&m);
}

static int stop_at_second(void *arg, const struct content_fat_file *f)
{
    int *n = arg;
    return ++*n == 2 ? -ECANCELED : 0;
}

static void test_callback_stops_walk(void **state)
{
    struct memdev m;
    struct content_fat_dev dev;
    struct content_fat *fs;
    int n = 0;

    small_fresh(&m);
    dev = memdev_dev(&m);
    assert_int_equal(content_fat_mount(&dev, &fs), 0);
    assert_int_equal(content_fat_walk(fs, stop_at_second, &n), -ECANCELED);
    assert_int_equal(n, 2);
    content_fat_unmount(fs);
    memdev_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_chain_loop),
        cmocka_unit_test(test_chain_out_of_range),
        cmocka_unit_test(test_chain_free_and_bad),
        cmocka_unit_test(test_first_cluster_out_of_range),
        cmocka_unit_test(test_size_larger_than_chain),
        cmocka_unit_test(test_size_larger_than_volume),
        cmocka_unit_test(test_cross_linked),
        cmocka_unit_test(test_chain_longer_than_size),
        cmocka_unit_test(test_folder_chain_loop),
        cmocka_unit_test(test_folder_too_long),
        cmocka_unit_test(test_folder_cycle),
        cmocka_unit_test(test_long_name_checksum),
        cmocka_unit_test(test_long_name_invalid),
        cmocka_unit_test(test_short_name_invalid),
        cmocka_unit_test(test_skipped_entries),
        cmocka_unit_test(test_callback_stops_walk),
    };
    return cmocka_run_group_tests(tests, small_setup, small_teardown);
}
