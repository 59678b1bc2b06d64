/*
 * Host tests of httpd's per-file response data (httpd/files.c), built over a stand-in content
 * cache (this file defines content_cache_count() and content_cache_file()): the exact header
 * lines of a plain file, of a file with a ".gz" sibling and of its gzip variant, of the sibling
 * served as itself and of a ".gz" without an original; ETags from the content hash (equal bytes,
 * equal tag, whatever the disk; the variant's differs); Content-Type from the name; lookup by
 * the file's index; the answers to requests over a built entry (gzip chosen, 304 on the
 * variant's tag, Range); an empty cache; a second build; a cache that breaks its index promise;
 * and that httpd_files_mem() bounds what a build takes.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "content/cache.h"
#include "core/log.h"
#include "httpd/files.h"
#include "httpd/response.h"
#include "tests/host/log_host.h"

#define CRLF   "\r\n"
#define MTIME  784111777  /* Sun, 06 Nov 1994 08:49:37 GMT */
#define MTIME2 1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */
#define LM     "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT" CRLF
#define LM2    "Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT" CRLF
#define VARY   "Vary: Accept-Encoding" CRLF
#define AR     "Accept-Ranges: bytes" CRLF

/* --- the stand-in content cache --------------------------------------------------------------
 */

enum { INDEX, CSS, CSS_GZ, LONELY_GZ, EMPTY, BIN, SAME, NFILES };

static const char css_bytes[] = "body { margin: 0 }\n", gz_bytes[] = "\x1f\x8b fake gzip";
static const char index_bytes[] = "<!doctype html>", lonely_bytes[] = "\x1f\x8b lonely";
static const char bin_bytes[] = {0, 1, 2, 3};
static struct content_file fake[NFILES];
static size_t fake_n;

size_t content_cache_count(void)
{
    return fake_n;
}

const struct content_file *content_cache_file(size_t index)
{
    return index < fake_n ? &fake[index] : NULL;
}

static struct content_file file(const char *path, const void *data, size_t size, int64_t mtime,
                                uint64_t hash, uint32_t index)
{
    return (struct content_file){.path = path,
                                 .path_len = strlen(path),
                                 .data = data,
                                 .size = size,
                                 .mtime = mtime,
                                 .hash = hash,
                                 .index = index};
}

/* A site as content_cache_load() would leave it: "/css/site.css" points at its sibling. */
static int setup(void **state)
{
    httpd_files_reset();
    fake[INDEX] = file("/index.html", index_bytes, sizeof(index_bytes) - 1, MTIME,
                       0x0123456789abcdefull, INDEX);
    fake[CSS] =
        file("/css/site.css", css_bytes, sizeof(css_bytes) - 1, MTIME, 0xfedcba9876543210ull, CSS);
    fake[CSS_GZ] =
        file("/css/site.css.gz", gz_bytes, sizeof(gz_bytes) - 1, MTIME2, 0x42ull, CSS_GZ);
    fake[CSS].gz = &fake[CSS_GZ];
    fake[LONELY_GZ] = file("/v1/notes.txt.gz", lonely_bytes, sizeof(lonely_bytes) - 1, MTIME,
                           0xffffffffffffffffull, LONELY_GZ);
    fake[EMPTY] = file("/empty.txt", "", 0, 0, 0xef46db3751d8e999ull, EMPTY);
    fake[BIN] = file("/img/Logo.SVG", bin_bytes, sizeof(bin_bytes), MTIME, 7, BIN);
    /* The same bytes as index.html under another name (another disk would give the same). */
    fake[SAME] = file("/copy/index.html", index_bytes, sizeof(index_bytes) - 1, MTIME,
                      0x0123456789abcdefull, SAME);
    fake_n = NFILES;
    return 0;
}

static int teardown(void **state)
{
    httpd_files_reset();
    return 0;
}

/* --- helpers ---------------------------------------------------------------------------------
 */

static const struct httpd_files_entry *entry(int i)
{
    const struct httpd_files_entry *e = httpd_files_find(&fake[i]);
    assert_non_null(e);
    return e;
}

/* The precomputed header block equals want exactly. */
static void check_hdr(const char *what, const struct httpd_file *f, const char *want)
{
    if (f->hdr_len != strlen(want) || memcmp(f->hdr, want, f->hdr_len) != 0)
        fail_msg("%s: header lines\n%.*s\nwant\n%s", what, (int)f->hdr_len, f->hdr, want);
}

/* --- tests -----------------------------------------------------------------------------------
 */

static void test_plain_file(void **state)
{
    assert_int_equal(httpd_files_build(), 0);
    const struct httpd_files_entry *e = entry(INDEX);

    assert_null(e->gz);
    assert_ptr_equal(e->plain.data, index_bytes);
    assert_int_equal(e->plain.size, sizeof(index_bytes) - 1);
    assert_int_equal(e->plain.mtime, MTIME);
    assert_false(e->plain.gzip);
    assert_string_equal(e->plain.etag, "\"0123456789abcdef\"");
    check_hdr("index.html", &e->plain,
              LM "ETag: \"0123456789abcdef\"" CRLF "Content-Type: text/html; charset=utf-8" CRLF
                 "Content-Length: 15" CRLF AR);

    /* The type comes from the name (its extension in any case); an empty file. */
    assert_string_equal(entry(BIN)->plain.content_type, "image/svg+xml");
    check_hdr("empty.txt", &entry(EMPTY)->plain,
              "Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT" CRLF "ETag: \"ef46db3751d8e999\"" CRLF
              "Content-Type: text/plain; charset=utf-8" CRLF "Content-Length: 0" CRLF AR);
    if (strstr(log_host_last, "httpd: response headers for 7 files, 1 gzip variants") == NULL)
        fail_msg("log: %s", log_host_last);
}

/* A file with a sibling: both representations say Vary; the variant has the sibling's bytes,
 * size and mtime, the original's type, Content-Encoding, and the hash's tag with "-gz". */
static void test_gzip_variant(void **state)
{
    assert_int_equal(httpd_files_build(), 0);
    const struct httpd_files_entry *e = entry(CSS);

    check_hdr("site.css", &e->plain,
              LM "ETag: \"fedcba9876543210\"" CRLF VARY "Content-Type: text/css; charset=utf-8" CRLF
                 "Content-Length: 19" CRLF AR);
    assert_non_null(e->gz);
    assert_true(e->gz->gzip);
    assert_ptr_equal(e->gz->data, gz_bytes);
    assert_int_equal(e->gz->size, sizeof(gz_bytes) - 1);
    assert_int_equal(e->gz->mtime, MTIME2);
    check_hdr("site.css variant", e->gz,
              LM2 "ETag: \"0000000000000042-gz\"" CRLF VARY
                  "Content-Type: text/css; charset=utf-8" CRLF "Content-Encoding: gzip" CRLF
                  "Content-Length: 12" CRLF AR);

    /* The sibling is also served as itself: what it is, its own tag, no Vary. */
    const struct httpd_files_entry *s = entry(CSS_GZ);
    assert_null(s->gz);
    assert_false(s->plain.gzip);
    check_hdr("site.css.gz", &s->plain,
              LM2 "ETag: \"0000000000000042\"" CRLF "Content-Type: application/gzip" CRLF
                  "Content-Length: 12" CRLF AR);
    assert_string_not_equal(s->plain.etag, e->gz->etag);
    assert_string_not_equal(e->plain.etag, e->gz->etag);

    /* A ".gz" without an original: only itself. */
    const struct httpd_files_entry *l = entry(LONELY_GZ);
    assert_null(l->gz);
    check_hdr("notes.txt.gz", &l->plain,
              LM "ETag: \"ffffffffffffffff\"" CRLF "Content-Type: application/gzip" CRLF
                 "Content-Length: 9" CRLF AR);
}

/* Tags depend on the bytes (the content hash) only: two files with the same bytes, wherever
 * they come from, get the same tag, so DISK=vfat and DISK=image agree. */
static void test_etag_from_hash_only(void **state)
{
    assert_int_equal(httpd_files_build(), 0);
    assert_string_equal(entry(SAME)->plain.etag, entry(INDEX)->plain.etag);
    assert_ptr_not_equal(entry(SAME), entry(INDEX));
}

/* A lookup is the file's index into the table; nothing outside it is found. */
static void test_find(void **state)
{
    struct content_file stranger = fake[INDEX];

    assert_null(httpd_files_find(&fake[INDEX])); /* not built yet */
    assert_int_equal(httpd_files_build(), 0);
    for (int i = 0; i < NFILES; i++)
        assert_int_equal(httpd_files_find(&fake[i]) - httpd_files_find(&fake[0]), i);
    assert_null(httpd_files_find(NULL));
    stranger.index = NFILES;
    assert_null(httpd_files_find(&stranger));
    stranger.index = UINT32_MAX;
    assert_null(httpd_files_find(&stranger));
}

/* Requests answered from a built entry: the variant is chosen for a gzip client, its tag gets
 * a 304, a Range applies to the representation chosen. */
static void test_responses_from_entry(void **state)
{
    struct httpd_request req = {.method = HTTPD_METHOD_GET, .version_minor = 1, .keep_alive = true};
    struct httpd_clock clk;
    struct httpd_response r;
    char head[HTTPD_RESPONSE_HEADER_MAX];

    assert_int_equal(httpd_files_build(), 0);
    const struct httpd_files_entry *e = entry(CSS);
    httpd_clock_init(&clk);
    httpd_clock_now(&clk, MTIME2);

    req.accept_encoding = (struct httpd_field){"gzip", 4};
    assert_int_equal(httpd_response_file(&req, &e->plain, e->gz, &clk, head, sizeof(head), &r), 0);
    assert_int_equal(r.status, 200);
    assert_ptr_equal(r.file, e->gz);
    assert_int_equal(r.length, sizeof(gz_bytes) - 1);

    req.if_none_match = (struct httpd_field){"\"0000000000000042-gz\"", 21};
    assert_int_equal(httpd_response_file(&req, &e->plain, e->gz, &clk, head, sizeof(head), &r), 0);
    assert_int_equal(r.status, 304);
    assert_non_null(memmem(head, r.head_len, VARY, strlen(VARY)));

    /* The plain tag does not validate the variant. */
    req.if_none_match = (struct httpd_field){"\"fedcba9876543210\"", 18};
    assert_int_equal(httpd_response_file(&req, &e->plain, e->gz, &clk, head, sizeof(head), &r), 0);
    assert_int_equal(r.status, 200);

    req.if_none_match = (struct httpd_field){NULL, 0};
    req.accept_encoding = (struct httpd_field){NULL, 0};
    req.range = (struct httpd_field){"bytes=5-", 8};
    req.if_range = (struct httpd_field){"\"fedcba9876543210\"", 18};
    assert_int_equal(httpd_response_file(&req, &e->plain, e->gz, &clk, head, sizeof(head), &r), 0);
    assert_int_equal(r.status, 206);
    assert_ptr_equal(r.file, &e->plain);
    assert_int_equal(r.offset, 5);
    assert_int_equal(r.length, sizeof(css_bytes) - 1 - 5);
}

static void test_empty_cache(void **state)
{
    fake_n = 0;
    assert_int_equal(httpd_files_build(), 0);
    assert_null(httpd_files_find(&fake[INDEX]));
    if (strstr(log_host_last, "httpd: response headers for 0 files, 0 gzip variants: 0 KiB") ==
        NULL)
        fail_msg("log: %s", log_host_last);
}

static void test_built_once(void **state)
{
    assert_int_equal(httpd_files_build(), 0);
    assert_int_equal(httpd_files_build(), -EBUSY);
    assert_non_null(httpd_files_find(&fake[BIN])); /* still the first table */
}

/* A cache whose index is not dense is a bug: refused with a log line, nothing kept. */
static void test_bad_index_refused(void **state)
{
    unsigned errors = log_host_count[LOG_ERROR];

    fake[BIN].index = 2;
    assert_int_equal(httpd_files_build(), -EINVAL);
    assert_int_equal(log_host_count[LOG_ERROR], errors + 1);
    assert_null(httpd_files_find(&fake[INDEX]));
    fake[BIN].index = BIN;
    assert_int_equal(httpd_files_build(), 0); /* and a good cache builds afterwards */
}

/* What content_cache_load() reserves covers the table, for any mix of files and variants. */
static void test_mem_bound(void **state)
{
    static const size_t sizes[][2] = {{0, 0}, {1, 0}, {1, 1}, {7, 1}, {1000, 3}, {65536, 65536}};

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i][0], g = sizes[i][1];
        assert_true(httpd_files_mem(n, g) >=
                    n * sizeof(struct httpd_files_entry) + g * sizeof(struct httpd_file));
    }
    assert_true(httpd_files_mem(1001, 0) >= httpd_files_mem(1000, 0));
    assert_true(httpd_files_mem(1000, 1000) > httpd_files_mem(1000, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_variant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_etag_from_hash_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_responses_from_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_built_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_index_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mem_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
