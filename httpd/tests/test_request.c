/*
 * Host tests of the request parser: table-driven.  Each case is a byte stream; the parser's
 * requests are summarized as text ("GET /a 1.1 ka host=x | ...") and compared, so the same table
 * also checks that feeding the stream in two pieces split at every byte, or one byte at a time,
 * gives the same requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "httpd/request.h"

#define SUMMARY_MAX 16384

static void add(char *out, const char *fmt, ...)
{
    size_t n = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, SUMMARY_MAX - n, fmt, ap);
    va_end(ap);
}

static void add_field(char *out, const char *name, const struct httpd_field *f)
{
    if (f->ptr == NULL)
        return;
    assert_int_equal(strlen(f->ptr), f->len); /* NUL-terminated, no NUL inside */
    add(out, " %s=[%s]", name, f->ptr);
}

static void summarize(char *out, const struct httpd_request *r)
{
    static const char *const methods[] = {"GET", "HEAD", "OTHER"};

    if (out[0] != '\0')
        add(out, " | ");
    if (r->status != 0 && r->status != 405) {
        add(out, "%u%s", r->status, r->keep_alive ? " ka!" : "");
        return;
    }
    if (r->status == 405)
        add(out, "405 ");
    assert_int_equal(strlen(r->target), r->target_len);
    add(out, "%s %s 1.%u%s", methods[r->method], r->target, r->version_minor,
        r->keep_alive ? " ka" : "");
    add_field(out, "host", &r->host);
    add_field(out, "inm", &r->if_none_match);
    add_field(out, "ims", &r->if_modified_since);
    add_field(out, "range", &r->range);
    add_field(out, "ir", &r->if_range);
    add_field(out, "ae", &r->accept_encoding);
    if (r->has_body)
        add(out, " body=%s%llu", r->chunked ? "chunked" : "",
            (unsigned long long)r->content_length);
    if (r->expect_continue)
        add(out, " expect");
}

/*
 * Feed len bytes of in to a new parser, cut into pieces: at `split` (one cut), or every `step`
 * bytes when step > 0.  Requests are summarized into out; the parser is answered (fed again)
 * after each, like the connection layer does.  A trailing " ..." means bytes were left over
 * after the connection closed, " +" that a request was incomplete at the end.
 */
static void run(const char *in, size_t len, size_t split, size_t step, char *out)
{
    static struct httpd_parser p;
    size_t pos = 0;
    size_t piece_end = step > 0 ? step : split;

    out[0] = '\0';
    httpd_request_init(&p);
    assert_false(httpd_request_in_progress(&p));
    for (;;) {
        size_t end = piece_end < len ? piece_end : len;
        size_t used;
        enum httpd_feed_result res = httpd_request_feed(&p, in + pos, end - pos, &used);

        assert_true(used <= end - pos);
        pos += used;
        if (res == HTTPD_FEED_CLOSED) {
            assert_int_equal(used, 0);
            if (pos < len)
                add(out, " ...");
            return;
        }
        if (res == HTTPD_FEED_REQUEST) {
            summarize(out, httpd_request_get(&p));
            assert_false(httpd_request_in_progress(&p));
            continue;
        }
        assert_int_equal(pos, end);
        if (end == len) {
            if (httpd_request_in_progress(&p))
                add(out, " +");
            return;
        }
        piece_end = step > 0 ? piece_end + step : len;
    }
}

struct req_case {
    const char *name;
    const char *in;
    const char *want;
};

#define CRLF "\r\n"
#define H11  " HTTP/1.1\r\nHost: a\r\n"

static const struct req_case cases[] = {
    /* --- good requests ----------------------------------------------------------------------- */
    {"get", "GET /" H11 CRLF, "GET / 1.1 ka host=[a]"},
    {"head", "HEAD /x.css" H11 CRLF, "HEAD /x.css 1.1 ka host=[a]"},
    {"query kept", "GET /a?b=c&d=%20" H11 CRLF, "GET /a?b=c&d=%20 1.1 ka host=[a]"},
    {"absolute form", "GET http://h:8080/p?q HTTP/1.1\r\nHost: h:8080\r\n\r\n",
     "GET http://h:8080/p?q 1.1 ka host=[h:8080]"},
    {"fields kept",
     "GET / HTTP/1.1\r\nHOST: a\r\nif-none-match: \"x\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 "
     "08:49:37 GMT\r\nRange: bytes=0-9\r\nIf-Range: \"x\"\r\nAccept-Encoding: gzip, br\r\n"
     "User-Agent: t\r\nCookie: c=1\r\n\r\n",
     "GET / 1.1 ka host=[a] inm=[\"x\"] ims=[Sun, 06 Nov 1994 08:49:37 GMT] range=[bytes=0-9] "
     "ir=[\"x\"] ae=[gzip, br]"},
    {"whitespace trimmed", "GET / HTTP/1.1\r\nHost:   a \t \r\nAccept-Encoding:\tgzip  \r\n\r\n",
     "GET / 1.1 ka host=[a] ae=[gzip]"},
    {"empty values", "GET / HTTP/1.1\r\nHost:\r\nAccept-Encoding: \r\n\r\n",
     "GET / 1.1 ka host=[] ae=[]"},
    {"list lines joined",
     "GET / HTTP/1.1\r\nIf-None-Match: \"a\"\r\nHost: a\r\nIf-None-Match: \"b\", \"c\"\r\n"
     "Accept-Encoding: gzip\r\nIf-None-Match: W/\"d\"\r\n\r\n",
     "GET / 1.1 ka host=[a] inm=[\"a\", \"b\", \"c\", W/\"d\"] ae=[gzip]"},
    {"list lines joined in place",
     "GET /" H11 "Accept-Encoding: gzip\r\nAccept-Encoding: br\r\n\r\n",
     "GET / 1.1 ka host=[a] ae=[gzip, br]"},
    {"singletons sent twice dropped",
     "GET /" H11 "If-Modified-Since: x\r\nIf-Modified-Since: y\r\nRange: bytes=1-2\r\n"
     "Range: bytes=3-4\r\n\r\n",
     "GET / 1.1 ka host=[a]"},
    {"if-range twice drops range",
     "GET /" H11 "Range: bytes=1-2\r\nIf-Range: \"a\"\r\nIf-Range: \"b\"\r\n\r\n",
     "GET / 1.1 ka host=[a]"},
    {"1.0 without host", "GET / HTTP/1.0\r\n\r\n", "GET / 1.0"},
    {"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET / 1.0 ka"},
    {"1.0 keep-alive token", "GET / HTTP/1.0\r\nConnection: foo, Keep-Alive\r\n\r\n",
     "GET / 1.0 ka"},
    {"1.1 close", "GET /" H11 "Connection: close\r\n\r\n", "GET / 1.1 host=[a]"},
    {"1.1 close token", "GET /" H11 "Connection: foo, close\r\n\r\n", "GET / 1.1 host=[a]"},
    {"1.1 keep-alive explicit", "GET /" H11 "Connection: keep-alive\r\n\r\n",
     "GET / 1.1 ka host=[a]"},
    {"empty lines before request", "\r\n\r\nGET /" H11 CRLF, "GET / 1.1 ka host=[a]"},
    {"upgrade ignored",
     "GET /a" H11 "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\nGET /b" H11 CRLF,
     "GET /a 1.1 ka host=[a] | GET /b 1.1 ka host=[a]"},
    {"expect without body", "GET /" H11 "Expect: 100-continue\r\n\r\n",
     "GET / 1.1 ka host=[a] expect"},
    {"expect with body answered now",
     "GET /" H11 "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhelloGET /" H11 CRLF,
     "GET / 1.1 host=[a] body=5 expect ..."},
    {"expect in 1.0 ignored", "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", "GET / 1.0"},
    {"incomplete", "GET / HTTP/1.1\r\nHost: a\r\n", " +"},

    /* --- pipelining ------------------------------------------------------------------------- */
    {"three pipelined", "GET /1" H11 CRLF "HEAD /2" H11 CRLF "GET /3" H11 CRLF,
     "GET /1 1.1 ka host=[a] | HEAD /2 1.1 ka host=[a] | GET /3 1.1 ka host=[a]"},
    {"pipelined stop after close", "GET /1" H11 "Connection: close\r\n\r\nGET /2" H11 CRLF,
     "GET /1 1.1 host=[a] ..."},
    {"pipelined 1.0", "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", "GET /1 1.0 ..."},
    {"pipelined after error", "GET /1 HTTP/1.1\r\n\r\nGET /2" H11 CRLF, "400 ..."},

    /* --- bodies ----------------------------------------------------------------------------- */
    {"get with body", "GET /1" H11 "Content-Length: 5\r\n\r\nhelloGET /2" H11 CRLF,
     "GET /1 1.1 ka host=[a] body=5 | GET /2 1.1 ka host=[a]"},
    {"get with body looking like a request",
     "GET /1" H11 "Content-Length: 22\r\n\r\nGET /evil HTTP/1.1\r\n\r\nGET /2" H11 CRLF,
     "GET /1 1.1 ka host=[a] body=22 | GET /2 1.1 ka host=[a]"},
    {"content-length 0", "GET /" H11 "Content-Length: 0\r\n\r\n", "GET / 1.1 ka host=[a]"},
    {"head with chunked body",
     "HEAD /1" H11 "Transfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nTrailer-X: 1\r\n"
     "Host: b\r\n\r\nGET /2" H11 CRLF,
     "HEAD /1 1.1 ka host=[a] body=chunked0 | GET /2 1.1 ka host=[a]"},
    {"chunked case-insensitive", "GET /" H11 "Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
     "GET / 1.1 ka host=[a] body=chunked0"},
    {"body incomplete", "GET /" H11 "Content-Length: 5\r\n\r\nhel", " +"},
    {"content-length too large", "GET /" H11 "Content-Length: 65537\r\n\r\nx", "413 ..."},
    {"content-length at limit", "GET /" H11 "Content-Length: 65536\r\n\r\n", " +"},
    {"content-length overflow", "GET /" H11 "Content-Length: 99999999999999999999999\r\n\r\n",
     "400 ..."},
    {"content-length negative", "GET /" H11 "Content-Length: -1\r\n\r\n", "400 ..."},
    {"content-length twice", "GET /" H11 "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx",
     "400 ..."},
    {"content-length list", "GET /" H11 "Content-Length: 1, 1\r\n\r\nx", "400 ..."},
    {"bad chunk size", "GET /" H11 "Transfer-Encoding: chunked\r\n\r\nzz\r\n", "400 ..."},

    /* --- request smuggling ------------------------------------------------------------------ */
    {"cl and te", "GET /" H11 "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     "400 ..."},
    {"te and cl", "GET /" H11 "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
     "400 ..."},
    {"te gzip", "GET /" H11 "Transfer-Encoding: gzip\r\n\r\n", "400"},
    {"te gzip chunked", "GET /" H11 "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "400 ..."},
    {"te chunked gzip", "GET /" H11 "Transfer-Encoding: chunked, gzip\r\n\r\n", "400 ..."},
    {"te chunked twice",
     "GET /" H11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "400 ..."},
    {"te identity", "GET /" H11 "Transfer-Encoding: identity\r\n\r\n", "400"},
    {"te in 1.0", "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400 ..."},
    {"te with space before colon", "GET /" H11 "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
     "400 ..."},
    {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", "400 ..."},
    {"obs-fold other field", "GET /" H11 "X-A: 1\r\n\t2\r\n\r\n", "400 ..."},
    {"bare lf", "GET / HTTP/1.1\nHost: a\n\n", "400 ..."},
    {"bare cr", "GET / HTTP/1.1\rHost: a\r\r", "400 ..."},

    /* --- other rejections ------------------------------------------------------------------- */
    {"no host", "GET / HTTP/1.1\r\n\r\n", "400"},
    {"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "400"},
    {"two hosts 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "400"},
    {"host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "400"},
    {"host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "400"},
    {"host ipv6", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "GET / 1.1 ka host=[[::1]:80]"},
    {"lowercase method", "get /" H11 CRLF, "400 ..."},
    {"unknown method", "BREW /" H11 CRLF, "400 ..."},
    {"tls hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "400 ..."},
    {"no target", "GET HTTP/1.1\r\nHost: a\r\n\r\n", "400 ..."},
    {"space in target", "GET /a b" H11 CRLF, "400 ..."},
    {"raw utf-8 in target", "GET /caf\xc3\xa9" H11 CRLF, "400 ..."},
    {"control in target", "GET /a\x01" H11 CRLF, "400 ..."},
    {"control in value", "GET /" H11 "X: a\x01b\r\n\r\n", "400 ..."},
    {"nul in value", "GET /" H11 "X: a\0b\r\n\r\n", "400 ..."},
    {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "400 ..."},
    {"no colon", "GET /" H11 "Hello\r\n\r\n", "400 ..."},
    {"extra in request line", "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", "400 ..."},
    {"post", "POST /" H11 CRLF, "405 OTHER / 1.1 ka host=[a]"},
    {"post with body discarded", "POST /" H11 "Content-Length: 3\r\n\r\nabcGET /" H11 CRLF,
     "405 OTHER / 1.1 ka host=[a] body=3 | GET / 1.1 ka host=[a]"},
    {"options star", "OPTIONS *" H11 CRLF, "405 OTHER * 1.1 ka host=[a]"},
    {"connect", "CONNECT a:443" H11 CRLF "GET /" H11 CRLF,
     "405 OTHER a:443 1.1 ka host=[a] | GET / 1.1 ka host=[a]"},
    {"delete close", "DELETE /x" H11 "Connection: close\r\n\r\n", "405 OTHER /x 1.1 host=[a]"},
    {"post body too large", "POST /" H11 "Content-Length: 100000\r\n\r\n", "413"},
    {"post without host", "POST / HTTP/1.1\r\n\r\n", "400"},

    /* --- versions --------------------------------------------------------------------------- */
    {"http/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "505 ..."},
    {"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "505 ..."},
    {"http/0.9 explicit", "GET / HTTP/0.9\r\n\r\n", "505 ..."},
    {"http/0.9 simple request", "GET /\r\n\r\n", "505"},
    {"http/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", "505 ..."},
    {"http/1.9", "GET / HTTP/1.9\r\n\r\n", "505 ..."},
    {"http/3", "GET / HTTP/3\r\nHost: a\r\n\r\n", "505 ..."},
    {"http/3.0", "GET / HTTP/3.0\r\n\r\n", "505 ..."},
    {"http/9.9", "GET / HTTP/9.9\r\n\r\n", "505 ..."},
    {"http/1", "GET / HTTP/1\r\n\r\n", "400 ..."},
    {"http/1.x", "GET / HTTP/1.x\r\n\r\n", "400 ..."},
    {"http/12.0", "GET / HTTP/12.0\r\n\r\n", "400 ..."},
    {"http/1.10", "GET / HTTP/1.10\r\n\r\n", "400 ..."},
    {"https/1.1", "GET / HTTPS/1.1\r\n\r\n", "400 ..."},
    {"lowercase http", "GET / http/1.1\r\n\r\n", "400 ..."},
};

static void test_cases(void **state)
{
    static char got[SUMMARY_MAX];
    int failed = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct req_case *c = &cases[i];
        size_t len = strlen(c->in);

        if (strcmp(c->name, "nul in value") == 0)
            len = strlen("GET / HTTP/1.1\r\nHost: a\r\nX: a") + 1 + strlen("b\r\n\r\n");
        run(c->in, len, len, 0, got);
        if (strcmp(got, c->want) != 0) {
            print_error("case \"%s\":\n  got  \"%s\"\n  want \"%s\"\n", c->name, got, c->want);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* Every case again, split in two at every byte, and one byte at a time. */
static void test_splits(void **state)
{
    static char whole[SUMMARY_MAX], got[SUMMARY_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct req_case *c = &cases[i];
        size_t len = strlen(c->in);

        if (strcmp(c->name, "nul in value") == 0)
            continue;
        run(c->in, len, len, 0, whole);
        for (size_t split = 0; split <= len; split++) {
            run(c->in, len, split, 0, got);
            if (strcmp(got, whole) != 0)
                fail_msg("case \"%s\" split at %zu:\n  got  \"%s\"\n  want \"%s\"", c->name, split,
                         got, whole);
        }
        run(c->in, len, 0, 1, got);
        if (strcmp(got, whole) != 0)
            fail_msg("case \"%s\" byte by byte:\n  got  \"%s\"\n  want \"%s\"", c->name, got,
                     whole);
    }
}

/* --- limits ----------------------------------------------------------------------------------
 */

static char big[4 * 65536 + 1024];

static size_t with_target(size_t target_len)
{
    size_t n = 0;
    n += (size_t)sprintf(big, "GET /");
    memset(big + n, 'a', target_len - 1);
    n += target_len - 1;
    n += (size_t)sprintf(big + n, " HTTP/1.1\r\nHost: a\r\n\r\n");
    return n;
}

static void test_target_limit(void **state)
{
    static char got[SUMMARY_MAX];
    size_t len;

    len = with_target(HTTPD_TARGET_MAX);
    run(big, len, len, 0, got);
    assert_memory_equal(got, "GET /aaa", 8);
    len = with_target(HTTPD_TARGET_MAX + 1);
    run(big, len, len, 0, got);
    assert_string_equal(got, "414 ...");
    run(big, len, 0, 1, got);
    assert_string_equal(got, "414 ...");
    run(big, len, 1000, 0, got);
    assert_string_equal(got, "414 ...");
}

/* A header section of exactly `bytes` (from the end of the version to the final CRLF,
 * inclusive), padded with an X-Pad field. */
static size_t with_headers(size_t bytes)
{
    const char *head = "GET / HTTP/1.1";
    size_t n = (size_t)sprintf(big, "%s\r\nHost: a\r\nX-Pad: ", head);
    size_t pad = bytes - (n - strlen(head)) - 4; /* the pad line's CRLF and the final CRLF */
    memset(big + n, 'p', pad);
    n += pad;
    n += (size_t)sprintf(big + n, "\r\n\r\n");
    return n;
}

static void test_header_limit(void **state)
{
    static char got[SUMMARY_MAX];
    size_t len;

    len = with_headers(HTTPD_HEADER_MAX);
    run(big, len, len, 0, got);
    assert_string_equal(got, "GET / 1.1 ka host=[a]");
    run(big, len, 0, 7, got);
    assert_string_equal(got, "GET / 1.1 ka host=[a]");
    len = with_headers(HTTPD_HEADER_MAX + 1);
    run(big, len, len, 0, got);
    assert_string_equal(got, "431 ...");
    run(big, len, 0, 1, got);
    assert_string_equal(got, "431 ...");

    /* Many small fields, and a header section that never ends. */
    len = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\n");
    while (len < 3 * HTTPD_HEADER_MAX)
        len += (size_t)sprintf(big + len, "X-A: b\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "431 ...");
}

static void test_request_line_limit(void **state)
{
    static char got[SUMMARY_MAX];
    size_t len = 0;

    /* Endless empty lines before a request: not a target, so 400. */
    while (len < HTTPD_TARGET_MAX + 2 * HTTPD_REQUEST_LINE_SLACK)
        len += (size_t)sprintf(big + len, "\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "400 ...");
}

static void test_store_limit(void **state)
{
    static char got[SUMMARY_MAX];
    size_t len = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: ");

    memset(big + len, 'e', HTTPD_FIELD_STORE_MAX);
    len += HTTPD_FIELD_STORE_MAX;
    len += (size_t)sprintf(big + len, "\r\n\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "431 ...");

    /* Joined list lines that together outgrow the store. */
    len = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < HTTPD_FIELD_STORE_MAX / 8; i++)
        len += (size_t)sprintf(big + len, "Accept-Encoding: gzip\r\nIf-None-Match: \"x\"\r\n");
    len += (size_t)sprintf(big + len, "\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "431 ...");
    run(big, len, 0, 3, got);
    assert_string_equal(got, "431 ...");
}

static void test_chunked_body_limit(void **state)
{
    static char got[SUMMARY_MAX];
    size_t len =
        (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");

    /* 16 chunks of 4 KiB: 64 KiB of data plus framing, just over the limit. */
    for (int i = 0; i < 16; i++) {
        len += (size_t)sprintf(big + len, "1000\r\n");
        memset(big + len, 'b', 4096);
        len += 4096;
        len += (size_t)sprintf(big + len, "\r\n");
    }
    len += (size_t)sprintf(big + len, "0\r\n\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "413 ...");

    /* 15 chunks fit. */
    len = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 15; i++) {
        len += (size_t)sprintf(big + len, "1000\r\n");
        memset(big + len, 'b', 4096);
        len += 4096;
        len += (size_t)sprintf(big + len, "\r\n");
    }
    len += (size_t)sprintf(big + len, "0\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "GET / 1.1 ka host=[a] body=chunked0 | GET /2 1.1 ka host=[a]");
    run(big, len, 0, 777, got);
    assert_string_equal(got, "GET / 1.1 ka host=[a] body=chunked0 | GET /2 1.1 ka host=[a]");

    /* Endless tiny chunks and trailer fields are framing, and count. */
    len = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    while (len < 2 * HTTPD_BODY_DISCARD_MAX)
        len += (size_t)sprintf(big + len, "1;e=f\r\nb\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "413 ...");
    len = (size_t)sprintf(big,
                          "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
    while (len < 2 * HTTPD_BODY_DISCARD_MAX)
        len += (size_t)sprintf(big + len, "T: x\r\n");
    run(big, len, len, 0, got);
    assert_string_equal(got, "413 ...");
}

/* Fifty requests on one connection, and the parser's state between them. */
static void test_many_keepalive(void **state)
{
    static struct httpd_parser p;
    static char buf[65536];
    size_t len = 0, pos = 0;

    for (int i = 0; i < 50; i++)
        len += (size_t)sprintf(buf + len, "GET /%d HTTP/1.1\r\nHost: a\r\n\r\n", i);
    httpd_request_init(&p);
    for (int i = 0; i < 50; i++) {
        size_t used;
        char want[16];
        assert_int_equal(httpd_request_feed(&p, buf + pos, len - pos, &used), HTTPD_FEED_REQUEST);
        pos += used;
        sprintf(want, "/%d", i);
        assert_string_equal(httpd_request_get(&p)->target, want);
        assert_true(httpd_request_get(&p)->keep_alive);
    }
    assert_int_equal(pos, len);
    size_t used;
    assert_int_equal(httpd_request_feed(&p, buf, 0, &used), HTTPD_FEED_MORE);
    assert_false(httpd_request_in_progress(&p));
    assert_int_equal(httpd_request_feed(&p, "GE", 2, &used), HTTPD_FEED_MORE);
    assert_true(httpd_request_in_progress(&p));
    assert_int_equal(httpd_request_feed(&p, NULL, 0, &used), HTTPD_FEED_MORE);

    /* The connection layer ends it after a request; the parser then takes nothing. */
    assert_int_equal(httpd_request_feed(&p, "T / HTTP/1.1\r\nHost: a\r\n\r\nGET", 28, &used),
                     HTTPD_FEED_REQUEST);
    assert_int_equal(used, 25);
    httpd_request_get(&p)->keep_alive = false;
    assert_int_equal(httpd_request_feed(&p, "GET", 3, &used), HTTPD_FEED_CLOSED);
    assert_int_equal(used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_splits),
        cmocka_unit_test(test_target_limit),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_request_line_limit),
        cmocka_unit_test(test_store_limit),
        cmocka_unit_test(test_chunked_body_limit),
        cmocka_unit_test(test_many_keepalive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
