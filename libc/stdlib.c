/*
 * Number parsing, abs and qsort (<stdlib.h>).  malloc and friends live in core/heap, abort() in
 * core.
 */
#include "libc/host_names.h" /* first: host-test renaming, see there */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "libc/include/ctype.h"
#include "libc/include/stdlib.h"

/* Value of the digit c in bases up to 36, or 36 when c is no digit. */
static unsigned digit_value(unsigned char c)
{
    if (isdigit(c))
        return c - '0';
    if (isalpha(c))
        return tolower(c) - 'a' + 10;
    return 36;
}

/* What scan() found. */
struct scan {
    unsigned long long mag; /* magnitude, clamped at the limit */
    bool neg;               /* a '-' sign was read */
    bool over;              /* the magnitude exceeded the limit */
};

/*
 * Parses [white space][+|-][0x|0X|0]digits in base (0 or 2..36).  The magnitude is clamped at
 * max_pos, or max_neg after a '-'.  Returns the end of the digits, or nptr when there are none
 * (or the base is unsupported).
 */
static const char *scan(const char *nptr, int base, unsigned long long max_pos,
                        unsigned long long max_neg, struct scan *r)
{
    const char *s = nptr;
    const char *digits;
    unsigned long long max;

    r->mag = 0;
    r->neg = false;
    r->over = false;
    if (base < 0 || base == 1 || base > 36)
        return nptr;

    while (isspace((unsigned char)*s))
        s++;
    if (*s == '+' || *s == '-')
        r->neg = *s++ == '-';
    /* "0x" is a prefix only when a hex digit follows; otherwise the subject is just "0". */
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] | 0x20) == 'x' &&
        isxdigit((unsigned char)s[2])) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = s[0] == '0' ? 8 : 10;
    }

    max = r->neg ? max_neg : max_pos;
    for (digits = s;; s++) {
        unsigned d = digit_value(*s);
        if (d >= (unsigned)base)
            break;
        if (r->over || r->mag > (max - d) / base) {
            r->over = true;
            r->mag = max;
        } else {
            r->mag = r->mag * base + d;
        }
    }
    return s == digits ? nptr : s;
}

static void set_end(char **endptr, const char *end)
{
    if (endptr != NULL)
        *endptr = (char *)end;
}

long long strtoll(const char *restrict nptr, char **restrict endptr, int base)
{
    struct scan r;

    set_end(endptr, scan(nptr, base, LLONG_MAX, (unsigned long long)LLONG_MAX + 1, &r));
    if (!r.neg)
        return r.mag;
    if (r.over)
        return LLONG_MIN;
    /* mag <= LLONG_MAX + 1: negate in unsigned arithmetic, so LLONG_MIN does not overflow. */
    return (long long)(0 - r.mag);
}

long strtol(const char *restrict nptr, char **restrict endptr, int base)
{
    struct scan r;

    set_end(endptr, scan(nptr, base, LONG_MAX, (unsigned long long)LONG_MAX + 1, &r));
    if (!r.neg)
        return r.mag;
    if (r.over)
        return LONG_MIN;
    return (long)(0 - (unsigned long)r.mag);
}

unsigned long long strtoull(const char *restrict nptr, char **restrict endptr, int base)
{
    struct scan r;

    set_end(endptr, scan(nptr, base, ULLONG_MAX, ULLONG_MAX, &r));
    /* C: out of range is ULLONG_MAX even with a '-'; otherwise '-' negates as unsigned. */
    if (r.over)
        return ULLONG_MAX;
    return r.neg ? 0 - r.mag : r.mag;
}

unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base)
{
    struct scan r;

    set_end(endptr, scan(nptr, base, ULONG_MAX, ULONG_MAX, &r));
    if (r.over)
        return ULONG_MAX;
    return r.neg ? 0 - (unsigned long)r.mag : (unsigned long)r.mag;
}

int atoi(const char *nptr)
{
    return (int)strtol(nptr, NULL, 10);
}

int abs(int j)
{
    return j < 0 ? -j : j;
}

long labs(long j)
{
    return j < 0 ? -j : j;
}

long long llabs(long long j)
{
    return j < 0 ? -j : j;
}

/* Swaps two elements of size bytes, a word at a time where possible. */
static void swap(unsigned char *a, unsigned char *b, size_t size)
{
    for (; size >= 8; size -= 8, a += 8, b += 8) {
        uint64_t t, u;
        __builtin_memcpy(&t, a, 8);
        __builtin_memcpy(&u, b, 8);
        __builtin_memcpy(a, &u, 8);
        __builtin_memcpy(b, &t, 8);
    }
    for (; size > 0; size--, a++, b++) {
        unsigned char t = *a;
        *a = *b;
        *b = t;
    }
}

/* Moves element i of the heap base[0..n) down until neither child is larger. */
static void sift_down(unsigned char *base, size_t i, size_t n, size_t size,
                      int (*cmp)(const void *, const void *))
{
    for (;;) {
        size_t largest = i;
        size_t child = 2 * i + 1; /* i < n / 2 <= SIZE_MAX / 2: no overflow */

        if (i >= n / 2)
            return; /* a leaf */
        if (cmp(base + child * size, base + largest * size) > 0)
            largest = child;
        if (child + 1 < n && cmp(base + (child + 1) * size, base + largest * size) > 0)
            largest = child + 1;
        if (largest == i)
            return;
        swap(base + i * size, base + largest * size, size);
        i = largest;
    }
}

void qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *))
{
    unsigned char *b = base;
    size_t i;

    if (nmemb < 2 || size == 0)
        return;
    /* Build a max-heap, then repeatedly move its top behind the shrinking heap. */
    for (i = nmemb / 2; i > 0; i--)
        sift_down(b, i - 1, nmemb, size, cmp);
    for (i = nmemb - 1; i > 0; i--) {
        swap(b, b + i * size, size);
        sift_down(b, 0, i, size, cmp);
    }
}
