/*
 * Internals of the FAT reader shared by fat.c (mount, FAT, file reads) and fat_walk.c (folders
 * and names).  Not for other modules: use content/fat.h.
 */
#ifndef CONTENT_FAT_PRIV_H
#define CONTENT_FAT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "content/fat.h"

#define FAT_DIRENT_SIZE 32 /* bytes of one directory entry */

/* Directory entry attribute bits (FAT spec, "Directory Structure"). */
#define FAT_ATTR_VOLUME_ID 0x08
#define FAT_ATTR_DIRECTORY 0x10
#define FAT_ATTR_LFN_MASK  0x3f /* read-only|hidden|system|volume|directory|archive */
#define FAT_ATTR_LFN       0x0f /* read-only|hidden|system|volume: a long-name piece */

/* What a FAT entry says about the cluster after the one it belongs to. */
enum fat_next {
    FAT_NEXT_DATA,  /* a valid data cluster number */
    FAT_NEXT_END,   /* end of chain */
    FAT_NEXT_FREE,  /* 0: the chain runs into a free cluster */
    FAT_NEXT_BAD,   /* marked bad */
    FAT_NEXT_RANGE, /* 1, or beyond the last cluster of the volume */
};

struct content_fat {
    struct content_fat_dev dev; /* copy of the caller's device */
    uint64_t base;              /* device sector of the volume's boot sector */
    unsigned type;              /* 12, 16 or 32, from the cluster count */
    uint32_t spc;               /* sectors per cluster, a power of two <= 128 */
    uint32_t cluster_bytes;     /* spc * 512 */
    uint32_t clusters;          /* data clusters; valid numbers are 2 .. clusters + 1 */
    uint64_t root_lba;          /* FAT12/16: device sector of the fixed root folder */
    uint32_t root_entries;      /* FAT12/16: entries in the fixed root folder */
    uint32_t root_sectors;      /* FAT12/16: sectors of the fixed root folder */
    uint32_t root_cluster;      /* FAT32: first cluster of the root folder */
    uint64_t data_lba;          /* device sector of cluster 2 */
    uint8_t *fat;               /* in-memory copy of the FAT in use, entries 0 .. clusters + 1 */
    uint8_t *used;              /* walk: one bit per cluster already seen (loops, cross-links) */
    uint8_t *dirbuf;            /* walk: one cluster of folder entries */
    uint8_t bounce[CONTENT_FAT_SECTOR_SIZE]; /* boot sectors; last partial sector of a file */
};

static inline uint16_t fat_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fat_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline bool fat_cluster_ok(const struct content_fat *fs, uint32_t c)
{
    return c >= 2 && c - 2 < fs->clusters;
}

/* Device sector of data cluster c (which must satisfy fat_cluster_ok). */
static inline uint64_t fat_cluster_lba(const struct content_fat *fs, uint32_t c)
{
    return fs->data_lba + (uint64_t)(c - 2) * fs->spc;
}

/* Marks cluster c as seen by the walk; returns false if it already was. */
static inline bool fat_claim(struct content_fat *fs, uint32_t c)
{
    uint32_t i = c - 2;
    uint8_t bit = (uint8_t)(1u << (i & 7));
    if (fs->used[i >> 3] & bit)
        return false;
    fs->used[i >> 3] |= bit;
    return true;
}

/* Reads the FAT entry of valid cluster c into *next and says what it is. */
enum fat_next content_fat_next(const struct content_fat *fs, uint32_t c, uint32_t *next);

/* Reads count sectors at device sector lba into buf, in calls of at most
 * CONTENT_FAT_MAX_IO_SECTORS; logs and returns -EIO on failure. */
int content_fat_dev_read(struct content_fat *fs, uint64_t lba, uint64_t count, void *buf);

/*
 * Checks the chain of a file of size bytes starting at first: every cluster valid, exactly as
 * many as the size needs.  With claim, also marks its clusters seen and fails on one seen
 * before (a loop or a cross-link).  who names the file in log lines.  Returns 0 or -EINVAL
 * (logged).
 */
int content_fat_chain_check(struct content_fat *fs, const char *who, uint32_t first, uint32_t size,
                            bool claim);

#endif
