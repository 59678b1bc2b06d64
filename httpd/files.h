/*
 * httpd's per-file response data: for every file of the content cache, its representations
 * with their precomputed header lines (struct httpd_file: Last-Modified, a strong ETag, Vary,
 * Content-Type from httpd's MIME table, Content-Encoding, Content-Length, Accept-Ranges), built
 * once from the frozen cache at httpd's boot.  The cache only offers neutral facts (bytes, size,
 * mtime, content hash, ".gz" sibling); what HTTP makes of them is decided here.
 *
 * Lifecycle: httpd_files_build() runs once, on core 0, from httpd_server_boot(): after
 * content_cache_load(), before the other cores start.  From then on the table is frozen: every
 * core reads it without locks (starting the other cores publishes these writes), and a lookup
 * is one array index (content_file.index), never blocking, allocating or writing.
 *
 * Representations: a file "x" with a ".gz" sibling gets two: plain (its own bytes) and gz (the
 * sibling's bytes, x's Content-Type, Content-Encoding: gzip); both carry Vary: Accept-Encoding.
 * The sibling "x.gz" is also served as itself (application/gzip, no Vary), as nginx's
 * gzip_static does, and so is a ".gz" without an original.
 *
 * ETags: the content hash (XXH64 of the bytes) as 16 hex digits, quoted, "-gz" appended for the
 * gzip variant, so that the two representations of one file never share a tag (RFC 9110 8.8.3)
 * while the same bytes get the same tag on any disk (DISK=vfat and DISK=image) and boot.
 */
#ifndef HTTPD_FILES_H
#define HTTPD_FILES_H

#include <stddef.h>

#include "content/cache.h"
#include "httpd/response.h"

/* What httpd serves for one file of the cache. */
struct httpd_files_entry {
    struct httpd_file plain;     /* the file's own bytes */
    const struct httpd_file *gz; /* the gzip variant (from its ".gz" sibling), or NULL */
};

/*
 * Build the table from every file of the content cache (content_cache_count() files; an empty
 * or unloaded cache gives an empty table) and log its size: "httpd: response headers for N
 * files, G gzip variants: K KiB".  Boot, core 0, once, before the other cores start.
 * Returns 0, or with a log line "httpd: ..." and the table left empty:
 *   -ENOMEM  no memory for the table (content_cache_load() counted httpd_files_mem(), so only a
 *            caller that did not pass it should see this);
 *   -EINVAL  a header block could not be formatted (a content type or tag beyond httpd's
 *            limits: a bug, not the disk);
 *   -EBUSY   built already.
 */
int httpd_files_build(void);

/*
 * The entry of f (a file of the loaded content cache): table[f->index].  NULL when f is NULL or
 * the table has no entry for it (not built).  Any core after httpd_files_build(); never blocks.
 */
const struct httpd_files_entry *httpd_files_find(const struct content_file *f);

/*
 * An upper bound of the bytes httpd_files_build() allocates for files files of which gz_pairs
 * have a ".gz" sibling: the content_cache_user_mem_fn core_main hands to the content load, so
 * its memory check covers this table too.  Any context.
 */
size_t httpd_files_mem(size_t files, size_t gz_pairs);

#ifdef TORIL_HOST_TEST
/* Host tests only: free the table, so the next test builds afresh. */
void httpd_files_reset(void);
#endif

#endif
