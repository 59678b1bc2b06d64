/*
 * Memory and string functions (<string.h>).
 *
 * memcpy (and the forward case of memmove) is `rep movsq` then `rep movsb`, memset `rep stosq`
 * then `rep stosb`: on CPUs with fast strings the microcode copies whole cache lines and beats a
 * hand-written loop for all but the smallest sizes, in a few bytes of code.  The rest are plain
 * loops; gcc must not turn them back into calls to the functions being defined, so this
 * file is built with -fno-tree-loop-distribute-patterns (libc/module.mk).
 *
 * The names in parentheses, (memcpy), are not expanded by the function-like macros with which
 * <string.h> maps these five to gcc builtins.
 */
#include "libc/host_names.h" /* first: host-test renaming, see there */

#include <stdint.h>

#include "libc/include/ctype.h"
#include "libc/include/string.h"

void *(memcpy)(void *restrict dst, const void *restrict src, size_t n)
{
    void *ret = dst;
    size_t words = n / 8, rest = n % 8;

    /* Whole 8-byte words first, then the tail: fast-string microcode handles rep movsq as well
     * as rep movsb, and an emulator that runs string instructions one element at a time (QEMU's
     * TCG, which the tests and benchmarks here use) does 8x fewer steps.  Still ascending, as
     * memmove's forward case needs. */
    __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(rest) : : "memory");
    return ret;
}

void *(memmove)(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    /*
     * dst - src >= n (as unsigned) holds when dst is below src or past its end: a forward copy
     * then reads every byte before it is overwritten (rep movsq and rep movsb are defined to copy
     * element by element in ascending order, whatever the microcode does internally; an 8-byte
     * element is read whole before it is written).
     */
    if ((uintptr_t)d - (uintptr_t)s >= n)
        return memcpy(dst, src, n);

    /*
     * dst overlaps the tail of src: copy backwards.  Not with std; rep movsb: an interrupt
     * taken while DF is set would run C code that assumes DF clear.  8 bytes at a time, then
     * the head; __builtin_memcpy of a constant 8 is a single unaligned load or store.
     */
    d += n;
    s += n;
    while (n >= 8) {
        uint64_t w;
        d -= 8;
        s -= 8;
        n -= 8;
        __builtin_memcpy(&w, s, 8);
        __builtin_memcpy(d, &w, 8);
    }
    while (n > 0) {
        *--d = *--s;
        n--;
    }
    return dst;
}

void *(memset)(void *dst, int c, size_t n)
{
    void *ret = dst;
    size_t words = n / 8, rest = n % 8;
    uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;

    /* Whole words first, as memcpy does and for the same reason: under TCG, which runs a
     * string instruction one element at a time, 8x fewer steps (mbedTLS zeroes every big
     * number it frees: a tenth of a TLS handshake's time went to rep stosb). */
    __asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(rest) : "a"(pattern) : "memory");
    return ret;
}

int(memcmp)(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a;
    const unsigned char *q = b;

    /* Skip equal 8-byte words, then find the first differing byte. */
    while (n >= 8) {
        uint64_t x, y;
        __builtin_memcpy(&x, p, 8);
        __builtin_memcpy(&y, q, 8);
        if (x != y)
            break;
        p += 8;
        q += 8;
        n -= 8;
    }
    for (; n > 0; n--, p++, q++) {
        if (*p != *q)
            return *p - *q;
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (; n > 0; n--, p++) {
        if (*p == (unsigned char)c)
            return (void *)p;
    }
    return NULL;
}

size_t(strlen)(const char *s)
{
    const char *p = s;

    while (*p != '\0')
        p++;
    return p - s;
}

size_t strnlen(const char *s, size_t maxlen)
{
    size_t n = 0;

    while (n < maxlen && s[n] != '\0')
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;

    while (*p != '\0' && *p == *q) {
        p++;
        q++;
    }
    return *p - *q;
}

int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;

    for (; n > 0; n--, p++, q++) {
        if (*p != *q)
            return *p - *q;
        if (*p == '\0')
            break;
    }
    return 0;
}

int strcasecmp(const char *a, const char *b)
{
    return strncasecmp(a, b, SIZE_MAX);
}

int strncasecmp(const char *a, const char *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;

    for (; n > 0; n--, p++, q++) {
        int x = tolower(*p);
        int y = tolower(*q);
        if (x != y)
            return x - y;
        if (x == '\0')
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;

    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (*s == '\0')
            return (char *)last;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0)
        return (char *)haystack;
    for (; (haystack = strchr(haystack, needle[0])) != NULL; haystack++) {
        if (strncmp(haystack, needle, n) == 0)
            return (char *)haystack;
    }
    return NULL;
}

size_t strspn(const char *s, const char *accept)
{
    size_t n = 0;

    while (s[n] != '\0' && strchr(accept, s[n]) != NULL)
        n++;
    return n;
}

size_t strcspn(const char *s, const char *reject)
{
    size_t n = 0;

    while (s[n] != '\0' && strchr(reject, s[n]) == NULL)
        n++;
    return n;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
    return memcpy(dst, src, strlen(src) + 1);
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t len = strnlen(src, n);

    memcpy(dst, src, len);
    memset(dst + len, 0, n - len);
    return dst;
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
    size_t len = strlen(src);

    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
