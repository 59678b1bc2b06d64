/*
 * Host tests of response decisions: a table of request header sets -> status, exact header
 * block, and which bytes follow.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "httpd/mime.h"
#include "httpd/response.h"

#define NOW   1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */
#define MTIME 784111777  /* Sun, 06 Nov 1994 08:49:37 GMT */

#define CRLF  "\r\n"
#define DATE  "Date: Tue, 14 Nov 2023 22:13:20 GMT" CRLF
#define SRV   "Server: toril" CRLF
#define LM    "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT" CRLF
#define VARY  "Vary: Accept-Encoding" CRLF
#define HTML  "Content-Type: text/html; charset=utf-8" CRLF
#define AR    "Accept-Ranges: bytes" CRLF
#define CLOSE "Connection: close" CRLF
#define KA    "Connection: keep-alive" CRLF

/* The plain file and its .gz variant. */
#define PLAIN_VALIDATORS LM "ETag: \"abc\"" CRLF VARY
#define PLAIN_200        PLAIN_VALIDATORS HTML "Content-Length: 1234" CRLF AR
#define GZ_VALIDATORS    LM "ETag: \"abc-gz\"" CRLF VARY
#define GZ_200           GZ_VALIDATORS HTML "Content-Encoding: gzip" CRLF "Content-Length: 500" CRLF AR

static char plain_bytes[1234], gz_bytes[500];
static struct httpd_file plain, gz, lone;
static struct httpd_clock clk;

static int setup(void **state)
{
    const char *type = httpd_mime_lookup("/index.html", 11);
    struct httpd_file_info info = {plain_bytes, sizeof(plain_bytes), MTIME, "\"abc\"", type, false,
                                   true};
    assert_int_equal(httpd_file_init(&plain, &info), 0);
    info =
        (struct httpd_file_info){gz_bytes, sizeof(gz_bytes), MTIME, "\"abc-gz\"", type, true, true};
    assert_int_equal(httpd_file_init(&gz, &info), 0);
    info = (struct httpd_file_info){"", 0, 0, "\"e\"", "text/plain; charset=utf-8", false, false};
    assert_int_equal(httpd_file_init(&lone, &info), 0);
    httpd_clock_init(&clk);
    httpd_clock_now(&clk, NOW);
    return 0;
}

static struct httpd_field fld(const char *s)
{
    return (struct httpd_field){s, s != NULL ? strlen(s) : 0};
}

struct resp_case {
    const char *name;
    /* the request */
    enum httpd_method method;
    int minor;
    bool close;
    const char *inm, *ims, *range, *if_range, *ae;
    /* the answer */
    uint16_t status;
    const char *head;
    char which; /* representation sent: 'p' plain, 'g' gz, 0 none */
    uint64_t offset, length;
    bool body; /* a static page follows */
};

#define GET  HTTPD_METHOD_GET
#define HEAD HTTPD_METHOD_HEAD

static const struct resp_case cases[] = {
    {"200", GET, 1, false, NULL, NULL, NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"200 head", HEAD, 1, false, NULL, NULL, NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 0, false},
    {"200 close", GET, 1, true, NULL, NULL, NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CLOSE CRLF, 'p', 0, 1234, false},
    {"200 1.0 keep-alive", GET, 0, false, NULL, NULL, NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 KA CRLF, 'p', 0, 1234, false},
    {"200 1.0 close", GET, 0, true, NULL, NULL, NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CLOSE CRLF, 'p', 0, 1234, false},

    /* precompressed variant */
    {"gzip", GET, 1, false, NULL, NULL, NULL, NULL, "gzip, deflate, br", 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE GZ_200 CRLF, 'g', 0, 500, false},
    {"gzip q=0", GET, 1, false, NULL, NULL, NULL, NULL, "br, gzip;q=0", 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"gzip head", HEAD, 1, false, NULL, NULL, NULL, NULL, "*", 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE GZ_200 CRLF, 'g', 0, 0, false},

    /* If-None-Match */
    {"inm match", GET, 1, false, "\"abc\"", NULL, NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},
    {"inm weak match", GET, 1, false, "W/\"abc\"", NULL, NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},
    {"inm list", HEAD, 1, false, "\"x\", \"abc\"", NULL, NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},
    {"inm star", GET, 0, false, "*", NULL, NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS KA CRLF, 'p', 0, 0, false},
    {"inm no match", GET, 1, false, "\"x\"", NULL, NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"inm gz", GET, 1, false, "\"abc-gz\"", NULL, NULL, NULL, "gzip", 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE GZ_VALIDATORS CRLF, 'g', 0, 0, false},
    {"inm plain tag, gz chosen", GET, 1, false, "\"abc\"", NULL, NULL, NULL, "gzip", 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE GZ_200 CRLF, 'g', 0, 500, false},
    {"inm wins over ims", GET, 1, false, "\"x\"", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, NULL,
     200, "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"inm match close", GET, 1, true, "\"abc\"", NULL, NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CLOSE CRLF, 'p', 0, 0, false},

    /* If-Modified-Since */
    {"ims equal", GET, 1, false, NULL, "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},
    {"ims later", GET, 1, false, NULL, "Mon, 07 Nov 1994 00:00:00 GMT", NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},
    {"ims rfc850", GET, 1, false, NULL, "Sunday, 06-Nov-94 08:49:37 GMT", NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},
    {"ims asctime", GET, 1, false, NULL, "Sun Nov  6 08:49:37 1994", NULL, NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},
    {"ims earlier", GET, 1, false, NULL, "Sun, 06 Nov 1994 08:49:36 GMT", NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"ims future", GET, 1, false, NULL, "Fri, 01 Jan 2100 00:00:00 GMT", NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"ims invalid", GET, 1, false, NULL, "yesterday", NULL, NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},

    /* Range */
    {"range", GET, 1, false, NULL, NULL, "bytes=0-99", NULL, NULL, 206,
     "HTTP/1.1 206 Partial Content" CRLF SRV DATE PLAIN_VALIDATORS HTML
     "Content-Range: bytes 0-99/1234" CRLF "Content-Length: 100" CRLF AR CRLF,
     'p', 0, 100, false},
    {"range open", GET, 1, false, NULL, NULL, "bytes=1000-", NULL, NULL, 206,
     "HTTP/1.1 206 Partial Content" CRLF SRV DATE PLAIN_VALIDATORS HTML
     "Content-Range: bytes 1000-1233/1234" CRLF "Content-Length: 234" CRLF AR CRLF,
     'p', 1000, 234, false},
    {"range suffix", GET, 1, false, NULL, NULL, "bytes=-10", NULL, NULL, 206,
     "HTTP/1.1 206 Partial Content" CRLF SRV DATE PLAIN_VALIDATORS HTML
     "Content-Range: bytes 1224-1233/1234" CRLF "Content-Length: 10" CRLF AR CRLF,
     'p', 1224, 10, false},
    {"range gz", GET, 1, false, NULL, NULL, "bytes=0-0", NULL, "gzip", 206,
     "HTTP/1.1 206 Partial Content" CRLF SRV DATE GZ_VALIDATORS HTML "Content-Encoding: gzip" CRLF
     "Content-Range: bytes 0-0/500" CRLF "Content-Length: 1" CRLF AR CRLF,
     'g', 0, 1, false},
    {"range unsatisfiable", GET, 1, false, NULL, NULL, "bytes=2000-", NULL, NULL, 416,
     "HTTP/1.1 416 Range Not Satisfiable" CRLF SRV DATE "Content-Range: bytes */1234" CRLF HTML
     "Content-Length: 131" CRLF CRLF,
     0, 0, 0, true},
    {"range several", GET, 1, false, NULL, NULL, "bytes=0-1,5-6", NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"range malformed", GET, 1, false, NULL, NULL, "bytes=5-1", NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"range other unit", GET, 1, false, NULL, NULL, "lines=1-2", NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"range on head ignored", HEAD, 1, false, NULL, NULL, "bytes=0-99", NULL, NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 0, false},
    {"range after 304", GET, 1, false, "\"abc\"", NULL, "bytes=0-99", NULL, NULL, 304,
     "HTTP/1.1 304 Not Modified" CRLF SRV DATE PLAIN_VALIDATORS CRLF, 'p', 0, 0, false},

    /* If-Range */
    {"if-range etag", GET, 1, false, NULL, NULL, "bytes=0-99", "\"abc\"", NULL, 206,
     "HTTP/1.1 206 Partial Content" CRLF SRV DATE PLAIN_VALIDATORS HTML
     "Content-Range: bytes 0-99/1234" CRLF "Content-Length: 100" CRLF AR CRLF,
     'p', 0, 100, false},
    {"if-range date", GET, 1, false, NULL, NULL, "bytes=0-99", "Sun, 06 Nov 1994 08:49:37 GMT",
     NULL, 206,
     "HTTP/1.1 206 Partial Content" CRLF SRV DATE PLAIN_VALIDATORS HTML
     "Content-Range: bytes 0-99/1234" CRLF "Content-Length: 100" CRLF AR CRLF,
     'p', 0, 100, false},
    {"if-range other etag", GET, 1, false, NULL, NULL, "bytes=0-99", "\"old\"", NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"if-range weak etag", GET, 1, false, NULL, NULL, "bytes=0-99", "W/\"abc\"", NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"if-range other date", GET, 1, false, NULL, NULL, "bytes=0-99",
     "Mon, 07 Nov 1994 08:49:37 GMT", NULL, 200, "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF,
     'p', 0, 1234, false},
    {"if-range garbage", GET, 1, false, NULL, NULL, "bytes=0-99", "maybe", NULL, 200,
     "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
    {"if-range no match unsatisfiable", GET, 1, false, NULL, NULL, "bytes=5000-", "\"old\"", NULL,
     200, "HTTP/1.1 200 OK" CRLF SRV DATE PLAIN_200 CRLF, 'p', 0, 1234, false},
};

static void check(const struct resp_case *c, const struct httpd_response *r, const char *buf)
{
    const struct httpd_file *want = c->which == 'p' ? &plain : c->which == 'g' ? &gz : NULL;

    if (r->status != c->status || r->head_len != strlen(c->head) ||
        memcmp(buf, c->head, r->head_len) != 0)
        fail_msg("case \"%s\": status %u, head:\n%.*s\nwant %u:\n%s", c->name, r->status,
                 (int)r->head_len, buf, c->status, c->head);
    if (r->file != want || r->offset != c->offset || r->length != c->length)
        fail_msg("case \"%s\": file %p offset %llu length %llu", c->name, (void *)r->file,
                 (unsigned long long)r->offset, (unsigned long long)r->length);
    if ((r->body != NULL) != c->body || (r->body != NULL && strlen(r->body) != r->body_len))
        fail_msg("case \"%s\": body %p", c->name, (const void *)r->body);
    assert_int_equal(r->keep_alive, !c->close);
}

static void test_file_cases(void **state)
{
    static char buf[HTTPD_RESPONSE_HEADER_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct resp_case *c = &cases[i];
        struct httpd_request req = {
            .method = c->method,
            .version_minor = (uint8_t)c->minor,
            .keep_alive = !c->close,
            .target = "/",
            .target_len = 1,
            .if_none_match = fld(c->inm),
            .if_modified_since = fld(c->ims),
            .range = fld(c->range),
            .if_range = fld(c->if_range),
            .accept_encoding = fld(c->ae),
        };
        struct httpd_response r;

        assert_int_equal(httpd_response_file(&req, &plain, &gz, &clk, buf, sizeof(buf), &r), 0);
        check(c, &r, buf);
    }
}

/* Without a variant: no Vary, and Accept-Encoding changes nothing. */
static void test_no_variant(void **state)
{
    static char buf[HTTPD_RESPONSE_HEADER_MAX];
    struct httpd_request req = {
        .method = GET, .version_minor = 1, .keep_alive = true, .accept_encoding = fld("gzip")};
    struct httpd_response r;
    const char *want =
        "HTTP/1.1 200 OK" CRLF SRV DATE "Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT" CRLF
        "ETag: \"e\"" CRLF "Content-Type: text/plain; charset=utf-8" CRLF
        "Content-Length: 0" CRLF AR CRLF;

    assert_int_equal(httpd_response_file(&req, &lone, NULL, &clk, buf, sizeof(buf), &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.head_len, strlen(want));
    assert_memory_equal(buf, want, r.head_len);
    assert_int_equal(r.length, 0);

    /* An empty file has no satisfiable range. */
    req.range = fld("bytes=0-");
    assert_int_equal(httpd_response_file(&req, &lone, NULL, &clk, buf, sizeof(buf), &r), 0);
    assert_int_equal(r.status, 416);
    assert_non_null(strstr(buf, "Content-Range: bytes */0\r\n"));
}

static void test_errors(void **state)
{
    static char buf[HTTPD_RESPONSE_HEADER_MAX];
    static const struct {
        uint16_t status;
        bool closes;
        const char *reason;
    } cases[] = {
        {400, true, "Bad Request"},
        {404, false, "Not Found"},
        {405, false, "Method Not Allowed"},
        {413, true, "Content Too Large"},
        {414, true, "URI Too Long"},
        {431, true, "Request Header Fields Too Large"},
        {500, true, "Internal Server Error"},
        {503, true, "Service Unavailable"},
        {505, true, "HTTP Version Not Supported"},
    };
    struct httpd_response r;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct httpd_request req = {.method = GET, .version_minor = 1, .keep_alive = true};
        char want[1024], page[256];
        uint16_t s = cases[i].status;

        snprintf(page, sizeof(page),
                 "<!DOCTYPE html>\n<html><head><title>%u %s</title></head>\n"
                 "<body><h1>%u %s</h1></body></html>\n",
                 s, cases[i].reason, s, cases[i].reason);
        snprintf(want, sizeof(want),
                 "HTTP/1.1 %u %s" CRLF SRV DATE "%s" HTML "Content-Length: %zu" CRLF "%s" CRLF, s,
                 cases[i].reason, s == 405 ? "Allow: GET, HEAD" CRLF : "", strlen(page),
                 cases[i].closes ? CLOSE : "");
        assert_int_equal(httpd_response_error(&req, s, &clk, buf, sizeof(buf), &r), 0);
        assert_int_equal(r.status, s);
        assert_int_equal(r.keep_alive, !cases[i].closes);
        assert_int_equal(r.head_len, strlen(want));
        assert_memory_equal(buf, want, r.head_len);
        assert_string_equal(r.body, page);
        assert_int_equal(r.body_len, strlen(page));
        assert_null(r.file);
        assert_int_equal(r.length, 0);

        /* HEAD: the same headers, no body. */
        req.method = HEAD;
        assert_int_equal(httpd_response_error(&req, s, &clk, buf, sizeof(buf), &r), 0);
        assert_int_equal(r.head_len, strlen(want));
        assert_memory_equal(buf, want, r.head_len);
        assert_null(r.body);
    }

    /* A request the parser refused goes to the error path from httpd_response_file(). */
    struct httpd_request req = {.status = 505, .method = GET, .version_minor = 1};
    assert_int_equal(httpd_response_file(&req, &plain, &gz, &clk, buf, sizeof(buf), &r), 0);
    assert_int_equal(r.status, 505);
    assert_false(r.keep_alive);
    assert_null(r.file);
    req.status = 405;
    req.keep_alive = true;
    assert_int_equal(httpd_response_file(&req, &plain, &gz, &clk, buf, sizeof(buf), &r), 0);
    assert_int_equal(r.status, 405);
    assert_true(r.keep_alive);
    assert_non_null(strstr(buf, "\r\nAllow: GET, HEAD\r\n"));

    /* A status without a page is the caller's mistake: 500. */
    req.status = 0;
    assert_int_equal(httpd_response_error(&req, 200, &clk, buf, sizeof(buf), &r), 0);
    assert_int_equal(r.status, 500);
}

static void test_redirect(void **state)
{
    static char buf[HTTPD_RESPONSE_HEADER_MAX];
    struct httpd_request req = {.method = GET, .version_minor = 0, .keep_alive = true};
    struct httpd_response r;
    const char *page = "<!DOCTYPE html>\n<html><head><title>301 Moved Permanently</title></head>\n"
                       "<body><h1>301 Moved Permanently</h1></body></html>\n";
    char want[512];

    snprintf(want, sizeof(want),
             "HTTP/1.1 301 Moved Permanently" CRLF SRV DATE "Location: /docs/?q=1" CRLF HTML
             "Content-Length: %zu" CRLF KA CRLF,
             strlen(page));
    assert_int_equal(httpd_response_redirect(&req, "/docs/?q=1", &clk, buf, sizeof(buf), &r), 0);
    assert_int_equal(r.status, 301);
    assert_true(r.keep_alive);
    assert_int_equal(r.head_len, strlen(want));
    assert_memory_equal(buf, want, r.head_len);
    assert_string_equal(r.body, page);
    assert_int_equal(httpd_response_redirect(&req, "/a\r\nX: y", &clk, buf, sizeof(buf), &r),
                     -EINVAL);
}

static void test_small_buffer(void **state)
{
    static char buf[HTTPD_RESPONSE_HEADER_MAX];
    struct httpd_request req = {.method = GET, .version_minor = 1, .keep_alive = true};
    struct httpd_response r;
    size_t need;

    assert_int_equal(httpd_response_file(&req, &plain, &gz, &clk, buf, sizeof(buf), &r), 0);
    need = r.head_len;
    assert_int_equal(httpd_response_file(&req, &plain, &gz, &clk, buf, need, &r), 0);
    for (size_t cap = 0; cap < need; cap++)
        assert_int_equal(httpd_response_file(&req, &plain, &gz, &clk, buf, cap, &r), -ENOSPC);
}

static void test_file_init(void **state)
{
    struct httpd_file f;
    struct httpd_file_info info = {"", 0, 0, "\"ok\"", "text/plain", false, false};
    static char long_etag[HTTPD_ETAG_MAX + 2], long_type[HTTPD_CONTENT_TYPE_MAX + 2];

    assert_int_equal(httpd_file_init(&f, &info), 0);
    static const char *const bad_etags[] = {
        NULL, "", "\"", "ok", "W/\"ok\"", "\"o\"k\"", "\"ok", "\"o k\"", "\"ok\"\r\nX: y"};
    for (size_t i = 0; i < sizeof(bad_etags) / sizeof(bad_etags[0]); i++) {
        info.etag = bad_etags[i];
        assert_int_equal(httpd_file_init(&f, &info), -EINVAL);
    }
    memset(long_etag, 'e', HTTPD_ETAG_MAX);
    long_etag[0] = long_etag[HTTPD_ETAG_MAX - 1] = '"';
    info.etag = long_etag;
    assert_int_equal(httpd_file_init(&f, &info), 0);
    long_etag[HTTPD_ETAG_MAX - 1] = 'e';
    long_etag[HTTPD_ETAG_MAX] = '"';
    assert_int_equal(httpd_file_init(&f, &info), -EINVAL);

    info.etag = "\"ok\"";
    info.content_type = "text/plain\r\nX: y";
    assert_int_equal(httpd_file_init(&f, &info), -EINVAL);
    info.content_type = NULL;
    assert_int_equal(httpd_file_init(&f, &info), -EINVAL);
    memset(long_type, 't', HTTPD_CONTENT_TYPE_MAX);
    info.content_type = long_type;
    assert_int_equal(httpd_file_init(&f, &info), 0);
    long_type[HTTPD_CONTENT_TYPE_MAX] = 't';
    assert_int_equal(httpd_file_init(&f, &info), -EINVAL);

    /* Everything at its maximum still fits the precomputed block. */
    long_type[HTTPD_CONTENT_TYPE_MAX] = '\0';
    long_etag[HTTPD_ETAG_MAX] = '\0';
    long_etag[HTTPD_ETAG_MAX - 1] = '"';
    info = (struct httpd_file_info){"", UINT64_MAX, INT64_MAX, long_etag, long_type, true, true};
    assert_int_equal(httpd_file_init(&f, &info), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_cases),   cmocka_unit_test(test_no_variant),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_small_buffer), cmocka_unit_test(test_file_init),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
