/*
 * Host tests of the field parsers (entity-tags, Accept-Encoding, Range) and of HTTP dates.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "httpd/date.h"
#include "httpd/negotiate.h"

/* --- dates ----------------------------------------------------------------------------------- */

static void test_date_format(void **state)
{
    char out[HTTPD_DATE_LEN + 1];

    httpd_date_format(784111777, out); /* RFC 9110's example */
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    httpd_date_format(0, out);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    httpd_date_format(-5, out);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    httpd_date_format(951782400, out); /* leap day of a century leap year */
    assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 GMT");
    httpd_date_format(4133980799LL, out);
    assert_string_equal(out, "Fri, 31 Dec 2100 23:59:59 GMT");
    httpd_date_format(INT64_MAX, out);
    assert_string_equal(out, "Fri, 31 Dec 9999 23:59:59 GMT");

    /* Against the host's gmtime, one day and a bit at a time over 1970-2200. */
    for (int64_t t = 0; t < 7258118400LL; t += 86400 + 3607) {
        char want[64];
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        httpd_date_format(t, out);
        assert_string_equal(out, want);
        int64_t back;
        assert_int_equal(httpd_date_parse(out, strlen(out), &back), 0);
        assert_int_equal(back, t);
    }
}

static void test_date_parse(void **state)
{
    static const struct {
        const char *s;
        int64_t t; /* -1: invalid */
    } cases[] = {
        {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
        {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
        {"Sun Nov  6 08:49:37 1994", 784111777},
        {"Sun Nov 16 08:49:37 1994", 784111777 + 10 * 86400},
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
        {"Tue, 29 Feb 2000 00:00:00 GMT", 951782400},
        {"Thursday, 01-Jan-37 00:00:00 GMT", 2114380800},
        {"Fri, 31 Dec 1999 23:59:60 GMT", 946684800}, /* leap second */
        {"Mon, 06 Nov 1994 08:49:37 GMT", 784111777}, /* weekday not checked against date */
        {"", -1},
        {"Sun, 06 Nov 1994 08:49:37 UTC", -1},
        {"Sun, 06 Nov 1994 08:49:37 GMT ", -1},
        {" Sun, 06 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 6 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 06 nov 1994 08:49:37 GMT", -1},
        {"sun, 06 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 24:00:00 GMT", -1},
        {"Sun, 06 Nov 1994 08:60:00 GMT", -1},
        {"Sun, 06 Nov 1994 08:49:61 GMT", -1},
        {"Sun, 31 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 29 Feb 1900 08:49:37 GMT", -1},
        {"Sun, 00 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 94 08:49:37 GMT", -1},
        {"Sun, 06 Xyz 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 08:49:3x GMT", -1},
        {"Sun, 06 Nov 1994 08-49-37 GMT", -1},
        {"Sund, 06-Nov-94 08:49:37 GMT", -1},
        {"Sunday, 06-Nov-1994 08:49:37 GMT", -1},
        {"Sun Nov 6 08:49:37 1994", -1},
        {"Sun Nov  6 08:49:37 94", -1},
        {"1994-11-06T08:49:37Z", -1},
        {"784111777", -1},
        {"\"etag\"", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t t = 12345;
        int rc = httpd_date_parse(cases[i].s, strlen(cases[i].s), &t);
        if (cases[i].t < 0) {
            if (rc != -EINVAL)
                fail_msg("\"%s\" accepted as %lld", cases[i].s, (long long)t);
        } else if (rc != 0 || t != cases[i].t) {
            fail_msg("\"%s\": rc %d t %lld", cases[i].s, rc, (long long)t);
        }
    }
}

static void test_clock(void **state)
{
    struct httpd_clock c;

    httpd_clock_init(&c);
    const char *a = httpd_clock_now(&c, 784111777);
    assert_string_equal(a, "Sun, 06 Nov 1994 08:49:37 GMT");
    c.text[0] = 'X'; /* a second call in the same second does not format again */
    assert_string_equal(httpd_clock_now(&c, 784111777), "Xun, 06 Nov 1994 08:49:37 GMT");
    assert_string_equal(httpd_clock_now(&c, 784111778), "Sun, 06 Nov 1994 08:49:38 GMT");
}

/* --- entity-tags ----------------------------------------------------------------------------- */

static void test_etag_list(void **state)
{
    static const struct {
        const char *list;
        bool match; /* against "\"abc\"" */
    } cases[] = {
        {"\"abc\"", true},
        {"W/\"abc\"", true},
        {"*", true},
        {"\"x\", \"abc\"", true},
        {"\"x\",W/\"abc\"", true},
        {" \"x\" ,\t\"abc\" ", true},
        {",,\"abc\"", true},
        {"\"x\", *", true},
        {"\"abc", false},
        {"abc", false},
        {"\"ab\"", false},
        {"\"abcd\"", false},
        {"\"ABC\"", false},
        {"w/\"abc\"", false},
        {"W/ \"abc\"", false},
        {"\"x\" \"abc\"", false}, /* no comma: malformed from there */
        {"\"x\"y, \"abc\"", false},
        {"garbage, \"abc\"", false},
        {"\"a\"bc\"", false},
        {"", false},
        {", ,", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *l = cases[i].list;
        if (httpd_etag_list_match(l, strlen(l), "\"abc\"", 5) != cases[i].match)
            fail_msg("If-None-Match: %s", l);
    }
    assert_false(httpd_etag_list_match(NULL, 0, "\"abc\"", 5));

    assert_true(httpd_etag_strong_match("\"abc\"", 5, "\"abc\"", 5));
    assert_false(httpd_etag_strong_match("W/\"abc\"", 7, "\"abc\"", 5));
    assert_false(httpd_etag_strong_match("\"abc\" ", 6, "\"abc\"", 5));
    assert_false(httpd_etag_strong_match("\"abc\", \"abc\"", 12, "\"abc\"", 5));
    assert_false(httpd_etag_strong_match(NULL, 0, "\"abc\"", 5));
    assert_true(httpd_is_etag("\"x\"", 3));
    assert_true(httpd_is_etag("W/\"x\"", 5));
    assert_false(httpd_is_etag("Sun, 06 Nov 1994 08:49:37 GMT", 29));
}

/* --- Accept-Encoding ------------------------------------------------------------------------- */

static void test_accept_encoding(void **state)
{
    static const struct {
        const char *ae;
        bool gzip;
    } cases[] = {
        {"gzip", true},
        {"GZIP", true},
        {"x-gzip", true},
        {"gzip, deflate, br, zstd", true},
        {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
        {"deflate, gzip;q=0.001", true},
        {"gzip ; q=0.5", true},
        {"gzip;Q=1", true},
        {"gzip;q=1.000", true},
        {"*", true},
        {"*;q=0.5", true},
        {"br, *", true},
        {"", false},
        {"identity", false},
        {"br, deflate", false},
        {"gzip;q=0", false},
        {"gzip;q=0.0", false},
        {"gzip;q=0.000", false},
        {"gzip;q=0, *", false}, /* gzip named: "*" does not bring it back */
        {"*;q=0", false},
        {"gzip;q=0, x-gzip", true},
        {"gzipx", false},
        {"gzi", false},
        {"gzip;q=1.5", false}, /* malformed weights: not acceptable */
        {"gzip;q=0.0001", false},
        {"gzip;q=", false},
        {"gzip;q=abc", false},
        {"gzip;level=9", false},
        {"gzip;q=0.5;q=1", false},
        {"gzip q=1", false},
        {",,gzip,,", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *v = cases[i].ae;
        if (httpd_accepts_gzip(v, strlen(v)) != cases[i].gzip)
            fail_msg("Accept-Encoding: %s", v);
    }
    assert_false(httpd_accepts_gzip(NULL, 0));
}

/* --- Range ----------------------------------------------------------------------------------- */

static void test_range(void **state)
{
    static const struct {
        const char *range;
        uint64_t size;
        enum httpd_range_kind kind;
        uint64_t first, last;
    } cases[] = {
        {"bytes=0-99", 1000, HTTPD_RANGE_SINGLE, 0, 99},
        {"bytes=0-0", 1000, HTTPD_RANGE_SINGLE, 0, 0},
        {"bytes=100-", 1000, HTTPD_RANGE_SINGLE, 100, 999},
        {"bytes=-100", 1000, HTTPD_RANGE_SINGLE, 900, 999},
        {"bytes=-1000", 1000, HTTPD_RANGE_SINGLE, 0, 999},
        {"bytes=-5000", 1000, HTTPD_RANGE_SINGLE, 0, 999},
        {"bytes=500-5000", 1000, HTTPD_RANGE_SINGLE, 500, 999},
        {"bytes=999-999", 1000, HTTPD_RANGE_SINGLE, 999, 999},
        {"Bytes=1-2", 1000, HTTPD_RANGE_SINGLE, 1, 2},
        {"bytes=0-99999999999999999999999", 1000, HTTPD_RANGE_SINGLE, 0, 999},
        {"bytes= 1-2 ", 1000, HTTPD_RANGE_SINGLE, 1, 2},
        {"bytes=1-2,", 1000, HTTPD_RANGE_SINGLE, 1, 2},
        {"bytes=1-2, 5000-", 1000, HTTPD_RANGE_MULTI, 0, 0},
        {"bytes=0-1,2-3", 1000, HTTPD_RANGE_MULTI, 0, 0},
        {"bytes=0-1, -2", 1000, HTTPD_RANGE_MULTI, 0, 0},
        {"bytes=1000-", 1000, HTTPD_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=1000-2000", 1000, HTTPD_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=99999999999999999999999-", 1000, HTTPD_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-0", 1000, HTTPD_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=1000-, 2000-", 1000, HTTPD_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=0-", 0, HTTPD_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-1", 0, HTTPD_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=5-1", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=0-1, 5-1", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=,", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=-", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=a-b", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=1", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=1-2-3", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=1 -2", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=+1-2", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes=0x10-", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes = 1-2", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"items=1-2", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"bytes 1-2", 1000, HTTPD_RANGE_NONE, 0, 0},
        {"", 1000, HTTPD_RANGE_NONE, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t f = 7, l = 7;
        const char *r = cases[i].range;
        enum httpd_range_kind k = httpd_range_parse(r, strlen(r), cases[i].size, &f, &l);
        if (k != cases[i].kind ||
            (k == HTTPD_RANGE_SINGLE && (f != cases[i].first || l != cases[i].last)))
            fail_msg("Range: %s (size %llu): kind %d %llu-%llu", r,
                     (unsigned long long)cases[i].size, k, (unsigned long long)f,
                     (unsigned long long)l);
    }
    uint64_t f, l;
    assert_int_equal(httpd_range_parse(NULL, 0, 10, &f, &l), HTTPD_RANGE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_format),     cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_clock),           cmocka_unit_test(test_etag_list),
        cmocka_unit_test(test_accept_encoding), cmocka_unit_test(test_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
