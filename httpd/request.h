/*
 * HTTP/1.x request parsing: one parser per connection, fed the received bytes in chunks of any
 * size, giving back one complete request at a time (RFC 9112).
 *
 * The framing is llhttp's (strict mode): request line, field syntax, Content-Length and chunked
 * bodies, and its request-smuggling checks.  On top of it this layer applies the server's rules:
 *   - only HTTP/1.0 and HTTP/1.1: other versions (0.9, 1.2, 2.0, 3...) are 505;
 *   - named limits (limits.h): target 414, header section 431, kept field values 431;
 *   - HTTP/1.1 without Host, several Host lines, an invalid Host: 400;
 *   - a body on any request is read and discarded up to HTTPD_BODY_DISCARD_MAX, larger is 413;
 *     Content-Length together with Transfer-Encoding, a transfer coding other than a single
 *     "chunked", or Transfer-Encoding in HTTP/1.0 is 400 (RFC 9112 6.1, 6.3: request smuggling);
 *   - methods other than GET and HEAD are 405 (after their body, if any, is discarded);
 *   - obs-fold (a header line continued on the next line) is 400 (RFC 9112 5.2).
 * Every error but 405 ends the connection: keep_alive is false, and the parser takes no more.
 *
 * Pipelining: the parser stops after each complete request, so the caller answers it before the
 * next one is parsed; responses therefore leave in request order.  Bytes after a request stay
 * with the caller (not consumed) until it feeds them again.
 *
 * Context: main loop of the core that owns the connection.  Never blocks, never allocates; a
 * parser is about HTTPD_TARGET_MAX + HTTPD_FIELD_STORE_MAX + 0.5 KiB and may live in any memory
 * the connection owns.  Not reentrant for one parser; different parsers are independent.
 */
#ifndef HTTPD_REQUEST_H
#define HTTPD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpd/limits.h"

enum httpd_method {
    HTTPD_METHOD_GET,
    HTTPD_METHOD_HEAD,
    HTTPD_METHOD_OTHER, /* any other method llhttp knows (POST, OPTIONS, CONNECT...): 405 */
};

/* A header value the parser kept: trimmed of surrounding whitespace, NUL-terminated, inside the
 * parser.  Several lines of a list field (If-None-Match, Accept-Encoding) are joined with ", "
 * (RFC 9110 5.3).  ptr is NULL when the field was absent. */
struct httpd_field {
    const char *ptr;
    size_t len;
};

/*
 * One request, as handed to the caller.  Valid until the next httpd_request_feed() call.
 *
 * status is 0 for a request to serve, or the error status to answer with (400, 405, 413, 414,
 * 431, 505); with an error status the fields after it may be partly filled and must not be used
 * (the target, say, may be cut).  Error statuses other than 405 come with keep_alive false.
 */
struct httpd_request {
    uint16_t status;          /* 0, or the error status to answer with */
    enum httpd_method method; /* GET, HEAD, or another (status 405) */
    uint8_t version_minor;    /* 0 or 1: HTTP/1.0 or HTTP/1.1 (major is always 1) */
    bool keep_alive; /* the connection may carry another request after this one (RFC 9112 9.3:
                        1.1 unless "Connection: close", 1.0 only with "Connection: keep-alive").
                        The connection layer may clear it (e.g. last request it allows). */

    const char *target; /* request target as sent, NUL-terminated; never NULL */
    size_t target_len;  /* 1..HTTPD_TARGET_MAX */

    struct httpd_field host;              /* Host (at most one; required in HTTP/1.1) */
    struct httpd_field if_none_match;     /* If-None-Match (list) */
    struct httpd_field if_modified_since; /* If-Modified-Since (dropped if sent twice) */
    struct httpd_field range;             /* Range (dropped if sent twice) */
    struct httpd_field if_range;          /* If-Range (dropped with Range if sent twice) */
    struct httpd_field accept_encoding;   /* Accept-Encoding (list) */

    bool has_body;           /* Content-Length > 0 or chunked: the body was discarded */
    uint64_t content_length; /* Content-Length value, 0 when absent or chunked */
    bool chunked;            /* Transfer-Encoding: chunked */
    bool expect_continue;    /* Expect: 100-continue (in HTTP/1.1) */
};

/* What httpd_request_feed() stopped on. */
enum httpd_feed_result {
    HTTPD_FEED_MORE,    /* all bytes consumed; the request is not complete yet */
    HTTPD_FEED_REQUEST, /* a request is ready (httpd_request_get()); answer it, then feed the
                           bytes that were not consumed */
    HTTPD_FEED_CLOSED,  /* the parser takes no more bytes: the last request ended the
                           connection (keep_alive false).  Nothing consumed. */
};

/* Private state of httpd_request_feed(); fields are request.c's.  Sized for llhttp 8.1 (its
 * llhttp_t is 96 bytes; request.c checks the size at compile time). */
#define HTTPD_LLHTTP_WORDS 16

struct httpd_parser {
    uint64_t ll[HTTPD_LLHTTP_WORDS]; /* llhttp_t, opaque here so users need not see llhttp.h */
    struct httpd_request req;        /* the request being parsed or handed out */
    const char *buf;                 /* start of the chunk llhttp is parsing (during feed) */
    const char *buf_end;             /* end of that chunk */
    uint64_t msg_bytes;              /* bytes of this message consumed so far */
    uint64_t line_end;               /* msg_bytes at the end of the request line's version */
    uint64_t head_end;               /* msg_bytes at the end of the header section */
    uint8_t phase;                   /* enum phase in request.c */
    uint8_t field;                   /* which kept field the current header line is */
    bool close_after;                /* the request in hand ends the connection */
    bool span_closed;                /* the last value span ended before its chunk did */
    bool in_value;                   /* a value span arrived since the field name */
    uint8_t name_len;                /* bytes in name[] (names longer than it are not kept) */
    uint8_t version_len;             /* bytes in version[] */
    uint8_t host_count;              /* Host lines seen */
    uint8_t dup;                     /* kept singleton fields seen twice (bit per field) */
    char name[24];                   /* current field name, while it arrives in pieces */
    char version[8];                 /* "1.1" as sent, to tell 505 from 400 */
    struct httpd_field te;           /* Transfer-Encoding (list), checked at the header end */
    struct httpd_field expect;       /* Expect (list) */
    size_t store_used;               /* bytes used in store[] */
    char target[HTTPD_TARGET_MAX + 1];
    char store[HTTPD_FIELD_STORE_MAX]; /* the kept field values, NUL-terminated each */
};

/* Make p ready for the first request of a new connection. */
void httpd_request_init(struct httpd_parser *p);

/*
 * Parse up to len bytes of data (which the caller keeps owning; the parser copies what it needs
 * and keeps no pointer into it after returning).  *consumed gets the number of bytes used, which
 * is len for HTTPD_FEED_MORE and may be less for HTTPD_FEED_REQUEST (the rest belongs to the
 * next request: feed it again after answering).  len may be 0.
 *
 * The first call after HTTPD_FEED_REQUEST releases that request (its fields become invalid) and
 * starts the next one.
 */
enum httpd_feed_result httpd_request_feed(struct httpd_parser *p, const char *data, size_t len,
                                          size_t *consumed);

/* The request after HTTPD_FEED_REQUEST (valid until the next httpd_request_feed()).  The caller
 * may clear its keep_alive; nothing else in it is meant to change. */
struct httpd_request *httpd_request_get(struct httpd_parser *p);

/* True while a request has started (some bytes of it were consumed) but is not complete: the
 * connection layer runs its header-read timeout then, its keep-alive idle timeout otherwise. */
bool httpd_request_in_progress(const struct httpd_parser *p);

#endif
