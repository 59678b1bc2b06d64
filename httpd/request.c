/*
 * HTTP/1.x request parsing on llhttp (see request.h for the rules).
 *
 * llhttp parses; its callbacks copy the target and the few header values the response needs
 * into the parser, and stop it (HPE_PAUSED) at the end of the header section and at the end of
 * each message.  The first stop tells where the body starts, so every part of a message is
 * measured exactly against its limit; the second hands the request to the caller before a byte
 * of the next one is parsed.  httpd_request_feed() never lets llhttp see more bytes than the
 * current part's limit allows, so a limit is found on the byte that crosses it.
 */
#include <string.h>

#include "httpd/request.h"
#include "llhttp.h"

_Static_assert(sizeof(llhttp_t) <= sizeof(((struct httpd_parser *)0)->ll),
               "HTTPD_LLHTTP_WORDS too small for this llhttp");
_Static_assert(_Alignof(llhttp_t) <= _Alignof(uint64_t), "llhttp_t alignment");

enum phase {
    PH_IDLE,    /* no byte of the next request yet */
    PH_LINE,    /* in the request line (or the empty lines before it) */
    PH_HEADERS, /* in the header section */
    PH_BODY,    /* in a body being discarded (or a chunked trailer section) */
    PH_READY,   /* a request was handed out */
    PH_CLOSED,  /* the connection ends: no more input */
};

/* Header fields kept for the response; FLD_NONE for the others. */
enum field {
    FLD_NONE,
    FLD_HOST,
    FLD_IF_NONE_MATCH,
    FLD_IF_MODIFIED_SINCE,
    FLD_RANGE,
    FLD_IF_RANGE,
    FLD_ACCEPT_ENCODING,
    FLD_TRANSFER_ENCODING,
    FLD_EXPECT,
};

static const struct {
    const char *name; /* lowercase */
    uint8_t len;      /* strlen(name) */
    bool list;        /* a list field: several lines are joined (RFC 9110 5.3) */
} fields[] = {
#define FIELD(f, name, list) [f] = {name, sizeof(name) - 1, list}
    FIELD(FLD_HOST, "host", false),
    FIELD(FLD_IF_NONE_MATCH, "if-none-match", true),
    FIELD(FLD_IF_MODIFIED_SINCE, "if-modified-since", false),
    FIELD(FLD_RANGE, "range", false),
    FIELD(FLD_IF_RANGE, "if-range", false),
    FIELD(FLD_ACCEPT_ENCODING, "accept-encoding", true),
    FIELD(FLD_TRANSFER_ENCODING, "transfer-encoding", true),
    FIELD(FLD_EXPECT, "expect", true),
#undef FIELD
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static llhttp_t *ll_of(struct httpd_parser *p)
{
    return (llhttp_t *)p->ll;
}

static struct httpd_parser *parser_of(llhttp_t *ll)
{
    return ll->data;
}

static struct httpd_field *slot(struct httpd_parser *p, enum field f)
{
    switch (f) {
    case FLD_HOST:
        return &p->req.host;
    case FLD_IF_NONE_MATCH:
        return &p->req.if_none_match;
    case FLD_IF_MODIFIED_SINCE:
        return &p->req.if_modified_since;
    case FLD_RANGE:
        return &p->req.range;
    case FLD_IF_RANGE:
        return &p->req.if_range;
    case FLD_ACCEPT_ENCODING:
        return &p->req.accept_encoding;
    case FLD_TRANSFER_ENCODING:
        return &p->te;
    case FLD_EXPECT:
        return &p->expect;
    case FLD_NONE:
        break;
    }
    return NULL;
}

/* Position of a byte of the chunk llhttp is parsing, counted from the start of the message. */
static uint64_t msg_offset(const struct httpd_parser *p, const char *at)
{
    return p->msg_bytes + (uint64_t)(at - p->buf);
}

/* Reject the request with status; the connection ends after the answer.  Returns the value a
 * data callback returns to stop llhttp. */
static int fail(struct httpd_parser *p, uint16_t status)
{
    if (p->req.status == 0 || p->req.status == 405)
        p->req.status = status;
    p->req.keep_alive = false;
    p->close_after = true;
    return HPE_USER;
}

static void start_message(struct httpd_parser *p)
{
    memset(&p->req, 0, sizeof(p->req));
    p->target[0] = '\0';
    p->req.target = p->target;
    p->msg_bytes = 0;
    p->line_end = 0;
    p->head_end = 0;
    p->phase = PH_IDLE;
    p->field = FLD_NONE;
    p->close_after = false;
    p->span_closed = false;
    p->in_value = false;
    p->name_len = 0;
    p->version_len = 0;
    p->host_count = 0;
    p->dup = 0;
    p->te = (struct httpd_field){0};
    p->expect = (struct httpd_field){0};
    p->store_used = 0;
}

/* --- llhttp callbacks -------------------------------------------------------------------------
 * A data callback returns 0 to go on, or HPE_USER after fail(); llhttp then stops with that
 * error and httpd_request_feed() hands out the request with its status. */

static int on_url(llhttp_t *ll, const char *at, size_t len)
{
    struct httpd_parser *p = parser_of(ll);

    if (len > HTTPD_TARGET_MAX - p->req.target_len)
        return fail(p, 414);
    memcpy(p->target + p->req.target_len, at, len);
    p->req.target_len += len;
    p->target[p->req.target_len] = '\0';
    return 0;
}

static int on_version(llhttp_t *ll, const char *at, size_t len)
{
    struct httpd_parser *p = parser_of(ll);
    size_t room = sizeof(p->version) - p->version_len;

    /* Only kept to tell "HTTP/1.2" (505) from "HTTP/1.x" (400): a longer one is neither. */
    if (len > room)
        len = room;
    memcpy(p->version + p->version_len, at, len);
    p->version_len += len;
    p->line_end = msg_offset(p, at + len);
    return 0;
}

/* RFC 9110 2.5: a server answers a major version it does not support with 505.  llhttp takes
 * 0.9, 1.0, 1.1 and 2.0 (and rejects the rest itself, see parse_error()). */
static int check_version(struct httpd_parser *p)
{
    llhttp_t *ll = ll_of(p);

    if (ll->http_major != 1 || ll->http_minor > 1)
        return fail(p, 505);
    return 0;
}

static int on_version_complete(llhttp_t *ll)
{
    struct httpd_parser *p = parser_of(ll);

    if (check_version(p) != 0)
        return HPE_USER;
    p->phase = PH_HEADERS;
    return 0;
}

static int on_header_field(llhttp_t *ll, const char *at, size_t len)
{
    struct httpd_parser *p = parser_of(ll);

    /* Names are compared once complete; one longer than any kept name is simply not kept. */
    if (len > sizeof(p->name) - p->name_len) {
        p->name_len = sizeof(p->name);
        return 0;
    }
    memcpy(p->name + p->name_len, at, len);
    p->name_len += len;
    return 0;
}

static enum field lookup_field(const struct httpd_parser *p)
{
    for (size_t f = 1; f < NFIELDS; f++)
        if (fields[f].len == p->name_len && strncasecmp(p->name, fields[f].name, p->name_len) == 0)
            return f;
    return FLD_NONE;
}

/* Make room to append to a kept field: a new value starts at the end of the store; a list
 * field seen before is moved to the end (if another value follows it) and gets ", ". */
static int begin_value(struct httpd_parser *p, enum field f)
{
    struct httpd_field *s = slot(p, f);

    if (s->ptr == NULL) {
        if (p->store_used >= sizeof(p->store)) /* no room even for the NUL */
            return fail(p, 431);
        s->ptr = p->store + p->store_used;
        s->len = 0;
        return 0;
    }
    if (s->ptr + s->len + 1 == p->store + p->store_used) {
        p->store_used--; /* it is the last value: just drop its NUL */
    } else {
        if (s->len + 2 >= sizeof(p->store) - p->store_used)
            return fail(p, 431);
        memcpy(p->store + p->store_used, s->ptr, s->len);
        s->ptr = p->store + p->store_used;
        p->store_used += s->len;
    }
    if (sizeof(p->store) - p->store_used < 3)
        return fail(p, 431);
    memcpy(p->store + p->store_used, ", ", 2);
    p->store_used += 2;
    s->len += 2;
    return 0;
}

static int on_header_field_complete(llhttp_t *ll)
{
    struct httpd_parser *p = parser_of(ll);
    enum field f = lookup_field(p);

    p->name_len = 0;
    p->in_value = false;
    p->field = FLD_NONE;
    /* Fields of a chunked trailer section (RFC 9112 7.1.2) are discarded with the body. */
    if (p->phase != PH_HEADERS || f == FLD_NONE)
        return 0;
    if (f == FLD_HOST)
        p->host_count++;
    if (!fields[f].list && slot(p, f)->ptr != NULL) {
        p->dup |= 1u << f; /* judged at the end of the header section */
        return 0;
    }
    p->field = f;
    return begin_value(p, f);
}

static int on_header_value(llhttp_t *ll, const char *at, size_t len)
{
    struct httpd_parser *p = parser_of(ll);

    /*
     * llhttp gives one value in several spans either because a chunk ended inside it (the next
     * span then starts the next chunk) or because of obs-fold, a line continued after CRLF SP,
     * which RFC 9112 5.2 lets a server reject with 400.  Anything but the first is obs-fold.
     */
    if (p->in_value && (p->span_closed || at != p->buf))
        return fail(p, 400);
    p->in_value = true;
    p->span_closed = at + len != p->buf_end;
    if (p->field == FLD_NONE)
        return 0;
    if (len >= sizeof(p->store) - p->store_used)
        return fail(p, 431);
    memcpy(p->store + p->store_used, at, len);
    p->store_used += len;
    slot(p, p->field)->len += len;
    return 0;
}

static int on_header_value_complete(llhttp_t *ll)
{
    struct httpd_parser *p = parser_of(ll);
    struct httpd_field *s;

    p->in_value = false;
    if (p->field == FLD_NONE)
        return 0;
    s = slot(p, p->field);
    /* llhttp skips leading whitespace but keeps trailing (RFC 9112 5: OWS around the value). */
    while (s->len > 0 && (s->ptr[s->len - 1] == ' ' || s->ptr[s->len - 1] == '\t')) {
        s->len--;
        p->store_used--;
    }
    p->store[p->store_used++] = '\0'; /* on_header_value left room for it */
    p->field = FLD_NONE;
    return 0;
}

/* RFC 9110 7.2: Host = uri-host [ ":" port ], uri-host from RFC 3986 (reg-name or IP literal).
 * The value is never used to find a file, but it is checked so that nothing odd (spaces,
 * slashes, quotes) reaches a log line. */
static bool host_valid(const struct httpd_field *h)
{
    static const char extra[] = "-._~!$&'()*+,;=%:[]"; /* unreserved, sub-delims, port, IP */

    for (size_t i = 0; i < h->len; i++) {
        char c = h->ptr[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && memchr(extra, c, sizeof(extra) - 1) == NULL)
            return false;
    }
    return true;
}

/* Next element of a comma-separated list of tokens (RFC 9110 5.6.1), OWS trimmed; empty
 * elements are skipped.  Returns false at the end. */
static bool next_token(const char **cur, const char *end, const char **tok, size_t *len)
{
    const char *s = *cur;

    for (;;) {
        while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
            s++;
        if (s == end) {
            *cur = s;
            return false;
        }
        const char *e = s;
        while (e < end && *e != ',')
            e++;
        *cur = e;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        *tok = s;
        *len = (size_t)(e - s);
        return true;
    }
}

static bool list_has(const struct httpd_field *f, const char *token)
{
    const char *cur = f->ptr, *end, *tok;
    size_t n = strlen(token), len;

    if (f->ptr == NULL)
        return false;
    end = f->ptr + f->len;
    while (next_token(&cur, end, &tok, &len))
        if (len == n && strncasecmp(tok, token, n) == 0)
            return true;
    return false;
}

/* The only transfer coding accepted is a single "chunked" (RFC 9112 6.1: a server that does
 * not understand a coding answers 501, but a request this server only discards the body of is
 * better refused as malformed, before anything of its body is looked at). */
static bool te_is_chunked(const struct httpd_field *te)
{
    const char *cur = te->ptr, *end, *tok;
    size_t len;

    if (te->ptr == NULL)
        return false;
    end = te->ptr + te->len;
    if (!next_token(&cur, end, &tok, &len))
        return false;
    if (len != 7 || strncasecmp(tok, "chunked", 7) != 0)
        return false;
    return !next_token(&cur, end, &tok, &len);
}

/* The end of the header section: the request's meaning is known, apply the server's rules.
 * Returns HPE_PAUSED in every case: feed() then notes where the body starts, or hands out the
 * request when it must be answered now.  (on_headers_complete cannot return HPE_USER.) */
static int on_headers_complete(llhttp_t *ll)
{
    struct httpd_parser *p = parser_of(ll);
    struct httpd_request *r = &p->req;

    p->phase = PH_BODY;
    /* Upgrade (h2c, websocket) is optional for a server (RFC 9110 7.8): answer in HTTP/1.1.
     * CONNECT is refused with 405 like other methods, so its "tunnel" never starts. */
    ll->upgrade = 0;

    r->version_minor = ll->http_minor;
    r->method = ll->method == HTTP_GET    ? HTTPD_METHOD_GET
                : ll->method == HTTP_HEAD ? HTTPD_METHOD_HEAD
                                          : HTTPD_METHOD_OTHER;
    r->keep_alive = llhttp_should_keep_alive(ll);
    r->chunked = (ll->flags & F_CHUNKED) != 0;
    r->content_length = r->chunked ? 0 : ll->content_length;
    r->has_body = r->chunked || r->content_length > 0;

    if (check_version(p) != 0) /* "GET /" alone: HTTP/0.9, which has no version field */
        goto now;
    if (ll->flags & F_TRANSFER_ENCODING) {
        /* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing. */
        if (r->version_minor == 0 || !te_is_chunked(&p->te)) {
            fail(p, 400);
            goto now;
        }
    }
    if (p->host_count > 1 || (r->version_minor == 1 && p->host_count == 0) ||
        (r->host.ptr != NULL && !host_valid(&r->host))) {
        fail(p, 400); /* RFC 9112 3.2 */
        goto now;
    }
    if (p->dup & (1u << FLD_IF_MODIFIED_SINCE))
        r->if_modified_since = (struct httpd_field){0};
    if (p->dup & (1u << FLD_RANGE))
        r->range = (struct httpd_field){0};
    if (p->dup & (1u << FLD_IF_RANGE)) {
        r->if_range = (struct httpd_field){0};
        r->range = (struct httpd_field){0}; /* an If-Range that cannot match: full 200 */
    }
    if (r->method == HTTPD_METHOD_OTHER)
        r->status = 405;
    if (r->has_body && r->content_length > HTTPD_BODY_DISCARD_MAX) {
        fail(p, 413);
        goto now;
    }
    /* RFC 9110 10.1.1: a 1.0 client's 100-continue is ignored.  A 1.1 client waits for
     * "100 Continue" before sending the body; answer at once instead, and close, since the
     * body may or may not follow. */
    r->expect_continue = r->version_minor == 1 && list_has(&p->expect, "100-continue");
    if (r->expect_continue && r->has_body) {
        r->keep_alive = false;
        p->close_after = true;
        goto now;
    }
    if (!r->keep_alive)
        p->close_after = true;
    return HPE_PAUSED;

now:
    p->phase = PH_READY;
    return HPE_PAUSED;
}

static int on_message_complete(llhttp_t *ll)
{
    struct httpd_parser *p = parser_of(ll);

    p->phase = PH_READY;
    return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
    .on_url = on_url,
    .on_version = on_version,
    .on_version_complete = on_version_complete,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

/* --- feeding ----------------------------------------------------------------------------------
 */

/* An error of llhttp's own: 505 for a version that is well-formed but not 1.0/1.1 (llhttp
 * stops on "HTTP/1.2" and "HTTP/3" before our callbacks see them), 400 for anything else. */
static void parse_error(struct httpd_parser *p, enum llhttp_errno err, const char *pos)
{
    const char *v = p->version;
    size_t n = p->version_len;
    /* llhttp reads one digit each side of the dot.  "HTTP/3" is not HTTP-version syntax, but
     * its meaning is clear (if followed by the line end); "HTTP/1" is not. */
    bool one = n == 1 && v[0] >= '0' && v[0] <= '9' && v[0] != '1' && pos < p->buf_end &&
               (*pos == '\r' || *pos == '\n');
    bool two = n == 3 && v[0] >= '0' && v[0] <= '9' && v[1] == '.' && v[2] >= '0' && v[2] <= '9' &&
               !(v[0] == '1' && (v[2] == '0' || v[2] == '1'));

    if (p->req.status != 0 && p->req.status != 405) {
        fail(p, p->req.status); /* our callback's (HPE_USER and the like) */
        return;
    }
    if (err == HPE_INVALID_VERSION && (one || two))
        fail(p, 505);
    else
        fail(p, 400);
}

/* Where the current part of the message must end, counted from the start of the message; a
 * part that does not end by then gets the part's status. */
static uint64_t part_limit(const struct httpd_parser *p, uint16_t *status)
{
    switch (p->phase) {
    case PH_IDLE:
    case PH_LINE:
        *status = 400; /* a target too long is 414 from on_url(), before this */
        return HTTPD_TARGET_MAX + HTTPD_REQUEST_LINE_SLACK;
    case PH_HEADERS:
        *status = 431;
        return p->line_end + HTTPD_HEADER_MAX;
    default:
        *status = 413;
        return p->head_end + HTTPD_BODY_DISCARD_MAX;
    }
}

void httpd_request_init(struct httpd_parser *p)
{
    llhttp_t *ll = ll_of(p);

    memset(p, 0, sizeof(*p));
    llhttp_init(ll, HTTP_REQUEST, &settings);
    ll->data = p;
    start_message(p);
}

enum httpd_feed_result httpd_request_feed(struct httpd_parser *p, const char *data, size_t len,
                                          size_t *consumed)
{
    static const char empty[1];
    llhttp_t *ll = ll_of(p);
    bool run = false; /* llhttp has work to do even without input (after a stop) */

    *consumed = 0;
    if (p->phase == PH_READY) {
        if (p->close_after || !p->req.keep_alive) {
            p->phase = PH_CLOSED;
        } else {
            llhttp_resume(ll); /* stopped at the end of the message handed out */
            start_message(p);
        }
    }
    if (p->phase == PH_CLOSED)
        return HTTPD_FEED_CLOSED;
    if (data == NULL)
        data = empty;

    while (len > 0 || run) {
        uint16_t status;
        uint64_t limit = part_limit(p, &status);
        size_t n = len, used;
        enum llhttp_errno err;

        if (p->msg_bytes >= limit) {
            if (len == 0)
                break;
            fail(p, status);
            p->phase = PH_READY;
            return HTTPD_FEED_REQUEST;
        }
        if (n > limit - p->msg_bytes)
            n = limit - p->msg_bytes;
        if (p->phase == PH_IDLE)
            p->phase = PH_LINE;
        p->buf = data;
        p->buf_end = data + n;
        err = llhttp_execute(ll, data, n);
        used = err == HPE_OK ? n : (size_t)(llhttp_get_error_pos(ll) - data);
        run = false;
        p->msg_bytes += used;
        data += used;
        len -= used;
        *consumed += used;
        if (err == HPE_OK)
            continue;
        if (err == HPE_PAUSED) {
            if (p->phase == PH_READY)
                return HTTPD_FEED_REQUEST;
            /* Stopped at the end of the header section: the body (if any) starts here. */
            p->head_end = p->msg_bytes;
            llhttp_resume(ll);
            run = true; /* a request without body completes without another byte */
            continue;
        }
        parse_error(p, err, data);
        p->phase = PH_READY;
        return HTTPD_FEED_REQUEST;
    }
    return HTTPD_FEED_MORE;
}

struct httpd_request *httpd_request_get(struct httpd_parser *p)
{
    return &p->req;
}

bool httpd_request_in_progress(const struct httpd_parser *p)
{
    return p->phase == PH_LINE || p->phase == PH_HEADERS || p->phase == PH_BODY;
}
