/*
 * Read-only FAT reader: mounts a FAT12/16/32 volume from a block device, walks its whole tree
 * and reads files into caller buffers.  Used once at boot, by core 0, to fill the content cache.
 *
 * Accepted layouts:
 *   - an MBR-partitioned disk: the first primary partition whose type is FAT (0x01, 0x04, 0x06,
 *     0x0e, 0x0b, 0x0c) is used; QEMU's vfat driver puts one at LBA 63;
 *   - an unpartitioned volume, boot sector (BPB) at sector 0.
 * Only 512-byte logical sectors are supported (other BPB values are rejected with -ENOTSUP).
 * FAT12 and FAT32 are accepted too (FAT32 while its FAT fits CONTENT_FAT_MAX_FAT_BYTES).
 *
 * The disk is untrusted: every BPB field, cluster number, chain and directory entry is checked.
 * A volume that cannot be trusted at all fails content_fat_mount() with a log line
 * "fat: <problem>"; a bad file or folder is skipped with a log line naming its path, and the walk
 * goes on.  Work is bounded by the volume size: no cluster is visited twice by a walk.
 *
 * Names: VFAT long names (UCS-2, checked against the 8.3 checksum and sequence numbers; on any
 * mismatch the 8.3 name is used), else the 8.3 name with the Windows/mtools lowercase flags.
 * Non-ASCII long names become UTF-8.  A file that only has a non-ASCII 8.3 name (an OEM code
 * page this reader cannot know) is skipped with a log line.
 *
 * Timestamps: FAT stores local time without a zone; it is taken as UTC.
 *
 * Context: boot, core 0, main loop; not reentrant for one volume (one caller at a time), except
 * that content_fat_read() may be called from inside the walk callback.  Every function may block
 * in the device's read callback.
 */
#ifndef CONTENT_FAT_H
#define CONTENT_FAT_H

#include <stddef.h>
#include <stdint.h>

#define CONTENT_FAT_SECTOR_SIZE 512

/*
 * The block device, implemented by the driver (virtio-blk) or a test.
 *
 * read() MUST fill buf with count sectors (count * 512 bytes) starting at sector lba, or fail;
 * it returns 0 or a negative errno.  The reader only asks for 1 <= count <=
 * CONTENT_FAT_MAX_IO_SECTORS sectors with lba + count <= sectors, and reads contiguous runs of
 * clusters in one call.  buf is the reader's or the caller's memory, with any alignment (file
 * bytes go straight into the caller's buffer); read() must not keep it after returning.  It is
 * called in the context of the content_fat_* call that needs the data, and may block.
 */
struct content_fat_dev {
    int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
    void *ctx;        /* passed to read() as is */
    uint64_t sectors; /* device size in 512-byte sectors */
    const char *name; /* what it is, for log lines ("virtio-blk"); may be NULL */
};

/* A mounted volume (private to fat.c). */
struct content_fat;

/*
 * Where a file's bytes are.  Opaque: only content_fat_walk() makes one; keep it by value as long
 * as the volume is mounted.  content_fat_read() checks it again, so a stale or forged handle
 * fails cleanly.
 */
struct content_fat_handle {
    uint32_t first_cluster; /* first cluster of the chain, 0 for an empty file */
    uint32_t size;          /* file size in bytes */
};

/* One regular file, as reported to the walk callback. */
struct content_fat_file {
    const char *path; /* "/css/site.css", UTF-8, NUL-terminated: valid only during the callback */
    size_t path_len;  /* strlen(path) */
    uint32_t size;    /* bytes */
    int64_t mtime;    /* last modification, Unix seconds (FAT local time taken as UTC) */
    struct content_fat_handle handle; /* for content_fat_read() */
};

/*
 * The walk callback: called once per regular file, depth first, a folder's entries in on-disk
 * order (a subfolder is entered where its entry is).  Return 0 to go on, or a negative errno to
 * stop the walk, which then returns that value.
 */
typedef int (*content_fat_walk_fn)(void *arg, const struct content_fat_file *file);

/*
 * Mounts the volume on dev (the struct is copied).  Reads the partition table, the boot sector
 * and the first FAT (kept in memory, at most CONTENT_FAT_MAX_FAT_BYTES), and logs one info line
 * describing the volume.  On success *out is the volume, to be released with
 * content_fat_unmount().
 * Returns 0, or -EINVAL (not a valid FAT volume or partition table), -ENOTSUP (a valid layout
 * this reader does not handle: sector size, GPT, FAT too large), -ENODEV (no FAT partition),
 * -EIO (device read failed), -ENOMEM; each with a log line "fat: ...".
 */
int content_fat_mount(const struct content_fat_dev *dev, struct content_fat **out);

/* Frees the volume and everything it allocated.  NULL is ignored. */
void content_fat_unmount(struct content_fat *fs);

/*
 * Walks the whole tree and calls fn(arg, file) for every valid regular file.  Bad entries are
 * skipped with a log line (invalid name, cluster out of range, chain that loops, is cross-linked
 * or is shorter than the size, path longer than CONTENT_MAX_PATH, folder deeper than
 * CONTENT_MAX_DEPTH).  Paths start with '/' and use '/' between components.
 * Returns 0; fn's negative value if it stopped the walk; -ENOSPC after reporting
 * CONTENT_MAX_FILES files when there are more; -EIO if the device failed; -ENOMEM.
 */
int content_fat_walk(struct content_fat *fs, content_fat_walk_fn fn, void *arg);

/*
 * Reads the whole file h into buf (cap bytes, cap >= h->size; the caller owns buf).  When cap is
 * at least h->size rounded up to 512 bytes, every contiguous run of clusters, including the
 * last partial sector, is one device read straight into buf; otherwise the last partial sector
 * goes through a bounce buffer (one more read).
 * Returns 0; -ENOBUFS if cap < h->size; -EINVAL if the chain is invalid (logged); -EIO.
 */
int content_fat_read(struct content_fat *fs, const struct content_fat_handle *h, void *buf,
                     size_t cap);

/* FAT date and time fields (little-endian values from a directory entry) -> Unix seconds, taken
 * as UTC.  An impossible date or time (month 13, hour 25, ...) gives 0. */
int64_t content_fat_time(uint16_t date, uint16_t time);

#endif
