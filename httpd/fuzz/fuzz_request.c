/*
 * libFuzzer target: arbitrary bytes through the request parser, the path canonicalizer and the
 * response builder, the way a connection would use them, checking their promises.
 *
 * Input: byte 0 chooses how the stream is cut into chunks (0: whole; else pieces of 1..16
 * bytes, varying); the rest is the byte stream of one connection.  The whole input is also
 * given to httpd_path_parse() as a target, since llhttp lets only well-formed targets through.
 *
 * Built by `make fuzz-httpd` (clang -fsanitize=fuzzer,address,undefined); replayed by the host
 * test httpd/test_fuzz_regress over httpd/fuzz/corpus/ and httpd/fuzz/regressions/.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpd/date.h"
#include "httpd/mime.h"
#include "httpd/negotiate.h"
#include "httpd/path.h"
#include "httpd/request.h"
#include "httpd/response.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static struct httpd_parser parser;
static struct httpd_path path;
static struct httpd_file plain, gz;
static struct httpd_clock clk;
static char head[HTTPD_RESPONSE_HEADER_MAX];
static char location[HTTPD_TARGET_MAX + 2];
static char file_bytes[1000];

static void init_once(void)
{
    static bool done;
    const char *type = httpd_mime_lookup("/index.html", 11);

    if (done)
        return;
    struct httpd_file_info info = {
        file_bytes, sizeof(file_bytes), 784111777, "\"abc\"", type, false, true};
    CHECK(httpd_file_init(&plain, &info) == 0);
    info = (struct httpd_file_info){file_bytes, 10, 784111777, "\"abc-gz\"", type, true, true};
    CHECK(httpd_file_init(&gz, &info) == 0);
    httpd_clock_init(&clk);
    httpd_clock_now(&clk, 1700000000);
    done = true;
}

/* A header block: CRLF-terminated lines, no control bytes but CR LF, ending with the empty
 * line. */
static void check_head(const struct httpd_response *r)
{
    CHECK(r->head_len >= 4 && r->head_len <= sizeof(head));
    CHECK(memcmp(head, "HTTP/1.1 ", 9) == 0);
    CHECK(memcmp(head + r->head_len - 4, "\r\n\r\n", 4) == 0);
    for (size_t i = 0; i < r->head_len; i++) {
        unsigned char c = (unsigned char)head[i];
        CHECK(c >= 0x20 || c == '\r' || c == '\n');
        CHECK(c != 0x7f);
        if (c == '\n')
            CHECK(i > 0 && head[i - 1] == '\r');
    }
    if (r->file != NULL)
        CHECK(r->offset <= r->file->size && r->length <= r->file->size - r->offset);
    CHECK(r->body == NULL || strlen(r->body) == r->body_len);
}

static void check_field(const struct httpd_field *f)
{
    if (f->ptr == NULL)
        return;
    CHECK(strlen(f->ptr) == f->len);
    for (size_t i = 0; i < f->len; i++)
        CHECK(f->ptr[i] != '\r' && f->ptr[i] != '\n');
}

static void check_path(const struct httpd_path *p, const char *target, size_t len)
{
    CHECK(p->len >= 1 && p->len == strlen(p->path) && p->path[0] == '/');
    for (size_t i = 0; i < p->len; i++) {
        unsigned char c = (unsigned char)p->path[i];
        CHECK(c >= 0x20 && c != 0x7f && c != '\\');
        if (c == '/') {
            const char *seg = p->path + i + 1;
            size_t rest = p->len - i - 1;
            CHECK(rest == 0 || seg[0] != '/');
            CHECK(!(rest >= 1 && seg[0] == '.' && (rest == 1 || seg[1] == '/')));
            CHECK(!(rest >= 2 && seg[0] == '.' && seg[1] == '.' && (rest == 2 || seg[2] == '/')));
        }
    }
    int n = httpd_path_location(p, location, sizeof(location));
    if (httpd_path_is_dir(p)) {
        CHECK(n == -EINVAL);
        return;
    }
    CHECK(n > 0 && (size_t)n <= len + 1 && (size_t)n == strlen(location));
    CHECK(location[0] == '/' && location[1] != '/');
    for (int i = 0; i < n; i++)
        CHECK((unsigned char)location[i] > 0x20 && location[i] != 0x7f);
    (void)target;
}

/* Answer one request as the connection layer would: error, path, then the file. */
static void answer(struct httpd_request *req)
{
    struct httpd_response r;

    CHECK(req->target_len <= HTTPD_TARGET_MAX && strlen(req->target) == req->target_len);
    CHECK(req->status == 0 || req->status == 400 || req->status == 405 || req->status == 413 ||
          req->status == 414 || req->status == 431 || req->status == 505);
    if (req->status != 0 && req->status != 405)
        CHECK(!req->keep_alive);
    if (req->status != 0) {
        CHECK(httpd_response_error(req, req->status, &clk, head, sizeof(head), &r) == 0);
        check_head(&r);
        return;
    }
    check_field(&req->host);
    check_field(&req->if_none_match);
    check_field(&req->if_modified_since);
    check_field(&req->range);
    check_field(&req->if_range);
    check_field(&req->accept_encoding);

    if (httpd_path_parse(req->target, req->target_len, &path) != 0) {
        CHECK(httpd_response_error(req, 400, &clk, head, sizeof(head), &r) == 0);
        check_head(&r);
        return;
    }
    check_path(&path, req->target, req->target_len);
    (void)httpd_mime_lookup(path.path, path.len);
    if (!httpd_path_is_dir(&path) && path.len > 1 && (path.path[1] & 1)) {
        /* Pretend this one is a folder: 301. */
        CHECK(httpd_response_redirect(req, location, &clk, head, sizeof(head), &r) == 0);
        check_head(&r);
        return;
    }
    if (httpd_path_is_dir(&path))
        CHECK(httpd_path_add_index(&path) == 0);
    CHECK(httpd_response_file(req, &plain, (path.len & 1) ? &gz : NULL, &clk, head, sizeof(head),
                              &r) == 0);
    check_head(&r);
    CHECK(r.status == 200 || r.status == 206 || r.status == 304 || r.status == 416);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in;
    size_t len, pos = 0, step;
    unsigned seed;

    init_once();
    if (size == 0)
        return 0;

    /* The whole input as a target, straight to the canonicalizer. */
    if (httpd_path_parse((const char *)data, size, &path) == 0)
        check_path(&path, (const char *)data, size);
    int64_t t;
    (void)httpd_date_parse((const char *)data, size, &t);

    seed = data[0];
    in = (const char *)data + 1;
    len = size - 1;
    httpd_request_init(&parser);
    while (pos < len) {
        step = seed == 0 ? len - pos : 1 + (seed + pos) % 16;
        if (step > len - pos)
            step = len - pos;
        size_t end = pos + step;
        while (pos < end) {
            size_t used;
            enum httpd_feed_result res = httpd_request_feed(&parser, in + pos, end - pos, &used);
            CHECK(used <= end - pos);
            pos += used;
            if (res == HTTPD_FEED_CLOSED)
                return 0;
            if (res == HTTPD_FEED_MORE) {
                CHECK(pos == end);
                break;
            }
            CHECK(!httpd_request_in_progress(&parser));
            answer(httpd_request_get(&parser));
        }
    }
    return 0;
}
