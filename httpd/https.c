/* HTTPS redirect target and HSTS header (https.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "httpd/https.h"
#include "httpd/limits.h"

#define HOST_MAX 253 /* a DNS name's longest text form */

static int host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '-';
}

int httpd_https_location(const struct httpd_request *req, uint16_t https_port, char *buf,
                         size_t cap)
{
    const char *h = req->host.ptr;
    size_t n = req->host.len;
    if (!h || n == 0)
        return -EINVAL;
    const char *colon = memchr(h, ':', n);
    if (colon)
        n = (size_t)(colon - h); /* the port after it is the plain HTTP one: replaced */
    if (n == 0 || n > HOST_MAX)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!host_char(h[i]))
            return -EINVAL;
    char port[8] = "";
    if (https_port != 443)
        snprintf(port, sizeof(port), ":%u", https_port);
    int len = snprintf(buf, cap, "https://%.*s%s%s", (int)n, h, port, req->target);
    if (len < 0 || (size_t)len >= cap)
        return -ENOSPC;
    return len;
}

int httpd_https_add_hsts(char *head, size_t cap, size_t *len, uint32_t max_age)
{
    char line[64];
    int n = snprintf(line, sizeof(line), "Strict-Transport-Security: max-age=%u\r\n", max_age);
    if (n < 0 || (size_t)n >= sizeof(line) || *len < 4 || *len + (size_t)n > cap)
        return -ENOSPC;
    /* Before the final empty line: head ends with "\r\n\r\n". */
    char *at = head + *len - 2;
    memmove(at + n, at, 2);
    memcpy(at, line, (size_t)n);
    *len += (size_t)n;
    return 0;
}
