/*
 * HTTP dates (see date.h).  Calendar arithmetic on days since 1970-01-01 in the proleptic
 * Gregorian calendar (H. Hinnant's days_from_civil/civil_from_days), in integers only.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "httpd/date.h"

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const wdays_long[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

#define SECS_PER_DAY 86400
#define DATE_MIN     0              /* 1970-01-01 00:00:00 */
#define DATE_MAX     253402300799LL /* 9999-12-31 23:59:59 */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void httpd_date_format(int64_t t, char out[HTTPD_DATE_LEN + 1])
{
    int64_t y;
    unsigned m, d;

    if (t < DATE_MIN)
        t = DATE_MIN;
    if (t > DATE_MAX)
        t = DATE_MAX;
    int64_t days = t / SECS_PER_DAY;
    unsigned secs = (unsigned)(t % SECS_PER_DAY);
    civil_from_days(days, &y, &m, &d);

    memcpy(out, wdays[(days + 4) % 7], 3); /* 1970-01-01 was a Thursday */
    memcpy(out + 3, ", ", 2);
    put2(out + 5, d);
    out[7] = ' ';
    memcpy(out + 8, months[m - 1], 3);
    out[11] = ' ';
    put2(out + 12, (unsigned)(y / 100));
    put2(out + 14, (unsigned)(y % 100));
    out[16] = ' ';
    put2(out + 17, secs / 3600);
    out[19] = ':';
    put2(out + 20, secs / 60 % 60);
    out[22] = ':';
    put2(out + 23, secs % 60);
    memcpy(out + 25, " GMT", 5); /* with the NUL */
}

/* --- parsing ----------------------------------------------------------------------------------
 * A small cursor over the input: each step matches a fixed piece or fails. */

struct cur {
    const char *s, *end;
    bool ok;
};

static void lit(struct cur *c, const char *text)
{
    size_t n = strlen(text);
    if (!c->ok || (size_t)(c->end - c->s) < n || memcmp(c->s, text, n) != 0) {
        c->ok = false;
        return;
    }
    c->s += n;
}

/* Exactly n digits. */
static unsigned num(struct cur *c, size_t n)
{
    unsigned v = 0;
    if (!c->ok || (size_t)(c->end - c->s) < n) {
        c->ok = false;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (c->s[i] < '0' || c->s[i] > '9') {
            c->ok = false;
            return 0;
        }
        v = v * 10 + (unsigned)(c->s[i] - '0');
    }
    c->s += n;
    return v;
}

static unsigned month(struct cur *c)
{
    for (unsigned i = 0; i < 12; i++) {
        if (c->ok && c->end - c->s >= 3 && memcmp(c->s, months[i], 3) == 0) {
            c->s += 3;
            return i + 1;
        }
    }
    c->ok = false;
    return 0;
}

/* One of the names in the table (each is matched in full, case-sensitively as RFC 9110 asks). */
static void wday(struct cur *c, bool long_names)
{
    for (unsigned i = 0; i < 7; i++) {
        const char *name = long_names ? wdays_long[i] : wdays[i];
        size_t n = strlen(name);
        if (c->ok && (size_t)(c->end - c->s) >= n && memcmp(c->s, name, n) == 0) {
            c->s += n;
            return;
        }
    }
    c->ok = false;
}

static void clock_time(struct cur *c, unsigned *h, unsigned *mi, unsigned *s)
{
    *h = num(c, 2);
    lit(c, ":");
    *mi = num(c, 2);
    lit(c, ":");
    *s = num(c, 2);
}

static int finish(const struct cur *c, int64_t y, unsigned m, unsigned d, unsigned h, unsigned mi,
                  unsigned s, int64_t *t)
{
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (!c->ok || c->s != c->end)
        return -EINVAL;
    if (d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -EINVAL;
    if (h > 23 || mi > 59 || s > 60) /* 60: a leap second */
        return -EINVAL;
    *t = days_from_civil(y, m, d) * SECS_PER_DAY + h * 3600 + mi * 60 + s;
    return 0;
}

int httpd_date_parse(const char *str, size_t len, int64_t *t)
{
    struct cur c = {str, str + len, true};
    unsigned d, m, h, mi, s;
    int64_t y;

    if (len == HTTPD_DATE_LEN && str[3] == ',') {
        /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
        wday(&c, false);
        lit(&c, ", ");
        d = num(&c, 2);
        lit(&c, " ");
        m = month(&c);
        lit(&c, " ");
        y = num(&c, 4);
        lit(&c, " ");
        clock_time(&c, &h, &mi, &s);
        lit(&c, " GMT");
        return finish(&c, y, m, d, h, mi, s, t);
    }
    if (len > 3 && str[3] == ' ') {
        /* asctime: Sun Nov  6 08:49:37 1994 (day padded with a space) */
        wday(&c, false);
        lit(&c, " ");
        m = month(&c);
        lit(&c, " ");
        if (c.ok && c.s < c.end && *c.s == ' ') {
            c.s++;
            d = num(&c, 1);
        } else {
            d = num(&c, 2);
        }
        lit(&c, " ");
        clock_time(&c, &h, &mi, &s);
        lit(&c, " ");
        y = num(&c, 4);
        return finish(&c, y, m, d, h, mi, s, t);
    }
    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    wday(&c, true);
    lit(&c, ", ");
    d = num(&c, 2);
    lit(&c, "-");
    m = month(&c);
    lit(&c, "-");
    y = num(&c, 2);
    y += y < 70 ? 2000 : 1900;
    lit(&c, " ");
    clock_time(&c, &h, &mi, &s);
    lit(&c, " GMT");
    return finish(&c, y, m, d, h, mi, s, t);
}

void httpd_clock_init(struct httpd_clock *c)
{
    c->sec = -1;
    c->text[0] = '\0';
}

const char *httpd_clock_now(struct httpd_clock *c, int64_t now)
{
    if (now != c->sec) {
        httpd_date_format(now, c->text);
        c->sec = now;
    }
    return c->text;
}
