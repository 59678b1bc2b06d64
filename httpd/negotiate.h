/*
 * The request header fields that choose a response, parsed (RFC 9110): entity-tag lists
 * (If-None-Match, If-Range), Accept-Encoding with q-values, and Range.
 *
 * Every parser here is total: any input gives an answer, a malformed field one that RFC 9110
 * says to fall back on (no match, no gzip, ignore the Range).  Context: any; pure functions.
 */
#ifndef HTTPD_NEGOTIATE_H
#define HTTPD_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * If-None-Match (RFC 9110 13.1.2): true if list (a "*" or a list of entity-tags) matches etag
 * (a strong entity-tag with its quotes) by weak comparison: W/"x" matches "x".  A malformed list
 * matches nothing from the first bad element on.
 */
bool httpd_etag_list_match(const char *list, size_t len, const char *etag, size_t etag_len);

/* If-Range with an entity-tag (RFC 9110 13.1.5): true if value is exactly etag, strong
 * comparison (a weak tag never matches). */
bool httpd_etag_strong_match(const char *value, size_t len, const char *etag, size_t etag_len);

/* Whether an If-Range value is an entity-tag (else it is meant as an HTTP-date). */
bool httpd_is_etag(const char *value, size_t len);

/*
 * Accept-Encoding (RFC 9110 12.5.3): true if gzip is acceptable: "gzip" or "x-gzip" listed with
 * q > 0, or not listed and "*" with q > 0.  Codings compare case-insensitively; a malformed
 * weight makes its coding unacceptable.  An absent field (NULL) accepts no gzip: the
 * precompressed variant only goes to a client that asked for it.
 */
bool httpd_accepts_gzip(const char *value, size_t len);

/* Outcome of httpd_range_parse(). */
enum httpd_range_kind {
    HTTPD_RANGE_NONE,          /* malformed, or not in bytes: ignore it, send the whole (200) */
    HTTPD_RANGE_SINGLE,        /* one satisfiable range: [first, last] (206) */
    HTTPD_RANGE_MULTI,         /* several ranges, some satisfiable: answered with the whole (200) */
    HTTPD_RANGE_UNSATISFIABLE, /* none overlaps the representation (416) */
};

/*
 * Range (RFC 9110 14.1.1-14.2) against a representation of size bytes: "bytes=a-b", "bytes=a-"
 * and "bytes=-n" (the last n), comma-separated.  last is clamped to size - 1; a suffix longer
 * than the representation means all of it.  first/last are set for HTTPD_RANGE_SINGLE only.
 */
enum httpd_range_kind httpd_range_parse(const char *value, size_t len, uint64_t size,
                                        uint64_t *first, uint64_t *last);

#endif
