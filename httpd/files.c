/*
 * httpd's per-file response data (see files.h): one pass over the frozen content cache at
 * httpd's boot, one entry per file in the cache's own index order, so a request reaches its
 * headers from its content_file in one array index.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "content/cache.h"
#include "core/log.h"
#include "core/pmm.h"
#include "httpd/files.h"
#include "httpd/mime.h"
#include "httpd/response.h"

#define PAGE CORE_PMM_PAGE_SIZE

/*
 * The table.  Written by core 0 in httpd_files_build(), before the other cores start; read-only
 * afterwards, by every core, without synchronization.
 */
static struct {
    bool built;                        /* httpd_files_build() succeeded: frozen */
    struct httpd_files_entry *entries; /* entries[i] is content_cache_file(i)'s */
    size_t n;                          /* entries */
    struct httpd_file *gz;             /* the gzip variants the entries point at */
    size_t ngz;                        /* gzip variants */
} table;

static size_t round_up(size_t v, size_t to)
{
    return (v + to - 1) / to * to;
}

size_t httpd_files_mem(size_t files, size_t gz_pairs)
{
    /* Two blocks, each rounded to pages plus one for the heap's header (large blocks take
     * pages). */
    return round_up(files * sizeof(struct httpd_files_entry), PAGE) +
           round_up(gz_pairs * sizeof(struct httpd_file), PAGE) + 2 * PAGE;
}

/*
 * Format one representation: the bytes (and their hash and mtime) are those of `bytes`, the
 * Content-Type that of `named`'s name (for the gzip variant: the original's, not "x.gz"'s).
 */
static int format(struct httpd_file *out, const struct content_file *bytes,
                  const struct content_file *named, bool gzip, bool has_variant)
{
    char etag[sizeof("\"0123456789abcdef-gz\"")];
    struct httpd_file_info info = {
        .data = bytes->data,
        .size = bytes->size,
        .mtime = bytes->mtime,
        .etag = etag,
        .content_type = httpd_mime_lookup(named->path, named->path_len),
        .gzip = gzip,
        .has_gzip_variant = has_variant,
    };

    if ((size_t)snprintf(etag, sizeof(etag), "\"%016llx%s\"", (unsigned long long)bytes->hash,
                         gzip ? "-gz" : "") >= sizeof(etag))
        return -EINVAL; /* cannot happen: the buffer is sized for the longest tag */
    return httpd_file_init(out, &info);
}

static void release(void)
{
    free(table.entries);
    free(table.gz);
    table.entries = NULL;
    table.gz = NULL;
    table.n = table.ngz = 0;
    table.built = false;
}

int httpd_files_build(void)
{
    size_t n = content_cache_count(), ngz = 0, bytes;
    int rc;

    if (table.built)
        return -EBUSY;
    for (size_t i = 0; i < n; i++)
        if (content_cache_file(i)->gz != NULL)
            ngz++;
    if (n > 0) {
        table.entries = calloc(n, sizeof(*table.entries));
        table.gz = ngz > 0 ? calloc(ngz, sizeof(*table.gz)) : NULL;
        if (table.entries == NULL || (ngz > 0 && table.gz == NULL)) {
            log_error("httpd: out of memory for the response headers of %zu files", n);
            rc = -ENOMEM;
            goto fail;
        }
    }

    for (size_t i = 0; i < n; i++) {
        const struct content_file *f = content_cache_file(i);
        struct httpd_files_entry *e = &table.entries[i];

        if (f->index != i) {
            log_error("httpd: file %zu of the content cache says it is %u", i, f->index);
            rc = -EINVAL; /* the cache broke its promise of a dense index: a bug */
            goto fail;
        }
        /* The variant first: it is what the plain file's Vary is about. */
        rc = 0;
        if (f->gz != NULL) {
            rc = format(&table.gz[table.ngz], f->gz, f, true, true);
            e->gz = &table.gz[table.ngz++];
        }
        if (rc == 0)
            rc = format(&e->plain, f, f, false, f->gz != NULL);
        if (rc < 0) {
            log_error("httpd: %s: cannot format its headers (error %d)", f->path, rc);
            goto fail;
        }
    }
    table.n = n;
    table.built = true;
    bytes = n * sizeof(*table.entries) + ngz * sizeof(*table.gz);
    log_info("httpd: response headers for %zu files, %zu gzip variants: %zu KiB", n, ngz,
             (bytes + 1023) >> 10);
    return 0;

fail:
    release();
    return rc;
}

const struct httpd_files_entry *httpd_files_find(const struct content_file *f)
{
    if (f == NULL || f->index >= table.n)
        return NULL;
    return &table.entries[f->index];
}

#ifdef TORIL_HOST_TEST
void httpd_files_reset(void)
{
    release();
}
#endif
