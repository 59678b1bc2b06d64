/*
 * The content cache: every file of the site, read once at boot into memory that never moves,
 * changes or is freed, and a hash table from normalized path to the file's bytes and its
 * precomputed response data (struct httpd_file: size, Last-Modified, strong ETag, Content-Type,
 * header lines).
 *
 * Lifecycle: content_cache_load() runs once, at boot, on core 0, before the other cores start.
 * From then on the cache is frozen: every core reads it, without locks, for the rest of the
 * run.  (The other cores start after the load; starting them publishes these writes.)  Lookups
 * never allocate, block or write.
 *
 * Representations: a file "x" with a sibling "x.gz" gets two: x->http (plain) and x->gz (the
 * sibling's bytes, Content-Type of x, Content-Encoding: gzip, a different ETag; both carry
 * Vary: Accept-Encoding).  "x.gz" stays a file of its own as well (served as itself, as
 * application/gzip, like nginx's gzip_static does), and so is a ".gz" without an original.
 *
 * ETags are a 64-bit hash (XXH64) of the representation's bytes, quoted, with "-gz" appended for
 * the gzip variant: stable across boots and disks (DISK=vfat and DISK=image give the same tags),
 * changed by any change of the bytes.
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
#include "httpd/response.h"

/*
 * Guest memory kept free for everything that allocates after the content is loaded: the
 * network stacks (lwIP's pcbs and pbufs come from the per-core heaps), the httpd connections,
 * the TX backlogs.  The site must fit in what is free beyond this.  Override at build time
 * (-DCONTENT_MEM_HEADROOM=...).
 */
#ifndef CONTENT_MEM_HEADROOM
#define CONTENT_MEM_HEADROOM (16u * 1024 * 1024)
#endif

/* Consumer-facing (httpd) ----------------------------------------------------------------- */

/* One file of the site.  Read-only once loaded; lives for the rest of the run. */
struct content_file {
    const char *path;            /* normalized absolute path, "/css/site.css", NUL-terminated */
    size_t path_len;             /* strlen(path) */
    struct httpd_file http;      /* plain representation (bytes, size, headers) */
    const struct httpd_file *gz; /* the precompressed "path.gz" sibling's representation, or
                                    NULL */
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

/* Builder-facing (content/boot.c, tests) ----------------------------------------------- */

/* What a load put into the cache. */
struct content_cache_stats {
    size_t files;    /* files served (a ".gz" sibling counts as a file of its own) */
    uint64_t bytes;  /* their bytes: what the site occupies in memory */
    size_t dirs;     /* folders known (the root not counted) */
    size_t gz_pairs; /* files that have a gzip variant */
    size_t skipped;  /* files left out: unreadable chain, duplicate path, bad metadata */
    size_t mem;      /* bytes taken from memory: file bytes (page-rounded) and the index */
};

/*
 * Mount the FAT volume on dev, walk it, check that the site fits in memory, read every file into
 * one page-allocated run that is never freed, and build the table, folders, gzip pairs, ETags
 * and header lines.  Boot, core 0, once, before the other cores start; blocks in dev->read.
 *
 * Memory: the file bytes (each rounded up to 16 bytes) plus the index must fit in the free pages
 * (core_pmm_stats()) minus CONTENT_MEM_HEADROOM; checked before any byte is read.
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
int content_cache_load(const struct content_fat_dev *dev, struct content_cache_stats *st);

#ifdef TORIL_HOST_TEST
/* Host tests only: free everything and forget the load, so the next test loads afresh. */
void content_cache_reset(void);

/* Host tests only: when true, every path hashes to the same value (worst-case probing). */
extern bool content_cache_test_weak_hash;

/* Host tests only: XXH64 (seed 0), the ETag hash, checked against reference values. */
uint64_t content_cache_test_xxh64(const void *data, size_t len);
#endif

#endif
