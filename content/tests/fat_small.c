/* The small FAT16 image of the corrupt-volume tests (see fat_small.h). */
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

char *small_tmp;
static uint8_t *pristine; /* the image as mkfs.fat + mcopy made it */
static size_t pristine_len;

uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

struct geo geo_of(const uint8_t *b)
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
void small_fresh(struct memdev *m)
{
    memset(m, 0, sizeof(*m));
    m->fd = -1;
    m->data = malloc(pristine_len);
    memcpy(m->data, pristine, pristine_len);
    m->len = pristine_len;
    m->sectors = pristine_len / 512;
    m->fail_at = -1;
}

/* The first entry of folder `dir` (0: root; else its one cluster) named name11 in 8.3 form. */
uint8_t *dirent_find(struct memdev *m, uint16_t dir, const char *name11)
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

uint16_t dirent_cluster(const uint8_t *e)
{
    return le16(e + 26);
}

uint16_t fat_get(struct memdev *m, uint16_t c)
{
    struct geo g = geo_of(m->data);
    return le16(m->data + 512 * (size_t)g.fat_lba + 2 * c);
}

void fat_set(struct memdev *m, uint16_t c, uint16_t v)
{
    struct geo g = geo_of(m->data);
    for (uint32_t i = 0; i < g.nfats; i++)
        put16(m->data + 512 * (size_t)(g.fat_lba + i * g.fat_sectors) + 2 * c, v);
}

/* Cluster number n (from 0) of the chain starting at c. */
uint16_t chain_at(struct memdev *m, uint16_t c, int n)
{
    while (n-- > 0)
        c = fat_get(m, c);
    return c;
}

int mount_rc(struct memdev *m)
{
    struct content_fat_dev dev = memdev_dev(m);
    struct content_fat *fs;
    int rc = content_fat_mount(&dev, &fs);
    if (rc == 0)
        content_fat_unmount(fs);
    return rc;
}

/* Mounts (must work) and walks m into l; returns the walk's result. */
int walk(struct memdev *m, struct found_list *l, struct content_fat **keep)
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

void reset_log(void)
{
    memset(log_host_count, 0, sizeof(log_host_count));
    log_host_last[0] = '\0';
}

/* Walks m and checks that exactly the paths in want (NULL-terminated) are reported. */
void expect_files(struct memdev *m, const char *const *want)
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

int small_setup(void **state)
{
    char src[600], img[600];

    small_tmp = tmp_folder();
    snprintf(src, sizeof(src), "%s/src", small_tmp);
    snprintf(img, sizeof(img), "%s/small.img", small_tmp);
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

int small_teardown(void **state)
{
    tmp_remove(small_tmp);
    free(small_tmp);
    free(pristine);
    return 0;
}
