/*
 * Content types by extension: binary search in the generated table (see mime.h).
 */
#include <string.h>

#include "httpd/mime.h"

struct mime_entry {
    const char *ext;  /* lowercase, without the dot */
    const char *type; /* Content-Type value */
};

#include "mime_table.h" /* $(BUILD)/httpd/, from httpd/gen-mime */

const char *httpd_mime_lookup(const char *name, size_t len)
{
    char ext[MIME_EXT_MAX + 1];
    size_t dot = len, n, lo = 0, hi = sizeof(mime_table) / sizeof(mime_table[0]);

    while (dot > 0 && name[dot - 1] != '.' && name[dot - 1] != '/')
        dot--;
    if (dot == 0 || name[dot - 1] != '.')
        return HTTPD_MIME_DEFAULT;
    n = len - dot;
    if (n == 0 || n > MIME_EXT_MAX)
        return HTTPD_MIME_DEFAULT;
    for (size_t i = 0; i < n; i++) {
        char c = name[dot + i];
        ext[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    ext[n] = '\0';

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(ext, mime_table[mid].ext);
        if (cmp == 0)
            return mime_table[mid].type;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return HTTPD_MIME_DEFAULT;
}
