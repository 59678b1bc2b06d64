/*
 * HTTP dates (RFC 9110 5.6.7): IMF-fixdate for Date and Last-Modified, and parsing of the three
 * forms a recipient must accept, for If-Modified-Since and If-Range.
 *
 * Context: any; pure functions, except httpd_clock_now() which updates the caller's cache.
 */
#ifndef HTTPD_DATE_H
#define HTTPD_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of an IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
#define HTTPD_DATE_LEN 29

/* Write t (Unix seconds, UTC) as an IMF-fixdate plus NUL into out.  Times before 1970 or after
 * 9999 are clamped to those years' ends (a FAT timestamp is always inside). */
void httpd_date_format(int64_t t, char out[HTTPD_DATE_LEN + 1]);

/*
 * Parse an HTTP-date: IMF-fixdate, or the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT";
 * a two-digit year below 70 is 20xx) and asctime ("Sun Nov  6 08:49:37 1994") forms.  The whole
 * of s[0..len) must be the date.  Returns 0 and *t, or -EINVAL (RFC 9110 13.1.3: an invalid
 * date makes the condition be ignored).
 */
int httpd_date_parse(const char *s, size_t len, int64_t *t);

/* The Date header value, formatted at most once per second.  One per worker (per core). */
struct httpd_clock {
    int64_t sec;                   /* second text[] shows; -1 before the first use */
    char text[HTTPD_DATE_LEN + 1]; /* IMF-fixdate of sec */
};

void httpd_clock_init(struct httpd_clock *c);

/* The IMF-fixdate of now (core_time_wall() in the kernel), from the cache when it is the same
 * second.  The string lives in c until the next call. */
const char *httpd_clock_now(struct httpd_clock *c, int64_t now);

#endif
