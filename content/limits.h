/*
 * Named limits of the content module (FAT reader and content cache).
 *
 * Each can be overridden at build time (-DCONTENT_MAX_FILES=...); the defaults fit a site of
 * tens of thousands of files in a few MiB of index.
 */
#ifndef CONTENT_LIMITS_H
#define CONTENT_LIMITS_H

/* Bytes of a file's full path ("/css/site.css"), including the terminating NUL.  A path that
 * does not fit is skipped with a log line.  One FAT long name alone can take 765 UTF-8 bytes. */
#ifndef CONTENT_MAX_PATH
#define CONTENT_MAX_PATH 1024
#endif

/* Levels of folders below the root.  Deeper folders are skipped with a log line. */
#ifndef CONTENT_MAX_DEPTH
#define CONTENT_MAX_DEPTH 32
#endif

/* Regular files the walk reports; past this the walk stops with -ENOSPC. */
#ifndef CONTENT_MAX_FILES
#define CONTENT_MAX_FILES 65536
#endif

/* Bytes of the in-memory copy of the FAT.  FAT16 needs at most 128 KiB; this only limits FAT32
 * volumes (4 MiB of FAT = 1 Mi clusters, e.g. a 4 GiB volume with 4 KiB clusters). */
#ifndef CONTENT_FAT_MAX_FAT_BYTES
#define CONTENT_FAT_MAX_FAT_BYTES (4u * 1024 * 1024)
#endif

/* Sectors in one call of the device's read callback (1 MiB).  Longer contiguous runs are split,
 * so a driver never sees a larger request. */
#ifndef CONTENT_FAT_MAX_IO_SECTORS
#define CONTENT_FAT_MAX_IO_SECTORS 2048u
#endif

/* Entries in one directory: the FAT specification's own limit (a 2 MiB directory).  A longer
 * directory chain is cut there with a log line. */
#define CONTENT_FAT_MAX_DIR_ENTRIES 65536u

#endif
