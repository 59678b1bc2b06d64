/*
 * Request target -> path in the site, the way OpenBSD httpd does it: decode, then canonicalize,
 * then (in the caller) look up; never join an unchecked name to the root.
 *
 * httpd_path_parse() accepts the origin-form "/a/b?q" and the absolute-form "http://host/a/b?q"
 * (RFC 9112 3.2.1-3.2.2; the authority is ignored: one site).  It drops the query, decodes
 * %XX, and removes "." and ".." segments and empty ones ("//") after decoding, so "%2e%2e" and
 * "..%2f" are dot-segments like "..".  The result is a normalized absolute path: it starts with
 * '/', has no empty, "." or ".." segment, and no byte below 0x20, 0x7f, or backslash.  It ends
 * with '/' when the target named a folder ("/", "/css/", "/a/." and "/a/b/.." too).
 *
 * Rejected (-EINVAL, answer 400):
 *   - a target in authority-form or asterisk-form ("a:80", "*"), or with a fragment ('#');
 *   - a bad escape ("%4", "%zz"), an escaped NUL or control byte, a raw byte outside
 *     visible ASCII;
 *   - a backslash, raw or as %5c (a Windows separator: never a name on the site);
 *   - a ".." segment that would climb above the root ("/../x", "/a/../../x", "/%2e%2e/x").
 *     nginx and OpenBSD httpd answer 400 here too: the request is malformed, not a missing
 *     file, and no path outside the site is ever formed, let alone looked up.
 * A ".." that stays inside ("/a/../b" -> "/b") is resolved (RFC 3986 5.2.4).
 *
 * Context: any; pure functions on caller memory.  Never blocks or allocates.
 */
#ifndef HTTPD_PATH_H
#define HTTPD_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "httpd/limits.h"

/* The name served for a folder ("/dir/" -> "/dir/index.html"). */
#define HTTPD_INDEX_NAME "index.html"

struct httpd_path {
    /* The canonical path, NUL-terminated (room for HTTPD_INDEX_NAME after the longest one). */
    char path[HTTPD_TARGET_MAX + sizeof(HTTPD_INDEX_NAME)];
    size_t len;        /* strlen(path), >= 1 */
    const char *query; /* the query as sent, without '?', inside the target; NULL if none */
    size_t query_len;
};

/* Parse target[0..len) into *out.  Returns 0, or -EINVAL (answer 400).  out->query points
 * into target: valid as long as the target is. */
int httpd_path_parse(const char *target, size_t len, struct httpd_path *out);

/* The path names a folder: it ends with '/'. */
bool httpd_path_is_dir(const struct httpd_path *p);

/* Append HTTPD_INDEX_NAME to a folder path ("/dir/" -> "/dir/index.html").  Returns 0, or
 * -EINVAL if p is not a folder path. */
int httpd_path_add_index(struct httpd_path *p);

/*
 * The Location of the 301 that sends a folder named without its '/' ("/dir?q") to "/dir/?q":
 * the path percent-encoded again where it must be (bytes outside visible ASCII, '%', '?', '#';
 * other bytes came raw in the target, which llhttp checked), then "/", then "?" and the query as
 * sent, if there was one (nginx and Apache keep it, so a link with a query still works).  A
 * relative reference: RFC 9110 10.2.2 allows it, and the Host the client sent is not echoed.
 * Never longer than the target plus one byte.  Writes a NUL-terminated string into buf; returns
 * its length, -EINVAL if p is a folder path already, or -ENOSPC if cap is too small
 * (HTTPD_TARGET_MAX + 2 is always enough).
 */
int httpd_path_location(const struct httpd_path *p, char *buf, size_t cap);

#endif
