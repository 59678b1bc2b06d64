/*
 * The content cache: every file of the site, read once at boot into memory that never moves,
 * changes or is freed, and a hash table from normalized path to the file and what is known of
 * it: its bytes, size, modification time, a hash of its bytes, and its ".gz" sibling.  Nothing
 * here knows what its users make of that (httpd formats its response headers from it at its own
 * boot, httpd/files.h).
 *
 * Lifecycle: content_cache_load() runs once, at boot, on core 0, before the other cores start.
 * From then on the cache is frozen: every core reads it, without locks, for the rest of the
 * run.  (The other cores start after the load; starting them publishes these writes.)  Lookups
 * never allocate, block or write.
 *
 * Siblings: a file "x" with a file "x.gz" next to it points at it (x->gz); "x.gz" stays a file
 * of its own as well, and so does a ".gz" without an original.
 *
 * The content hash is XXH64 (seed 0) of the bytes: stable across boots and disks (DISK=vfat and
 * DISK=image give the same values), changed by any change of the bytes.
 *
 * The table hash is SipHash-2-4 under a key drawn from core_random_u64() at each boot, so a
 * client cannot choose paths that collide.
 */
#ifndef CONTENT_CACHE_H
#define CONTENT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/fat.h"

/*
 * Guest memory kept free for what allocates after the content is loaded and does not grow with
 * the cores: the httpd connections' buffers above all (lwIP's pcbs and pbufs come from the
 * per-core heaps).  The caller adds what each core's network takes (core_main: the `keep`
 * argument of content_cache_load()).  Override at build time (-DCONTENT_MEM_HEADROOM=...).
 */
#ifndef CONTENT_MEM_HEADROOM
#define CONTENT_MEM_HEADROOM (16u * 1024 * 1024)
#endif

/* Consumer-facing (httpd) ----------------------------------------------------------------- */

/* One file of the site.  Read-only once loaded; lives for the rest of the run. */
struct content_file {
    const char *path;              /* normalized absolute path, "/css/site.css", NUL-terminated */
    size_t path_len;               /* strlen(path) */
    const void *data;              /* its bytes: never moved, changed or freed, so they can be
                                      sent by reference */
    uint64_t size;                 /* bytes */
    int64_t mtime;                 /* last modification, Unix seconds (the FAT date and time,
                                      which carry no zone, taken as UTC) */
    uint64_t hash;                 /* XXH64 (seed 0) of the bytes: equal bytes, equal hash */
    const struct content_file *gz; /* the file "<path>.gz" (its precompressed sibling), or NULL */
    uint32_t index;                /* dense, 0 .. content_cache_count() - 1, in walk order: a
                                      user keeps per-file data in an array by it */
};

/*
 * The file whose normalized path is exactly path[0..len) (case-sensitive, no trailing '/';
 * path need not be NUL-terminated), or NULL.  NULL too before a load, or when nothing was
 * loaded.  Any core, any context after content_cache_load(); never blocks.
 */
const struct content_file *content_cache_lookup(const char *path, size_t len);

/*
 * Whether path[0..len) names a folder of the site: a proper prefix, ending before a '/', of
 * some file's path ("/docs" when "/docs/index.html" exists; "/docs/" is accepted too).  "/" is
 * always a folder.  A folder that holds no file at any depth is not known (FAT's walk reports
 * files only).  Any core, any context after content_cache_load(); never blocks.
 */
bool content_cache_is_dir(const char *path, size_t len);

/* Files in the cache: 0 before a load.  Any core, any context. */
size_t content_cache_count(void);

/* The file whose index is index (content_cache_file(i)->index == i), or NULL past the last:
 * how a user walks every file to build its own per-file data.  Any core, any context. */
const struct content_file *content_cache_file(size_t index);

/* Builder-facing (content/boot.c, tests) ----------------------------------------------- */

/* What a load put into the cache. */
struct content_cache_stats {
    size_t files;    /* files served (a ".gz" sibling counts as a file of its own) */
    uint64_t bytes;  /* their bytes: what the site occupies in memory */
    size_t dirs;     /* folders known (the root not counted) */
    size_t gz_pairs; /* files that have a ".gz" sibling */
    size_t skipped;  /* files left out: unreadable chain, duplicate path, bad metadata */
    size_t mem;      /* bytes taken from memory: file bytes (page-rounded) and the index */
};

/*
 * An upper bound of the bytes the cache's users allocate after the load for their own per-file
 * data, for a site of files files of which at most gz_pairs have a ".gz" sibling.  The load
 * counts it in its memory check, so that a site that fits leaves its users their room and one
 * that does not is refused with one message that covers everything.  Boot, core 0.
 */
typedef size_t (*content_cache_user_mem_fn)(size_t files, size_t gz_pairs);

/*
 * Mount the FAT volume on dev, walk it, check that the site fits in memory, read every file into
 * one page-allocated run that is never freed, and build the table, folders, ".gz" pairs and
 * content hashes.  Boot, core 0, once, before the other cores start; blocks in dev->read.
 *
 * Memory: the file bytes (each rounded up to 16 bytes), the index and user_mem (if not NULL)
 * must fit in the free pages (core_pmm_stats()) minus `keep` bytes, which the caller keeps for
 * everything that allocates later (network, connections); checked before any byte is read.
 *
 * A bad file (its chain breaks, a duplicate path) is skipped with a log line; past
 * CONTENT_MAX_FILES the first CONTENT_MAX_FILES files are served, with a warning.
 * Returns 0 (st filled, if not NULL; zero files is a success), or, with a log line
 * "content: ..." or "fat: ..." and the cache left empty:
 *   -EINVAL, -ENOTSUP, -ENODEV  no volume the FAT reader can mount (content_fat_mount());
 *   -EFBIG   the site does not fit in memory (the line gives the site size, the memory needed
 *            and the guest memory size that would do);
 *   -ENOMEM  the memory check passed but an allocation failed (no contiguous run of pages);
 *   -EIO     the device failed;
 *   -EBUSY   the cache was loaded already.
 */
int content_cache_load(const struct content_fat_dev *dev, content_cache_user_mem_fn user_mem,
                       uint64_t keep, struct content_cache_stats *st);

#ifdef TORIL_HOST_TEST
/* Host tests only: free everything and forget the load, so the next test loads afresh. */
void content_cache_reset(void);

/* Host tests only: when true, every path hashes to the same value (worst-case probing). */
extern bool content_cache_test_weak_hash;

/* Host tests only: XXH64 (seed 0), the content hash, checked against reference values. */
uint64_t content_cache_test_xxh64(const void *data, size_t len);
#endif

#endif
