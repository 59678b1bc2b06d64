/*
 * Host tests of the path canonicalizer: a table of targets and what they become (or 400), with
 * traversal attempts in every spelling, and the 301 Location of folders.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "httpd/path.h"

struct path_case {
    const char *target;
    const char *path;  /* NULL: rejected (-EINVAL) */
    const char *query; /* NULL: none */
};

static const struct path_case cases[] = {
    {"/", "/", NULL},
    {"/index.html", "/index.html", NULL},
    {"/css/site.css", "/css/site.css", NULL},
    {"/dir/", "/dir/", NULL},
    {"/dir", "/dir", NULL},
    {"/a?b=c", "/a", "b=c"},
    {"/a?", "/a", ""},
    {"/?x=/../../etc/passwd", "/", "x=/../../etc/passwd"},
    {"/a?b?c", "/a", "b?c"},
    {"/my%20file.html", "/my file.html", NULL},
    {"/%41%62c", "/Abc", NULL},
    {"/caf%C3%A9", "/caf\xc3\xa9", NULL},
    {"/a%2fb", "/a/b", NULL},
    {"/a%2Fb", "/a/b", NULL},
    {"/100%25", "/100%", NULL},
    {"/a%3fb", "/a?b", NULL},
    {"/a;b=c,d", "/a;b=c,d", NULL},
    {"/~user/", "/~user/", NULL},
    {"/.well-known/x", "/.well-known/x", NULL},
    {"/...", "/...", NULL},
    {"/..a", "/..a", NULL},
    {"/a..", "/a..", NULL},
    {"/.a./", "/.a./", NULL},

    /* collapsing */
    {"//", "/", NULL},
    {"//a//b///c", "/a/b/c", NULL},
    {"/./a", "/a", NULL},
    {"/a/./b", "/a/b", NULL},
    {"/a/.", "/a/", NULL},
    {"/a/./", "/a/", NULL},
    {"/.", "/", NULL},
    {"/./", "/", NULL},
    {"/a/b/..", "/a/", NULL},
    {"/a/b/../", "/a/", NULL},
    {"/a/../b", "/b", NULL},
    {"/a/b/../../c", "/c", NULL},
    {"/a/..", "/", NULL},
    {"/a//..", "/", NULL},
    {"/a/%2e/b", "/a/b", NULL},
    {"/a/%2e%2e/b", "/b", NULL},
    {"/a/.%2e/b", "/b", NULL},
    {"/a/b%2f..%2fc", "/a/c", NULL},

    /* absolute-form */
    {"http://example.com/a/b?q", "/a/b", "q"},
    {"HTTP://example.com:8080/x", "/x", NULL},
    {"https://h/", "/", NULL},
    {"http://h", "/", NULL},
    {"http://h?q=1", "/", "q=1"},
    {"http://h//a", "/a", NULL},
    {"http://h/../a", NULL, NULL},
    {"http:///a", NULL, NULL},
    {"ftp://h/a", NULL, NULL},
    {"http:/a", NULL, NULL},

    /* not origin- or absolute-form */
    {"", NULL, NULL},
    {"*", NULL, NULL},
    {"a:80", NULL, NULL},
    {"index.html", NULL, NULL},
    {"/a#frag", NULL, NULL},
    {"/a?b#frag", NULL, NULL},

    /* traversal: every spelling of ".." above the root */
    {"/..", NULL, NULL},
    {"/../", NULL, NULL},
    {"/../etc/passwd", NULL, NULL},
    {"/a/../../etc/passwd", NULL, NULL},
    {"/a/b/../../../x", NULL, NULL},
    {"/./../x", NULL, NULL},
    {"//../x", NULL, NULL},
    {"/%2e%2e/etc/passwd", NULL, NULL},
    {"/%2E%2E/etc/passwd", NULL, NULL},
    {"/.%2e/x", NULL, NULL},
    {"/%2e./x", NULL, NULL},
    {"/..%2fetc/passwd", NULL, NULL},
    {"/..%2Fetc", NULL, NULL},
    {"/%2e%2e%2fetc", NULL, NULL},
    {"/a%2f..%2f..%2fx", NULL, NULL},
    {"/%2f..", NULL, NULL},
    {"/a/..%2f..", NULL, NULL},

    /* backslashes, raw and encoded */
    {"/a\\b", NULL, NULL},
    {"/..\\x", NULL, NULL},
    {"/%5c..%5cx", NULL, NULL},
    {"/%5C", NULL, NULL},
    {"/..%5c..%5cwindows", NULL, NULL},

    /* bad escapes, NUL and controls */
    {"/%", NULL, NULL},
    {"/%4", NULL, NULL},
    {"/%zz", NULL, NULL},
    {"/%g0", NULL, NULL},
    {"/a%", NULL, NULL},
    {"/%00", NULL, NULL},
    {"/a%00.html", NULL, NULL},
    {"/%0a", NULL, NULL},
    {"/%0d%0aSet-Cookie:x", NULL, NULL},
    {"/%1f", NULL, NULL},
    {"/%7f", NULL, NULL},
    {"/%09", NULL, NULL},
    {"/a b", NULL, NULL},
    {"/a\tb", NULL, NULL},
    {"/a\x01", NULL, NULL},
    {"/a\x7f", NULL, NULL},
    {"/caf\xc3\xa9", NULL, NULL},
    {"/a?b\x01", NULL, NULL},
    {"/a?b c", NULL, NULL},
};

static void test_cases(void **state)
{
    static struct httpd_path p;
    int failed = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct path_case *c = &cases[i];
        int rc = httpd_path_parse(c->target, strlen(c->target), &p);
        bool ok;

        if (c->path == NULL) {
            ok = rc == -EINVAL;
        } else {
            ok = rc == 0 && strcmp(p.path, c->path) == 0 && p.len == strlen(c->path) &&
                 (c->query == NULL ? p.query == NULL
                                   : (p.query != NULL && p.query_len == strlen(c->query) &&
                                      memcmp(p.query, c->query, p.query_len) == 0));
        }
        if (!ok) {
            print_error("\"%s\": rc %d path \"%s\" query \"%.*s\"\n", c->target, rc, p.path,
                        (int)p.query_len, p.query ? p.query : "");
            failed++;
        }
        if (rc == 0) {
            /* The invariants, whatever the case says. */
            assert_true(p.path[0] == '/');
            assert_null(strstr(p.path, "//"));
            assert_null(strstr(p.path, "/./"));
            assert_null(strstr(p.path, "/../"));
            assert_null(strchr(p.path, '\\'));
            assert_int_equal(strlen(p.path), p.len);
        }
    }
    assert_int_equal(failed, 0);
}

/* A NUL inside the target (not only %00) is refused. */
static void test_raw_nul(void **state)
{
    static struct httpd_path p;
    assert_int_equal(httpd_path_parse("/a\0b", 4, &p), -EINVAL);
    assert_int_equal(httpd_path_parse("/a?\0", 4, &p), -EINVAL);
}

static void test_long(void **state)
{
    static char t[HTTPD_TARGET_MAX + 2];
    static struct httpd_path p;

    t[0] = '/';
    memset(t + 1, 'a', HTTPD_TARGET_MAX - 1);
    assert_int_equal(httpd_path_parse(t, HTTPD_TARGET_MAX, &p), 0);
    assert_int_equal(p.len, HTTPD_TARGET_MAX);
    assert_int_equal(httpd_path_parse(t, HTTPD_TARGET_MAX + 1, &p), -EINVAL);

    /* "/a/a/.../a/" then as many "../": back at the root; one ".." more climbs out. */
    size_t n = 1;
    int depth = (HTTPD_TARGET_MAX - 3) / 5;
    for (int k = 0; k < depth; k++) {
        memcpy(t + n, "a/", 2);
        n += 2;
    }
    for (int k = 0; k < depth; k++) {
        memcpy(t + n, "../", 3);
        n += 3;
    }
    assert_int_equal(httpd_path_parse(t, n, &p), 0);
    assert_string_equal(p.path, "/");
    memcpy(t + n, "..", 2);
    assert_true(n + 2 <= HTTPD_TARGET_MAX);
    assert_int_equal(httpd_path_parse(t, n + 2, &p), -EINVAL);

    /* Many slashes, all escaped. */
    t[0] = '/';
    n = 1;
    while (n + 3 <= HTTPD_TARGET_MAX) {
        memcpy(t + n, "%2f", 3);
        n += 3;
    }
    assert_int_equal(httpd_path_parse(t, n, &p), 0);
    assert_string_equal(p.path, "/");
}

static void test_dir(void **state)
{
    static struct httpd_path p;

    assert_int_equal(httpd_path_parse("/docs/", 6, &p), 0);
    assert_true(httpd_path_is_dir(&p));
    assert_int_equal(httpd_path_add_index(&p), 0);
    assert_string_equal(p.path, "/docs/index.html");
    assert_int_equal(p.len, strlen("/docs/index.html"));
    assert_false(httpd_path_is_dir(&p));
    assert_int_equal(httpd_path_add_index(&p), -EINVAL);

    assert_int_equal(httpd_path_parse("/", 1, &p), 0);
    assert_int_equal(httpd_path_add_index(&p), 0);
    assert_string_equal(p.path, "/index.html");
}

static void test_location(void **state)
{
    static const struct {
        const char *target, *location;
    } cases[] = {
        {"/docs", "/docs/"},         {"/docs?x=1&y=%20", "/docs/?x=1&y=%20"},
        {"/docs?", "/docs/?"},       {"/a/./b/../docs", "/a/docs/"},
        {"/my%20dir", "/my%20dir/"}, {"/caf%c3%a9", "/caf%C3%A9/"},
        {"/100%25", "/100%25/"},     {"/a%3fb", "/a%3Fb/"},
        {"/a%23b", "/a%23b/"},       {"/a%2fb", "/a/b/"},
        {"/a%41", "/aA/"},           {"http://h/docs?q", "/docs/?q"},
    };
    static struct httpd_path p;
    char buf[64];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(httpd_path_parse(cases[i].target, strlen(cases[i].target), &p), 0);
        int n = httpd_path_location(&p, buf, sizeof(buf));
        assert_int_equal(n, (int)strlen(cases[i].location));
        assert_string_equal(buf, cases[i].location);
        assert_true((size_t)n <= strlen(cases[i].target) + 1);
    }
    assert_int_equal(httpd_path_parse("/docs/?q", 8, &p), 0);
    assert_int_equal(httpd_path_location(&p, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(httpd_path_parse("/", 1, &p), 0);
    assert_int_equal(httpd_path_location(&p, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(httpd_path_parse("/docs?q", 7, &p), 0);
    assert_int_equal(httpd_path_location(&p, buf, 9), 8);
    assert_int_equal(httpd_path_location(&p, buf, 8), -ENOSPC);
    assert_int_equal(httpd_path_location(&p, buf, 3), -ENOSPC);
    assert_int_equal(httpd_path_parse("/%c3%a9", 7, &p), 0);
    assert_int_equal(httpd_path_location(&p, buf, 9), 8);
    assert_int_equal(httpd_path_location(&p, buf, 8), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases), cmocka_unit_test(test_raw_nul),  cmocka_unit_test(test_long),
        cmocka_unit_test(test_dir),   cmocka_unit_test(test_location),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
