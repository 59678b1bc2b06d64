/* Escaping untrusted text for log lines (core/log.h).  No dependencies: host tests link it. */
#include <stddef.h>

#include "core/log.h"

size_t core_log_escape(char *dst, size_t cap, const void *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = src;
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        size_t need = (c == '"' || c == '\\') ? 2 : (c < 0x20 || c > 0x7e) ? 4 : 1;
        if (o + need + 1 > cap) {
            /* Cut: mark it, so a reader never takes a prefix for the whole value. */
            while (o > 0 && o + 3 + 1 > cap)
                o--;
            for (size_t k = 0; k < 3 && o + 1 < cap; k++)
                dst[o++] = '.';
            break;
        }
        if (need == 2) {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (need == 4) {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o] = '\0';
    return o;
}
