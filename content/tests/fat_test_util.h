/*
 * Helpers for the FAT reader's host tests: source trees and images built with mkfs.fat and
 * mcopy at test time, an in-memory block device, and a walk that collects every file.
 */
#ifndef CONTENT_TESTS_FAT_TEST_UTIL_H
#define CONTENT_TESTS_FAT_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "content/fat.h"

/* An image in memory (or in a file) served as a block device.  Reads past len return zeros. */
struct memdev {
    int fd;             /* when >= 0: read the image from this file instead of data */
    uint8_t *data;      /* image bytes (owned, free()d by memdev_free) */
    size_t len;         /* bytes in data */
    uint64_t sectors;   /* device size reported to the reader */
    unsigned calls;     /* read() calls so far */
    uint32_t max_count; /* largest count asked for */
    long fail_at;       /* the read() call with this index (from 0) fails; -1: never */
};

struct content_fat_dev memdev_dev(struct memdev *m);
void memdev_free(struct memdev *m);

/* One file found by a walk. */
struct found {
    char *path;
    uint32_t size;
    int64_t mtime;
    struct content_fat_handle handle;
};

struct found_list {
    struct found *v;
    size_t n;
};

/* content_fat_walk callback appending to a struct found_list. */
int found_collect(void *arg, const struct content_fat_file *f);
const struct found *found_get(const struct found_list *l, const char *path);
void found_free(struct found_list *l);

/* A fresh temporary folder (removed by tmp_remove); the path is malloc()ed. */
char *tmp_folder(void);
void tmp_remove(const char *dir);

/* Writes a file of size bytes (a pattern derived from seed) under root, creating folders, and
 * sets its mtime.  rel may contain '/'. */
void tree_file(const char *root, const char *rel, size_t size, unsigned seed, int64_t mtime);
void tree_folder(const char *root, const char *rel);

/* Runs a shell command built from fmt (with mtools and /usr/sbin set up); returns its status. */
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkfs.fat `mkfs_args` on a new image of kib KiB at img, then mcopy -s -m of everything under
 * src (if not NULL) into its root.  Returns 0 or -1. */
int image_build(const char *img, unsigned kib, const char *mkfs_args, const char *src);

/* Loads img into m; with part_lba > 0, puts it behind an MBR with one partition of type
 * part_type at part_lba.  The device size is the image's. */
void image_load(struct memdev *m, const char *img, uint32_t part_lba, uint8_t part_type);

/* Serves the image file img from disk (for big sparse images); memdev_free closes it. */
void image_open(struct memdev *m, const char *img);

/* Reads a whole host file into a malloc()ed buffer; *len is its size. */
uint8_t *file_slurp(const char *path, size_t *len);

#endif
