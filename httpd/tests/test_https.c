/*
 * Host tests of httpd/https.c: the Location that https_redirect= sends (Host without its port,
 * the HTTPS port when not 443, the target as sent; no redirect for a Host that is not a name or
 * IPv4 address) and the HSTS header inserted before the header block's empty line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "httpd/https.h"

static int location(const char *host, const char *target, uint16_t port, char *buf, size_t cap)
{
    struct httpd_request req;
    memset(&req, 0, sizeof(req));
    req.host.ptr = host;
    req.host.len = host ? strlen(host) : 0;
    req.target = target;
    req.target_len = strlen(target);
    return httpd_https_location(&req, port, buf, cap);
}

static void test_location(void **state)
{
    char buf[HTTPD_HTTPS_LOCATION_MAX];
    assert_int_equal(location("example.org:8080", "/a?b=c", 443, buf, sizeof(buf)),
                     strlen("https://example.org/a?b=c"));
    assert_string_equal(buf, "https://example.org/a?b=c");
    assert_true(location("10.0.2.15", "/", 8443, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "https://10.0.2.15:8443/");
    assert_true(location("localhost:80", "/x%20y", 443, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "https://localhost/x%20y");
}

static void test_location_refuses_odd_hosts(void **state)
{
    char buf[HTTPD_HTTPS_LOCATION_MAX];
    const char *bad[] = {
        NULL, "", ":80", "[::1]:80", "a b", "evil.org/x", "a\r\nSet-Cookie: x", "user@host", "a_b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(location(bad[i], "/", 443, buf, sizeof(buf)), -EINVAL);
    char longhost[300];
    memset(longhost, 'a', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    assert_int_equal(location(longhost, "/", 443, buf, sizeof(buf)), -EINVAL);
    longhost[253] = '\0'; /* the longest name: accepted */
    assert_true(location(longhost, "/", 443, buf, sizeof(buf)) > 0);
}

static void test_location_too_small(void **state)
{
    char buf[20];
    assert_int_equal(location("example.org", "/a/long/target", 443, buf, sizeof(buf)), -ENOSPC);
}

static void test_hsts(void **state)
{
    char head[128] = "HTTP/1.1 200 OK\r\nServer: toril\r\n\r\n";
    size_t len = strlen(head);
    assert_int_equal(httpd_https_add_hsts(head, sizeof(head), &len, 31536000), 0);
    head[len] = '\0';
    assert_string_equal(head, "HTTP/1.1 200 OK\r\nServer: toril\r\n"
                              "Strict-Transport-Security: max-age=31536000\r\n\r\n");
    /* No room: unchanged. */
    char small[48] = "HTTP/1.1 200 OK\r\nServer: toril\r\n\r\n";
    size_t slen = strlen(small);
    assert_int_equal(httpd_https_add_hsts(small, sizeof(small), &slen, 1), -ENOSPC);
    assert_int_equal(slen, strlen("HTTP/1.1 200 OK\r\nServer: toril\r\n\r\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_location),
        cmocka_unit_test(test_location_refuses_odd_hosts),
        cmocka_unit_test(test_location_too_small),
        cmocka_unit_test(test_hsts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
