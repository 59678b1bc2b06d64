/*
 * Host tests of core_log_escape() (core/log.h): what a request target or a file name can put
 * into a log line.  Quotes and backslashes are escaped, bytes outside 0x20..0x7e become \xHH,
 * a value that does not fit is cut with "..." and the result always ends in a NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"

static void check(const char *in, size_t len, size_t cap, const char *want)
{
    char out[256];
    memset(out, 'Z', sizeof(out));
    size_t n = core_log_escape(out, cap, in, len);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    assert_true(n < cap);
}

static void test_plain_text_is_unchanged(void **state)
{
    check("/index.html?a=1&b=~x", 20, 64, "/index.html?a=1&b=~x");
    check("", 0, 8, "");
}

static void test_quote_and_backslash_are_escaped(void **state)
{
    check("/a\"b\\c", 6, 64, "/a\\\"b\\\\c");
}

static void test_controls_and_high_bytes_become_hex(void **state)
{
    check("a\nb\r\x1b[2J\x7f\x85\xff", 11, 64, "a\\x0ab\\x0d\\x1b[2J\\x7f\\x85\\xff");
    check("nul\0x", 5, 64, "nul\\x00x");
}

static void test_cut_values_are_marked(void **state)
{
    check("abcdefghij", 10, 8, "abcd...");
    /* An escape never goes out half-written: it does not fit, so the value is cut before it. */
    check("ab\x01", 3, 6, "ab...");
    check("abc", 3, 1, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_is_unchanged),
        cmocka_unit_test(test_quote_and_backslash_are_escaped),
        cmocka_unit_test(test_controls_and_high_bytes_become_hex),
        cmocka_unit_test(test_cut_values_are_marked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
