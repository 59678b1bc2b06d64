/*
 * Request target -> canonical path (see path.h).
 *
 * One pass over the path part of the target: each segment is decoded into the output after the
 * last '/', then judged whole: an empty or "." segment is dropped, ".." drops the segment before
 * it (or fails at the root).  Decoding first means an encoded dot or slash is judged like a raw
 * one; judging segments only once decoded means no later step can turn a name into "..".
 */
#include <errno.h>
#include <string.h>

#include "httpd/path.h"

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A byte the target may carry raw: visible ASCII (llhttp checks the finer URI grammar). */
static bool visible(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* Length of the scheme and authority of an absolute-form target ("http://host:80"), 0 if the
 * target is not one.  Only http and https: the schemes this server answers. */
static size_t authority_end(const char *t, size_t len)
{
    size_t i;

    if (len >= 7 && strncasecmp(t, "http://", 7) == 0)
        i = 7;
    else if (len >= 8 && strncasecmp(t, "https://", 8) == 0)
        i = 8;
    else
        return 0;
    size_t host = i;
    while (i < len && t[i] != '/' && t[i] != '?' && t[i] != '#')
        i++;
    if (i == host) /* RFC 9110 4.2.1: an http URI with an empty host is invalid */
        return 0;
    return i;
}

/* Close the segment that starts at out[seg] (just after a '/') and ends at *n: drop it if empty
 * or ".", drop it and the one before if "..".  Returns 0 or -EINVAL (".." at the root). */
static int end_segment(char *out, size_t seg, size_t *n)
{
    size_t len = *n - seg;

    if (len == 0)
        return 0;
    if (len == 1 && out[seg] == '.') {
        *n = seg;
        return 0;
    }
    if (len == 2 && out[seg] == '.' && out[seg + 1] == '.') {
        if (seg == 1)
            return -EINVAL;    /* above the root */
        size_t prev = seg - 1; /* the '/' before this segment */
        while (out[prev - 1] != '/')
            prev--;
        *n = prev;
        return 0;
    }
    out[(*n)++] = '/';
    return 0;
}

int httpd_path_parse(const char *target, size_t len, struct httpd_path *out)
{
    size_t i = 0, n = 1, seg = 1;

    out->len = 0;
    out->path[0] = '\0';
    out->query = NULL;
    out->query_len = 0;
    if (len == 0)
        return -EINVAL;
    if (target[0] != '/') {
        i = authority_end(target, len);
        if (i == 0)
            return -EINVAL;
        if (i < len && target[i] == '/')
            i++;
    } else {
        i = 1;
    }
    /* The decoded path is never longer than the raw one, which fits (len <= target max). */
    if (len > HTTPD_TARGET_MAX)
        return -EINVAL;

    out->path[0] = '/';
    for (; i < len; i++) {
        unsigned char c = (unsigned char)target[i];

        if (c == '?' || c == '#')
            break;
        if (!visible(c) || c == '\\')
            return -EINVAL;
        if (c == '/') {
            if (end_segment(out->path, seg, &n) != 0)
                return -EINVAL;
            seg = n;
            continue;
        }
        if (c == '%') {
            int hi = i + 2 < len ? hex(target[i + 1]) : -1;
            int lo = i + 2 < len ? hex(target[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -EINVAL;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
            /* NUL, other controls and backslash are never part of a name here; an encoded
             * '/' separates segments like a raw one. */
            if (c < 0x20 || c == 0x7f || c == '\\')
                return -EINVAL;
            if (c == '/') {
                if (end_segment(out->path, seg, &n) != 0)
                    return -EINVAL;
                seg = n;
                continue;
            }
        }
        out->path[n++] = (char)c;
    }
    /* The last segment: "/a/." and "/a/b/.." name folders, so they keep a trailing '/'. */
    if (n > seg) {
        size_t before = n;
        if (end_segment(out->path, seg, &n) != 0)
            return -EINVAL;
        if (n == before + 1) /* a name: no '/' after it */
            n--;
    }

    if (i < len && target[i] == '#')
        return -EINVAL; /* RFC 9112 3.2: a target has no fragment */
    if (i < len) {
        const char *q = target + i + 1;
        size_t qlen = len - i - 1;
        for (size_t k = 0; k < qlen; k++)
            if (!visible((unsigned char)q[k]) || q[k] == '#')
                return -EINVAL;
        out->query = q;
        out->query_len = qlen;
    }
    out->path[n] = '\0';
    out->len = n;
    return 0;
}

bool httpd_path_is_dir(const struct httpd_path *p)
{
    return p->len > 0 && p->path[p->len - 1] == '/';
}

int httpd_path_add_index(struct httpd_path *p)
{
    if (!httpd_path_is_dir(p) || p->len + sizeof(HTTPD_INDEX_NAME) > sizeof(p->path))
        return -EINVAL;
    memcpy(p->path + p->len, HTTPD_INDEX_NAME, sizeof(HTTPD_INDEX_NAME));
    p->len += sizeof(HTTPD_INDEX_NAME) - 1;
    return 0;
}

int httpd_path_location(const struct httpd_path *p, char *buf, size_t cap)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t n = 0;

    /* A folder path has its '/' already; "/" + "/" would even be "//", another host. */
    if (httpd_path_is_dir(p))
        return -EINVAL;

    for (size_t i = 0; i < p->len; i++) {
        unsigned char c = (unsigned char)p->path[i];
        if (visible(c) && c != '%' && c != '?' && c != '#') {
            if (n + 1 >= cap)
                return -ENOSPC;
            buf[n++] = (char)c;
        } else {
            if (n + 3 >= cap)
                return -ENOSPC;
            buf[n++] = '%';
            buf[n++] = digits[c >> 4];
            buf[n++] = digits[c & 15];
        }
    }
    if (n + 1 >= cap)
        return -ENOSPC;
    buf[n++] = '/';
    if (p->query != NULL) {
        if (n + 1 + p->query_len >= cap)
            return -ENOSPC;
        buf[n++] = '?';
        memcpy(buf + n, p->query, p->query_len);
        n += p->query_len;
    }
    buf[n] = '\0';
    return (int)n;
}
