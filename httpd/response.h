/*
 * Responses: from a parsed request and what the path named, the status, the header block and
 * which bytes follow it.  No I/O: the connection layer sends the header block and then the body
 * (file bytes by reference from the content cache, or a static error page).
 *
 * The work per file is done once, at boot: httpd_file_init() formats the header lines that do
 * not change (Last-Modified, ETag, Vary, Content-Type, Content-Encoding, Content-Length,
 * Accept-Ranges), so a 200 is a status line, Server, Date, those bytes, and Connection.
 *
 * Statuses: 200, 206, 301, 304, 400, 404, 405, 413, 414, 416, 431, 500, 503, 505.  HEAD gets the
 * headers GET would, without body.  400, 413, 414, 431, 500, 503 and 505 close the connection
 * (as nginx does: after such an error the rest of the stream cannot be trusted); the others
 * keep it if the request allows.
 *
 * Context: main loop of the core that owns the connection; never blocks or allocates.  The
 * struct httpd_file values are built at boot (core 0, httpd/files.h) and only read afterwards,
 * by every core.
 */
#ifndef HTTPD_RESPONSE_H
#define HTTPD_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpd/date.h"
#include "httpd/limits.h"
#include "httpd/request.h"

/* One representation of a file, as httpd/files.c gathers it from the content cache. */
struct httpd_file_info {
    const void *data;         /* its bytes (kept in the file, for the sender) */
    uint64_t size;            /* bytes */
    int64_t mtime;            /* last modification, Unix seconds: Last-Modified */
    const char *etag;         /* strong entity-tag with its quotes ("\"5f3a-1b2\""), at most
                                 HTTPD_ETAG_MAX bytes of etagc; the gzip variant's MUST differ
                                 from the plain one's (RFC 9110 8.8.3) */
    const char *content_type; /* Content-Type value (httpd_mime_lookup() of the plain name) */
    bool gzip;                /* this is the precompressed "file.gz" variant of a file */
    bool has_gzip_variant;    /* set on both variants when a "file.gz" exists: Vary */
};

/* One representation with its precomputed header lines.  Filled by httpd_file_init(); then
 * read-only. */
struct httpd_file {
    const void *data;              /* the bytes to send */
    uint64_t size;                 /* bytes */
    int64_t mtime;                 /* Unix seconds */
    const char *content_type;      /* static */
    bool gzip;                     /* Content-Encoding: gzip */
    uint8_t etag_len;              /* bytes of etag */
    char etag[HTTPD_ETAG_MAX + 1]; /* entity-tag with quotes, NUL-terminated */
    /*
     * hdr = validators | type | length | rest, each part whole header lines:
     *   [0, validators)     Last-Modified, ETag, Vary        -- all a 304 repeats
     *   [validators, type)  Content-Type, Content-Encoding
     *   [type, length)      Content-Length: <size>           -- replaced in a 206
     *   [length, hdr_len)   Accept-Ranges
     */
    uint16_t validators;
    uint16_t type;
    uint16_t length;
    uint16_t hdr_len;
    char hdr[HTTPD_FILE_HEADER_MAX];
};

/* Fill f from info.  Returns 0, or -EINVAL for an entity-tag that is not a quoted strong one
 * within HTTPD_ETAG_MAX, or a content type with a control byte or longer than
 * HTTPD_CONTENT_TYPE_MAX.  Boot, core 0. */
int httpd_file_init(struct httpd_file *f, const struct httpd_file_info *info);

/*
 * A response.  The header block is in the caller's buffer (head_len bytes, ending with the empty
 * line).  Then either length bytes of file->data from offset, or body_len bytes of body (a
 * static page), or nothing (HEAD, 304).
 */
struct httpd_response {
    uint16_t status;
    bool keep_alive;               /* false: close the connection once this is sent */
    size_t head_len;               /* bytes of the header block in the caller's buffer */
    const struct httpd_file *file; /* the representation sent (also for HEAD/304), or NULL */
    uint64_t offset;               /* first byte of file->data to send */
    uint64_t length;               /* bytes of file->data to send; 0 for none */
    const char *body;              /* static body to send instead, or NULL */
    size_t body_len;               /* its bytes */
};

/*
 * The answer for a GET or HEAD whose path named a file: plain is the file, gz its precompressed
 * variant or NULL.  Chooses the variant (gz if the client accepts gzip), evaluates
 * If-None-Match, If-Modified-Since (only without If-None-Match), Range and If-Range, and writes
 * the header block: 200, 206, 304 or 416.  clock is the worker's, already set to now
 * (httpd_clock_now()).  buf/cap: the caller's buffer, HTTPD_RESPONSE_HEADER_MAX bytes is always
 * enough.  Returns 0, or -ENOSPC if cap is too small (nothing usable then).
 * A request with req->status set is answered with httpd_response_error() instead.
 */
int httpd_response_file(const struct httpd_request *req, const struct httpd_file *plain,
                        const struct httpd_file *gz, const struct httpd_clock *clock, char *buf,
                        size_t cap, struct httpd_response *out);

/*
 * An answer without a file: status is req->status for a request the parser refused, 400 for a
 * path httpd_path_parse() refused, 404, or 500/503 from the connection layer.  The body is a
 * small fixed HTML page per status that never echoes the request; 405 carries
 * "Allow: GET, HEAD".  Same buffer rules and returns as httpd_response_file().
 */
int httpd_response_error(const struct httpd_request *req, uint16_t status,
                         const struct httpd_clock *clock, char *buf, size_t cap,
                         struct httpd_response *out);

/* 301 Moved Permanently to location (from httpd_path_location()), with a fixed page. */
int httpd_response_redirect(const struct httpd_request *req, const char *location,
                            const struct httpd_clock *clock, char *buf, size_t cap,
                            struct httpd_response *out);

/* The reason phrase of a status this module sends ("Not Found"), "" for others. */
const char *httpd_response_reason(uint16_t status);

#endif
