/*
 * FAT reader on damaged volumes: a small FAT16 image (512-byte clusters) is built once with
 * mkfs.fat + mcopy, then each test corrupts a copy (boot sector fields, partition table, FAT
 * entries, directory entries) and checks that the mount fails, or the bad file or folder is
 * skipped, with the expected log line, while everything else is still served.
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
#include "content/tests/fat_test_util.h"
#include "core/log.h"
#include "tests/host/log_host.h"

#define A_SIZE    3000                          /* 6 clusters of 512 bytes */
#define LONG_NAME "a long name for testing.txt" /* 27 units: 3 long-name pieces */

static char *tmp;
static uint8_t *pristine; /* the image as mkfs.fat + mcopy made it */
static size_t pristine_len;

/* Geometry of the test image, read from its boot sector by the test itself. */
struct geo {
    uint32_t fat_lba, fat_sectors, nfats, root_lba, root_entries, data_lba, spc;
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static struct geo geo_of(const uint8_t *b)
{
    struct geo g;
    g.fat_lba = le16(b + 14);
    g.nfats = b[16];
    g.root_entries = le16(b + 17);
    g.fat_sectors = le16(b + 22);
    g.spc = b[13];
    g.root_lba = g.fat_lba + g.nfats * g.fat_sectors;
    g.data_lba = g.root_lba + (g.root_entries * 32 + 511) / 512;
    return g;
}

/* A fresh copy of the pristine image as a device. */
static void fresh(struct memdev *m)
{
    memset(m, 0, sizeof(*m));
    m->data = malloc(pristine_len);
    memcpy(m->data, pristine, pristine_len);
    m->len = pristine_len;
    m->sectors = pristine_len / 512;
    m->fail_at = -1;
}

/* The first entry of folder `dir` (0: root; else its one cluster) named name11 in 8.3 form. */
static uint8_t *dirent_find(struct memdev *m, uint16_t dir, const char *name11)
{
    struct geo g = geo_of(m->data);
    uint8_t *base = m->data + 512 * (size_t)(dir ? g.data_lba + (dir - 2u) * g.spc : g.root_lba);
    uint32_t n = dir ? g.spc * 16 : g.root_entries;

    for (uint32_t i = 0; i < n; i++)
        if (memcmp(base + 32 * i, name11, 11) == 0)
            return base + 32 * i;
    fail_msg("no entry %s", name11);
    return NULL;
}

static uint16_t dirent_cluster(const uint8_t *e)
{
    return le16(e + 26);
}

static uint16_t fat_get(struct memdev *m, uint16_t c)
{
    struct geo g = geo_of(m->data);
    return le16(m->data + 512 * (size_t)g.fat_lba + 2 * c);
}

static void fat_set(struct memdev *m, uint16_t c, uint16_t v)
{
    struct geo g = geo_of(m->data);
    for (uint32_t i = 0; i < g.nfats; i++)
        put16(m->data + 512 * (size_t)(g.fat_lba + i * g.fat_sectors) + 2 * c, v);
}

/* Cluster number n (from 0) of the chain starting at c. */
static uint16_t chain_at(struct memdev *m, uint16_t c, int n)
{
    while (n-- > 0)
        c = fat_get(m, c);
    return c;
}

static int mount_rc(struct memdev *m)
{
    struct content_fat_dev dev = memdev_dev(m);
    struct content_fat *fs;
    int rc = content_fat_mount(&dev, &fs);
    if (rc == 0)
        content_fat_unmount(fs);
    return rc;
}

/* Mounts (must work) and walks m into l; returns the walk's result. */
static int walk(struct memdev *m, struct found_list *l, struct content_fat **keep)
{
    struct content_fat_dev dev = memdev_dev(m);
    struct content_fat *fs;
    int rc;

    assert_int_equal(content_fat_mount(&dev, &fs), 0);
    rc = content_fat_walk(fs, found_collect, l);
    if (keep)
        *keep = fs;
    else
        content_fat_unmount(fs);
    return rc;
}

#define assert_log(level, text)                                                                    \
    do {                                                                                           \
        assert_true(log_host_count[level] > 0);                                                    \
        if (strstr(log_host_last, text) == NULL)                                                   \
            fail_msg("log \"%s\" lacks \"%s\"", log_host_last, text);                              \
    } while (0)

static void reset_log(void)
{
    memset(log_host_count, 0, sizeof(log_host_count));
    log_host_last[0] = '\0';
}

/* Walks m and checks that exactly the paths in want (NULL-terminated) are reported. */
static void expect_files(struct memdev *m, const char *const *want)
{
    struct found_list l = {0};
    size_t n = 0;

    assert_int_equal(walk(m, &l, NULL), 0);
    for (; want[n]; n++)
        if (found_get(&l, want[n]) == NULL)
            fail_msg("%s missing", want[n]);
    assert_int_equal(l.n, n);
    found_free(&l);
}

static const char *const all_but_a[] = {"/B.TXT",     "/" LONG_NAME,  "/EMPTY.TXT",
                                        "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};

static int setup(void **state)
{
    char src[600], img[600];

    tmp = tmp_folder();
    snprintf(src, sizeof(src), "%s/src", tmp);
    snprintf(img, sizeof(img), "%s/small.img", tmp);
    tree_folder(src, "");
    tree_file(src, "A.TXT", A_SIZE, 1, 1600000000);
    tree_file(src, "B.TXT", 700, 2, 1600000000);
    tree_file(src, LONG_NAME, 100, 3, 1600000000);
    tree_file(src, "EMPTY.TXT", 0, 4, 1600000000);
    tree_file(src, "SUB/C.TXT", 100, 5, 1600000000);
    tree_file(src, "SUB/D/E.TXT", 100, 6, 1600000000);
    /* The smallest FAT16 mkfs.fat makes: 4200 sectors, 512-byte clusters, 64 root entries. */
    assert_int_equal(image_build(img, 2100, "-F 16 -s 1 -r 64", src), 0);
    pristine = file_slurp(img, &pristine_len);
    assert_non_null(pristine);
    return 0;
}

static int teardown(void **state)
{
    tmp_remove(tmp);
    free(tmp);
    free(pristine);
    return 0;
}

static void test_clean(void **state)
{
    static const char *const all[] = {"/A.TXT",     "/B.TXT",       "/" LONG_NAME, "/EMPTY.TXT",
                                      "/SUB/C.TXT", "/SUB/D/E.TXT", NULL};
    struct memdev m;

    fresh(&m);
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

    fresh(&m);
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

    fresh(&m);
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

    fresh(&m);
    a = dirent_cluster(dirent_find(&m, 0, "A       TXT"));
    fat_set(&m, chain_at(&m, a, 3), 0);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "/A.TXT: the chain runs into a free cluster (entry 0x0) after 4 of");
    memdev_free(&m);

    fresh(&m);
    fat_set(&m, chain_at(&m, a, 0), 0xfff7);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "/A.TXT: the chain runs into a bad cluster (entry 0xfff7) after 1 of");
    memdev_free(&m);
}

static void test_first_cluster_out_of_range(void **state)
{
    struct memdev m;

    fresh(&m);
    put16(dirent_find(&m, 0, "A       TXT") + 26, 0xf000);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "fat: /A.TXT: first cluster 61440 out of range (2..");
    memdev_free(&m);

    fresh(&m);
    put16(dirent_find(&m, 0, "A       TXT") + 26, 0);
    reset_log();
    expect_files(&m, all_but_a);
    assert_log(LOG_ERROR, "fat: /A.TXT: size 3000 but no cluster, skipped");
    memdev_free(&m);
}

static void test_size_larger_than_chain(void **state)
{
    struct memdev m;

    fresh(&m);
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

    fresh(&m);
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

    fresh(&m);
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

    fresh(&m);
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

    fresh(&m);
    sub = dirent_cluster(dirent_find(&m, 0, "SUB        "));
    fill_folder(&m, sub);
    fat_set(&m, sub, sub); /* the folder's only cluster points to itself */
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /SUB/: the folder's chain loops or is cross-linked at cluster");
    memdev_free(&m);

    fresh(&m);
    fill_folder(&m, sub);
    fat_set(&m, sub, 0x7fff);
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /SUB/: the folder's chain points out of range (entry 0x7fff");
    memdev_free(&m);
}

/* SUB/D points back at SUB: an endless tree, cut where the cluster repeats. */
static void test_folder_cycle(void **state)
{
    static const char *const want[] = {"/A.TXT",     "/B.TXT",     "/" LONG_NAME,
                                       "/EMPTY.TXT", "/SUB/C.TXT", NULL};
    struct memdev m;
    uint16_t sub;

    fresh(&m);
    sub = dirent_cluster(dirent_find(&m, 0, "SUB        "));
    put16(dirent_find(&m, sub, "D          ") + 26, sub);
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /SUB/D: folder cluster");
    assert_log(LOG_ERROR, "was seen before (a loop or cross-link), skipped");
    memdev_free(&m);

    fresh(&m);
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

    fresh(&m);
    e = long_name_short_entry(&m);
    assert_memory_equal(e, "ALONGN~1TXT", 11);
    for (int i = 1; i <= 3; i++)
        e[-32 * i + 13] ^= 0x5a; /* every piece's checksum */
    expect_short_fallback(&m, "fat: /ALONGN~1.TXT: its long name does not match the 8.3 entry; "
                              "using the 8.3 name");
    memdev_free(&m);

    /* A sequence number out of order. */
    fresh(&m);
    e = long_name_short_entry(&m);
    e[-32 * 2] = 0x03;
    expect_short_fallback(&m, "fat: /ALONGN~1.TXT: its long name is incomplete");
    memdev_free(&m);

    /* A missing middle piece (deleted). */
    fresh(&m);
    e = long_name_short_entry(&m);
    e[-32 * 2] = 0xe5;
    expect_short_fallback(&m, "its long name is incomplete");
    memdev_free(&m);
}

static void test_long_name_invalid(void **state)
{
    struct memdev m;
    uint8_t *e;

    fresh(&m);
    e = long_name_short_entry(&m);
    put16(e - 32 * 3 + 1, '/'); /* first unit of the first piece on disk: the name's 27th */
    expect_short_fallback(&m, "its long name has invalid characters");
    memdev_free(&m);

    /* A long name that is just "..": would escape the folder. */
    fresh(&m);
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

    fresh(&m);
    dirent_find(&m, 0, "B       TXT")[1] = '*';
    reset_log();
    expect_files(&m, want);
    assert_log(LOG_ERROR, "fat: /: entry");
    assert_log(LOG_ERROR, "has an invalid 8.3 name, skipped");
    memdev_free(&m);

    fresh(&m);
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

    fresh(&m);
    sub = dirent_cluster(dirent_find(&m, 0, "SUB        "));
    dirent_find(&m, 0, "B       TXT")[0] = 0xe5;
    dirent_find(&m, sub, "C       TXT")[11] = 0x08; /* volume label */
    reset_log();
    expect_files(
        &m, (const char *const[]){"/A.TXT", "/" LONG_NAME, "/EMPTY.TXT", "/SUB/D/E.TXT", NULL});
    assert_int_equal(log_host_count[LOG_ERROR] + log_host_count[LOG_WARN], 0);
    memdev_free(&m);

    fresh(&m);
    dirent_find(&m, 0, "B       TXT")[0] = 0x00; /* end of the folder */
    reset_log();
    expect_files(&m, (const char *const[]){"/A.TXT", NULL});
    memdev_free(&m);
}

/* --- boot sector and partition table --------------------------------------------------------- */

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
        fresh(&m);
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
    fresh(&m);
    put16(m.data + 19, 0);
    put32(m.data + 32, 0);
    reset_log();
    assert_int_equal(mount_rc(&m), -EINVAL);
    assert_log(LOG_ERROR, "fat: total sector count is 0");
    memdev_free(&m);

    /* FAT12/16 with the FAT size in the FAT32 field only. */
    fresh(&m);
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

    fresh(&m);
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
    snprintf(img, sizeof(img), "%s/small.img", tmp);
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

/* --- device failures, reads, time ------------------------------------------------------------ */

static void test_device_errors(void **state)
{
    struct memdev m;
    struct content_fat_dev dev;
    struct content_fat *fs;
    struct found_list l = {0};
    uint8_t buf[A_SIZE];

    for (long at = 0; at < 2; at++) { /* boot sector, FAT */
        fresh(&m);
        m.fail_at = at;
        reset_log();
        assert_int_equal(mount_rc(&m), -EIO);
        assert_log(LOG_ERROR, "fat: device read of ");
        assert_log(LOG_ERROR, "failed (-5)");
        memdev_free(&m);
    }

    fresh(&m);
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

    fresh(&m);
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

    fresh(&m);
    dev = memdev_dev(&m);
    assert_int_equal(content_fat_mount(&dev, &fs), 0);
    assert_int_equal(content_fat_walk(fs, stop_at_second, &n), -ECANCELED);
    assert_int_equal(n, 2);
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
        cmocka_unit_test(test_folder_cycle),
        cmocka_unit_test(test_long_name_checksum),
        cmocka_unit_test(test_long_name_invalid),
        cmocka_unit_test(test_short_name_invalid),
        cmocka_unit_test(test_skipped_entries),
        cmocka_unit_test(test_garbage_bpb),
        cmocka_unit_test(test_truncated_volume),
        cmocka_unit_test(test_mbr),
        cmocka_unit_test(test_device_errors),
        cmocka_unit_test(test_read_checks),
        cmocka_unit_test(test_callback_stops_walk),
        cmocka_unit_test(test_time),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
