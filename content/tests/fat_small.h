/*
 * The small FAT16 image that the corrupt-volume tests damage: built once per test program with
 * mkfs.fat + mcopy (4192 sectors, 512-byte clusters, 2 FATs, 64 root entries) from
 *   A.TXT (3000 bytes: 6 clusters)   B.TXT (700)   "a long name for testing.txt" (100)
 *   EMPTY.TXT (0)   SUB/C.TXT (100)   SUB/D/E.TXT (100)
 * plus helpers to find and patch its structures, located by the test's own reading of the BPB.
 */
#ifndef CONTENT_TESTS_FAT_SMALL_H
#define CONTENT_TESTS_FAT_SMALL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "content/fat.h"
#include "content/tests/fat_test_util.h"
#include "tests/host/log_host.h"

#define A_SIZE    3000                          /* 6 clusters of 512 bytes */
#define LONG_NAME "a long name for testing.txt" /* 27 units: 3 long-name pieces */

extern char *small_tmp; /* temporary folder holding small.img */

/* Group setup and teardown (cmocka) that build and remove the image. */
int small_setup(void **state);
int small_teardown(void **state);

/* A fresh copy of the image as a device (memdev_free it). */
void small_fresh(struct memdev *m);

/* Where things are, from the boot sector. */
struct geo {
    uint32_t fat_lba, fat_sectors, nfats, root_lba, root_entries, data_lba, spc;
};
struct geo geo_of(const uint8_t *boot);

uint16_t le16(const uint8_t *p);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);

/* The first entry of folder dir (0: root; else its first cluster) with 8.3 name name11. */
uint8_t *dirent_find(struct memdev *m, uint16_t dir, const char *name11);
uint16_t dirent_cluster(const uint8_t *e);

/* FAT16 entries (set: in every FAT copy); chain_at: the n-th cluster (from 0) of a chain. */
uint16_t fat_get(struct memdev *m, uint16_t c);
void fat_set(struct memdev *m, uint16_t c, uint16_t v);
uint16_t chain_at(struct memdev *m, uint16_t c, int n);

/* content_fat_mount's result (unmounting at once). */
int mount_rc(struct memdev *m);

/* Mounts (must work) and walks m into l; returns the walk's result.  With keep, the volume
 * stays mounted for the caller. */
int walk(struct memdev *m, struct found_list *l, struct content_fat **keep);

/* Walks m and checks that exactly the paths in want (NULL-terminated) are reported. */
void expect_files(struct memdev *m, const char *const *want);

void reset_log(void);

#define assert_log(level, text)                                                                    \
    do {                                                                                           \
        assert_true(log_host_count[level] > 0);                                                    \
        if (strstr(log_host_last, text) == NULL)                                                   \
            fail_msg("log \"%s\" lacks \"%s\"", log_host_last, text);                              \
    } while (0)

#endif
