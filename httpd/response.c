/*
 * Response decisions and header blocks (see response.h).
 *
 * Order of evaluation (RFC 9110 13.2.2), for GET and HEAD on a file that exists:
 *   1. the variant: the .gz one if Accept-Encoding allows gzip (both carry Vary);
 *   2. If-None-Match, weak comparison -> 304; only without it, If-Modified-Since -> 304;
 *      (If-Match and If-Unmodified-Since are not implemented: RFC 9110 13.2.1 lets a server
 *      that does not implement a precondition ignore it, and no method here changes state);
 *   3. for GET, Range, unless If-Range names another validator -> 206 or 416, else 200.
 */
#include <errno.h>
#include <string.h>

#include "httpd/negotiate.h"
#include "httpd/response.h"

#define CRLF "\r\n"

/* Every answer names the server (RFC 9110 10.2.4), without a version. */
#define SERVER_LINE "Server: toril" CRLF

/* --- statuses and their pages ---------------------------------------------------------------
 */

#define PAGE(code, text)                                                                           \
    "<!DOCTYPE html>\n<html><head><title>" code " " text "</title></head>\n"                       \
    "<body><h1>" code " " text "</h1></body></html>\n"

static const struct status {
    uint16_t code;
    bool closes;        /* the connection ends after it */
    const char *reason; /* RFC 9110 15 */
    const char *page;   /* the body of an answer without a file */
} statuses[] = {
    {200, false, "OK", NULL},
    {206, false, "Partial Content", NULL},
    {301, false, "Moved Permanently", PAGE("301", "Moved Permanently")},
    {304, false, "Not Modified", NULL},
    {400, true, "Bad Request", PAGE("400", "Bad Request")},
    {404, false, "Not Found", PAGE("404", "Not Found")},
    {405, false, "Method Not Allowed", PAGE("405", "Method Not Allowed")},
    {413, true, "Content Too Large", PAGE("413", "Content Too Large")},
    {414, true, "URI Too Long", PAGE("414", "URI Too Long")},
    {416, false, "Range Not Satisfiable", PAGE("416", "Range Not Satisfiable")},
    {431, true, "Request Header Fields Too Large", PAGE("431", "Request Header Fields Too Large")},
    {500, true, "Internal Server Error", PAGE("500", "Internal Server Error")},
    {503, true, "Service Unavailable", PAGE("503", "Service Unavailable")},
    {505, true, "HTTP Version Not Supported", PAGE("505", "HTTP Version Not Supported")},
};

static const struct status *status_of(uint16_t code)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (statuses[i].code == code)
            return &statuses[i];
    return NULL;
}

const char *httpd_response_reason(uint16_t code)
{
    const struct status *s = status_of(code);
    return s != NULL ? s->reason : "";
}

/* --- writing a header block -----------------------------------------------------------------
 */

struct block {
    char *buf;
    size_t cap, n;
    bool full; /* something did not fit */
};

static void put(struct block *b, const char *s, size_t len)
{
    if (b->full || len > b->cap - b->n) {
        b->full = true;
        return;
    }
    memcpy(b->buf + b->n, s, len);
    b->n += len;
}

/* A string literal, its length known at compile time. */
#define put_lit(b, lit) put((b), lit, sizeof(lit) - 1)

static void puts_(struct block *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_u64(struct block *b, uint64_t v)
{
    char d[20];
    size_t n = 0;

    do {
        d[sizeof(d) - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(b, d + sizeof(d) - n, n);
}

/* Status line, Server and Date. */
static void put_head(struct block *b, uint16_t code, const struct httpd_clock *clock)
{
    char line[16] = "HTTP/1.1 000 ";

    line[9] = (char)('0' + code / 100 % 10);
    line[10] = (char)('0' + code / 10 % 10);
    line[11] = (char)('0' + code % 10);
    put(b, line, 13);
    puts_(b, httpd_response_reason(code));
    put_lit(b, CRLF SERVER_LINE "Date: ");
    put(b, clock->text, HTTPD_DATE_LEN);
    put_lit(b, CRLF);
}

/* Connection, then the empty line: RFC 9112 9.3, 9.6.  HTTP/1.1 keeps the connection unless
 * told; HTTP/1.0 closes it unless told. */
static void put_end(struct block *b, const struct httpd_request *req, struct httpd_response *out)
{
    if (!out->keep_alive)
        put_lit(b, "Connection: close" CRLF);
    else if (req->version_minor == 0)
        put_lit(b, "Connection: keep-alive" CRLF);
    put_lit(b, CRLF);
}

static int finish(struct block *b, struct httpd_response *out)
{
    if (b->full)
        return -ENOSPC;
    out->head_len = b->n;
    return 0;
}

static void start(struct httpd_response *out, const struct httpd_request *req, uint16_t code)
{
    const struct status *s = status_of(code);

    memset(out, 0, sizeof(*out));
    out->status = code;
    out->keep_alive = req->keep_alive && (s == NULL || !s->closes);
}

/* --- per-file header lines --------------------------------------------------------------------
 */

int httpd_file_init(struct httpd_file *f, const struct httpd_file_info *info)
{
    size_t elen = info->etag != NULL ? strlen(info->etag) : 0;
    size_t tlen = info->content_type != NULL ? strlen(info->content_type) : 0;
    char date[HTTPD_DATE_LEN + 1];
    struct block b = {f->hdr, sizeof(f->hdr), 0, false};
    size_t i;

    if (elen < 2 || elen > HTTPD_ETAG_MAX ||
        !httpd_etag_strong_match(info->etag, elen, info->etag, elen))
        return -EINVAL;
    if (tlen == 0 || tlen > HTTPD_CONTENT_TYPE_MAX)
        return -EINVAL;
    for (i = 0; i < tlen; i++)
        if (info->content_type[i] < 0x20 || info->content_type[i] > 0x7e)
            return -EINVAL;

    memset(f, 0, sizeof(*f));
    f->data = info->data;
    f->size = info->size;
    f->mtime = info->mtime;
    f->content_type = info->content_type;
    f->gzip = info->gzip;
    memcpy(f->etag, info->etag, elen + 1);
    f->etag_len = (uint8_t)elen;

    httpd_date_format(info->mtime, date);
    put_lit(&b, "Last-Modified: ");
    put(&b, date, HTTPD_DATE_LEN);
    put_lit(&b, CRLF "ETag: ");
    put(&b, f->etag, elen);
    put_lit(&b, CRLF);
    /* RFC 9110 12.5.5: the choice depended on Accept-Encoding, for either variant. */
    if (info->has_gzip_variant || info->gzip)
        put_lit(&b, "Vary: Accept-Encoding" CRLF);
    f->validators = (uint16_t)b.n;
    put_lit(&b, "Content-Type: ");
    put(&b, info->content_type, tlen);
    put_lit(&b, CRLF);
    if (info->gzip)
        put_lit(&b, "Content-Encoding: gzip" CRLF);
    f->type = (uint16_t)b.n;
    put_lit(&b, "Content-Length: ");
    put_u64(&b, info->size);
    put_lit(&b, CRLF);
    f->length = (uint16_t)b.n;
    put_lit(&b, "Accept-Ranges: bytes" CRLF);
    f->hdr_len = (uint16_t)b.n;
    return b.full ? -EINVAL : 0; /* cannot happen within the limits checked above */
}

/* --- decisions ------------------------------------------------------------------------------
 */

static bool not_modified(const struct httpd_request *req, const struct httpd_file *f,
                         const struct httpd_clock *clock)
{
    int64_t since;

    if (req->if_none_match.ptr != NULL)
        return httpd_etag_list_match(req->if_none_match.ptr, req->if_none_match.len, f->etag,
                                     f->etag_len);
    /* RFC 9110 13.1.3: an invalid date is ignored; so is one in the future (as Apache does): a
     * client cannot have seen a later version than the present one. */
    if (req->if_modified_since.ptr == NULL ||
        httpd_date_parse(req->if_modified_since.ptr, req->if_modified_since.len, &since) != 0 ||
        since > clock->sec)
        return false;
    return f->mtime <= since;
}

/* If-Range (RFC 9110 13.1.5): the Range applies only if the client's copy is this one. */
static bool if_range_holds(const struct httpd_request *req, const struct httpd_file *f)
{
    const struct httpd_field *v = &req->if_range;
    int64_t date;

    if (v->ptr == NULL)
        return true;
    if (httpd_is_etag(v->ptr, v->len))
        return httpd_etag_strong_match(v->ptr, v->len, f->etag, f->etag_len);
    return httpd_date_parse(v->ptr, v->len, &date) == 0 && date == f->mtime;
}

int httpd_response_file(const struct httpd_request *req, const struct httpd_file *plain,
                        const struct httpd_file *gz, const struct httpd_clock *clock, char *buf,
                        size_t cap, struct httpd_response *out)
{
    struct block b = {buf, cap, 0, false};
    const struct httpd_file *f = plain;
    uint64_t first = 0, last = 0;
    enum httpd_range_kind range = HTTPD_RANGE_NONE;
    bool head = req->method == HTTPD_METHOD_HEAD;

    if (req->status != 0)
        return httpd_response_error(req, req->status, clock, buf, cap, out);
    if (gz != NULL && httpd_accepts_gzip(req->accept_encoding.ptr, req->accept_encoding.len))
        f = gz;

    if (not_modified(req, f, clock)) {
        start(out, req, 304);
        out->file = f;
        put_head(&b, 304, clock);
        put(&b, f->hdr, f->validators);
        put_end(&b, req, out);
        return finish(&b, out);
    }

    /* RFC 9110 14.2: Range is defined for GET only. */
    if (req->method == HTTPD_METHOD_GET && req->range.ptr != NULL && if_range_holds(req, f))
        range = httpd_range_parse(req->range.ptr, req->range.len, f->size, &first, &last);

    if (range == HTTPD_RANGE_UNSATISFIABLE) {
        const struct status *s = status_of(416);
        start(out, req, 416);
        out->body = s->page;
        out->body_len = strlen(s->page);
        put_head(&b, 416, clock);
        put_lit(&b, "Content-Range: bytes */");
        put_u64(&b, f->size);
        put_lit(&b, CRLF "Content-Type: text/html; charset=utf-8" CRLF "Content-Length: ");
        put_u64(&b, out->body_len);
        put_lit(&b, CRLF);
        put_end(&b, req, out);
        return finish(&b, out);
    }

    if (range == HTTPD_RANGE_SINGLE) {
        start(out, req, 206);
        out->file = f;
        out->offset = first;
        out->length = last - first + 1;
        put_head(&b, 206, clock);
        put(&b, f->hdr, f->type);
        put_lit(&b, "Content-Range: bytes ");
        put_u64(&b, first);
        put_lit(&b, "-");
        put_u64(&b, last);
        put_lit(&b, "/");
        put_u64(&b, f->size);
        put_lit(&b, CRLF "Content-Length: ");
        put_u64(&b, out->length);
        put_lit(&b, CRLF);
        put(&b, f->hdr + f->length, f->hdr_len - f->length);
        put_end(&b, req, out);
        return finish(&b, out);
    }

    /* The hot path: everything but Date and Connection is precomputed. */
    start(out, req, 200);
    out->file = f;
    out->length = head ? 0 : f->size;
    put_lit(&b, "HTTP/1.1 200 OK" CRLF SERVER_LINE "Date: ");
    put(&b, clock->text, HTTPD_DATE_LEN);
    put_lit(&b, CRLF);
    put(&b, f->hdr, f->hdr_len);
    put_end(&b, req, out);
    return finish(&b, out);
}

/* An answer with a fixed page, plus an optional extra header line (Allow, Location). */
static int page(const struct httpd_request *req, uint16_t code, const char *name, const char *value,
                const struct httpd_clock *clock, char *buf, size_t cap, struct httpd_response *out)
{
    struct block b = {buf, cap, 0, false};
    const struct status *s = status_of(code);

    if (s == NULL || s->page == NULL) {
        code = 500; /* a caller's mistake; still a well-formed answer */
        s = status_of(code);
    }
    start(out, req, code);
    if (req->method != HTTPD_METHOD_HEAD) {
        out->body = s->page;
        out->body_len = strlen(s->page);
    }
    put_head(&b, code, clock);
    if (name != NULL) {
        puts_(&b, name);
        put_lit(&b, ": ");
        puts_(&b, value);
        put_lit(&b, CRLF);
    }
    put_lit(&b, "Content-Type: text/html; charset=utf-8" CRLF "Content-Length: ");
    put_u64(&b, strlen(s->page));
    put_lit(&b, CRLF);
    put_end(&b, req, out);
    return finish(&b, out);
}

int httpd_response_error(const struct httpd_request *req, uint16_t status,
                         const struct httpd_clock *clock, char *buf, size_t cap,
                         struct httpd_response *out)
{
    if (status == 405) /* RFC 9110 15.5.6: MUST list the methods the target supports */
        return page(req, 405, "Allow", "GET, HEAD", clock, buf, cap, out);
    return page(req, status, NULL, NULL, clock, buf, cap, out);
}

int httpd_response_redirect(const struct httpd_request *req, const char *location,
                            const struct httpd_clock *clock, char *buf, size_t cap,
                            struct httpd_response *out)
{
    for (const char *p = location; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return -EINVAL; /* never a header injection, whatever the caller passes */
    return page(req, 301, "Location", location, clock, buf, cap, out);
}
