/*
 * Named limits of the HTTP protocol layer (request parser, path canonicalizer, responses).
 *
 * Each overridable one can be set at build time (-DHTTPD_TARGET_MAX=...).  The defaults follow
 * common servers: nginx reads a request line and each header line into 8 KiB buffers and answers
 * 414/400 beyond; OpenBSD httpd caps a header line at 8 KiB.  Per connection the parser keeps
 * about HTTPD_TARGET_MAX + HTTPD_FIELD_STORE_MAX bytes, so these also size connection memory.
 */
#ifndef HTTPD_LIMITS_H
#define HTTPD_LIMITS_H

/* Bytes of the request target as sent (origin-form "/a/b?q" or absolute-form
 * "http://host/a/b?q").  Longer: 414 URI Too Long. */
#ifndef HTTPD_TARGET_MAX
#define HTTPD_TARGET_MAX 4096
#endif

/* Bytes of the request line other than the target: method, spaces, "HTTP/1.1", CRLF, and the
 * empty lines RFC 9112 2.2 lets a client send before a request.  Past target + this, a request
 * line that is not long because of its target is malformed: 400. */
#define HTTPD_REQUEST_LINE_SLACK 64

/* Bytes of the header section: every field line with its CRLF, the final empty line and any
 * chunked trailer section.  Larger: 431 Request Header Fields Too Large (RFC 6585 5). */
#ifndef HTTPD_HEADER_MAX
#define HTTPD_HEADER_MAX 8192
#endif

/* Bytes of the header values the parser keeps for the response (Host, If-None-Match,
 * If-Modified-Since, Range, If-Range, Accept-Encoding, Transfer-Encoding, Expect), all together.
 * Browsers send well under 300.  More: 431, as for a field too large on its own. */
#ifndef HTTPD_FIELD_STORE_MAX
#define HTTPD_FIELD_STORE_MAX 2048
#endif

/* Bytes of a request body on GET/HEAD (or a refused method) that are read and thrown away to
 * keep the connection in step, counting chunked framing.  A larger body: 413 Content Too
 * Large, and the connection closes. */
#ifndef HTTPD_BODY_DISCARD_MAX
#define HTTPD_BODY_DISCARD_MAX 65536
#endif

/* Bytes of an entity-tag as the content cache gives it, quotes included ("\"1f3a-9c\""). */
#define HTTPD_ETAG_MAX 64

/* Bytes of a Content-Type value ("text/html; charset=utf-8"). */
#define HTTPD_CONTENT_TYPE_MAX 128

/* Bytes of the precomputed per-file header lines (struct httpd_file): Last-Modified, ETag,
 * Vary, Content-Type, Content-Encoding, Content-Length and Accept-Ranges at their maxima. */
#define HTTPD_FILE_HEADER_MAX 384

/* Bytes a caller's buffer needs for any response header block httpd_response_*() formats: the
 * status line, the fixed lines, a file's lines plus Content-Range, or a Location that is at most
 * a target (re-encoded, with "/" added) long. */
#define HTTPD_RESPONSE_HEADER_MAX (HTTPD_TARGET_MAX + 512)

#endif
