/*
 * Parsers of the fields that choose a response (see negotiate.h).
 */
#include <string.h>

#include "httpd/negotiate.h"

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

/* etagc = "!" / %x23-7E / obs-text (RFC 9110 8.8.3): anything visible but '"'. */
static bool etagc(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* Parse one entity-tag at s[*i]: [W/] DQUOTE *etagc DQUOTE.  Sets its opaque-tag (with the
 * quotes) and whether it is weak; false if malformed. */
static bool entity_tag(const char *s, size_t len, size_t *i, const char **opaque, size_t *olen,
                       bool *weak)
{
    size_t k = *i;

    *weak = false;
    if (len - k >= 2 && s[k] == 'W' && s[k + 1] == '/') {
        *weak = true;
        k += 2;
    }
    if (k >= len || s[k] != '"')
        return false;
    size_t start = k++;
    while (k < len && etagc((unsigned char)s[k]))
        k++;
    if (k >= len || s[k] != '"')
        return false;
    k++;
    *opaque = s + start;
    *olen = k - start;
    *i = k;
    return true;
}

bool httpd_is_etag(const char *value, size_t len)
{
    return (len >= 1 && value[0] == '"') || (len >= 2 && value[0] == 'W' && value[1] == '/');
}

bool httpd_etag_list_match(const char *list, size_t len, const char *etag, size_t etag_len)
{
    size_t i = 0;

    if (list == NULL)
        return false;
    for (;;) {
        const char *opaque;
        size_t olen;
        bool weak;

        while (i < len && (ows(list[i]) || list[i] == ','))
            i++;
        if (i == len)
            return false;
        if (list[i] == '*') /* "*": any current representation, and there is one */
            return true;
        if (!entity_tag(list, len, &i, &opaque, &olen, &weak))
            return false;
        if (olen == etag_len && memcmp(opaque, etag, olen) == 0)
            return true;
        while (i < len && ows(list[i]))
            i++;
        if (i < len && list[i] != ',')
            return false;
    }
}

bool httpd_etag_strong_match(const char *value, size_t len, const char *etag, size_t etag_len)
{
    const char *opaque;
    size_t olen, i = 0;
    bool weak;

    if (value == NULL || !entity_tag(value, len, &i, &opaque, &olen, &weak))
        return false;
    return i == len && !weak && olen == etag_len && memcmp(opaque, etag, olen) == 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if
 * malformed. */
static int qvalue(const char *s, size_t len)
{
    int v;

    if (len == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    v = (s[0] - '0') * 1000;
    if (len == 1)
        return v;
    if (s[1] != '.' || len > 5)
        return -1;
    int scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9' || (v == 1000 && s[i] != '0'))
            return -1;
        v += (s[i] - '0') * scale;
    }
    return v;
}

/* The weight of one Accept-Encoding element's parameters (";q=0.5"): 1000 without "q", -1 if
 * malformed.  Other parameters are not defined for codings and make the element malformed. */
static int weight(const char *p, size_t len)
{
    size_t i = 0;

    while (i < len && ows(p[i]))
        i++;
    if (i == len)
        return 1000;
    if (p[i++] != ';')
        return -1;
    while (i < len && ows(p[i]))
        i++;
    if (len - i < 2 || (p[i] != 'q' && p[i] != 'Q') || p[i + 1] != '=')
        return -1;
    i += 2;
    size_t start = i;
    while (i < len && !ows(p[i]))
        i++;
    size_t end = i;
    while (i < len && ows(p[i]))
        i++;
    if (i != len)
        return -1;
    return qvalue(p + start, end - start);
}

bool httpd_accepts_gzip(const char *value, size_t len)
{
    int gzip = -2, star = -2; /* -2: not listed */
    size_t i = 0;

    if (value == NULL)
        return false;
    while (i < len) {
        while (i < len && (ows(value[i]) || value[i] == ','))
            i++;
        size_t start = i;
        while (i < len && value[i] != ',' && value[i] != ';' && !ows(value[i]))
            i++;
        size_t tlen = i - start;
        size_t pstart = i;
        while (i < len && value[i] != ',')
            i++;
        if (tlen == 0)
            continue;
        int w = weight(value + pstart, i - pstart);
        const char *tok = value + start;
        if ((tlen == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
            (tlen == 6 && strncasecmp(tok, "x-gzip", 6) == 0)) {
            if (w > gzip || gzip == -2)
                gzip = w < 0 ? 0 : w; /* the best of gzip and x-gzip */
        } else if (tlen == 1 && tok[0] == '*') {
            star = w < 0 ? 0 : w;
        }
    }
    if (gzip != -2)
        return gzip > 0;
    return star > 0;
}

/* 1*DIGIT at s[*i], saturating at UINT64_MAX (a position past any file). */
static bool number(const char *s, size_t len, size_t *i, uint64_t *v)
{
    size_t start = *i;

    *v = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        unsigned d = (unsigned)(s[*i] - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
        (*i)++;
    }
    return *i > start;
}

enum httpd_range_kind httpd_range_parse(const char *value, size_t len, uint64_t size,
                                        uint64_t *first, uint64_t *last)
{
    size_t i = 6, specs = 0, satisfiable = 0;
    uint64_t f = 0, l = 0;

    if (value == NULL || len < 6 || strncasecmp(value, "bytes=", 6) != 0)
        return HTTPD_RANGE_NONE;
    for (;;) {
        uint64_t a, b;

        while (i < len && (ows(value[i]) || value[i] == ','))
            i++;
        if (i == len)
            break;
        if (value[i] == '-') {
            /* suffix-range: the last b bytes */
            i++;
            if (!number(value, len, &i, &b))
                return HTTPD_RANGE_NONE;
            if (b > 0 && size > 0) {
                a = b >= size ? 0 : size - b;
                b = size - 1;
                satisfiable++;
                f = a;
                l = b;
            }
        } else {
            /* int-range: a-b or a- */
            if (!number(value, len, &i, &a) || i == len || value[i] != '-')
                return HTTPD_RANGE_NONE;
            i++;
            if (number(value, len, &i, &b)) {
                if (b < a)
                    return HTTPD_RANGE_NONE; /* invalid: the whole field is ignored */
            } else {
                b = UINT64_MAX;
            }
            if (a < size) {
                satisfiable++;
                f = a;
                l = b < size ? b : size - 1;
            }
        }
        specs++;
        while (i < len && ows(value[i]))
            i++;
        if (i < len && value[i] != ',')
            return HTTPD_RANGE_NONE;
    }
    if (specs == 0)
        return HTTPD_RANGE_NONE;
    if (satisfiable == 0)
        return HTTPD_RANGE_UNSATISFIABLE;
    if (specs > 1)
        return HTTPD_RANGE_MULTI;
    *first = f;
    *last = l;
    return HTTPD_RANGE_SINGLE;
}
