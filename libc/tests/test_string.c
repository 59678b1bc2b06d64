/*
 * Host tests of libc/string.c and libc/stdlib.c (as toril_<name>, see libc/host_names.h),
 * mostly against glibc's functions on the same input:
 *   - memcpy, memset, memmove at every length 0..64 and every alignment 0..7, memmove with
 *     overlap in both directions, guard bytes around every destination;
 *   - the str* functions on edge cases (empty strings, bytes >= 0x80, truncation);
 *   - strto* on edge cases and overflow, for every base, value and end pointer;
 *   - qsort on random arrays of several element sizes.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "libc/tests/libc_host.h"
#include "tests/host/xorshift.h"

#define MAX_LEN   64  /* lengths tried exhaustively */
#define MAX_ALIGN 8   /* offsets tried exhaustively */
#define AREA      256 /* bytes of each test area: MAX_ALIGN + MAX_LEN + guards, with room */
#define GUARD     0xa5

/* A deterministic pseudo-random sequence (xorshift64), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    return xorshift64(&rng_state);
}

static void fill_random(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)rng();
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* ---- memcpy, memset, memmove ---- */

static void test_memcpy(void **state)
{
    unsigned char src[AREA], dst[AREA], want[AREA];

    fill_random(src, sizeof(src));
    for (size_t len = 0; len <= MAX_LEN; len++) {
        for (size_t so = 0; so < MAX_ALIGN; so++) {
            for (size_t d = 0; d < MAX_ALIGN; d++) {
                memset(dst, GUARD, sizeof(dst));
                memset(want, GUARD, sizeof(want));
                memcpy(want + d, src + so, len);
                assert_ptr_equal(toril_memcpy(dst + d, src + so, len), dst + d);
                assert_memory_equal(dst, want, sizeof(dst));
            }
        }
    }
}

static void test_memset(void **state)
{
    unsigned char dst[AREA], want[AREA];

    for (size_t len = 0; len <= MAX_LEN; len++) {
        for (size_t d = 0; d < MAX_ALIGN; d++) {
            /* Only the low byte of c counts. */
            static const int values[] = {0, 0x5a, 0xff, 0x1ff, -1};
            for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
                memset(dst, GUARD, sizeof(dst));
                memset(want, GUARD, sizeof(want));
                memset(want + d, values[v], len);
                assert_ptr_equal(toril_memset(dst + d, values[v], len), dst + d);
                assert_memory_equal(dst, want, sizeof(dst));
            }
        }
    }
}

/*
 * memmove within one area, src and dst at every pair of offsets 0..2*MAX_ALIGN-1: dst below
 * src, equal, and above src, overlapping or not.
 */
static void test_memmove_overlap(void **state)
{
    unsigned char area[AREA], want[AREA];

    for (size_t len = 0; len <= MAX_LEN; len++) {
        for (size_t so = 0; so < 2 * MAX_ALIGN; so++) {
            for (size_t d = 0; d < 2 * MAX_ALIGN; d++) {
                fill_random(area, sizeof(area));
                memcpy(want, area, sizeof(area));
                memmove(want + 8 + d, want + 8 + so, len);
                assert_ptr_equal(toril_memmove(area + 8 + d, area + 8 + so, len), area + 8 + d);
                assert_memory_equal(area, want, sizeof(area));
            }
        }
    }
}

/* Long moves, by small and large distances, both directions. */
static void test_memmove_long(void **state)
{
    static unsigned char area[4 * 4096], want[4 * 4096];
    static const size_t lens[] = {65, 127, 1000, 4096, 4097, 8191};
    static const size_t dists[] = {1, 3, 7, 8, 9, 63, 64, 4000};

    for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
        for (size_t i = 0; i < sizeof(dists) / sizeof(dists[0]); i++) {
            size_t base = 4096, len = lens[l], dist = dists[i];
            /* dst above src (backward copy), then below (forward copy). */
            fill_random(area, sizeof(area));
            memcpy(want, area, sizeof(area));
            memmove(want + base + dist, want + base, len);
            toril_memmove(area + base + dist, area + base, len);
            assert_memory_equal(area, want, sizeof(area));

            fill_random(area, sizeof(area));
            memcpy(want, area, sizeof(area));
            memmove(want + base - dist, want + base, len);
            toril_memmove(area + base - dist, area + base, len);
            assert_memory_equal(area, want, sizeof(area));
        }
    }
}

/* ---- comparisons and searches ---- */

static void test_memcmp(void **state)
{
    unsigned char a[AREA], b[AREA];

    for (size_t len = 0; len <= MAX_LEN; len++) {
        for (size_t off = 0; off < MAX_ALIGN; off++) {
            fill_random(a, sizeof(a));
            memcpy(b, a, sizeof(b));
            assert_int_equal(toril_memcmp(a + off, b + off, len), 0);
            /* A difference at each position, in both directions, with bytes >= 0x80 (the
             * comparison is of unsigned chars). */
            for (size_t at = 0; at < len; at++) {
                memcpy(b, a, sizeof(b));
                b[off + at] = a[off + at] ^ 0x80;
                assert_int_equal(sign(toril_memcmp(a + off, b + off, len)),
                                 sign(memcmp(a + off, b + off, len)));
                assert_int_equal(sign(toril_memcmp(b + off, a + off, len)),
                                 sign(memcmp(b + off, a + off, len)));
                /* Bytes after len do not count. */
                assert_int_equal(toril_memcmp(a + off, b + off, at), 0);
            }
        }
    }
}

static void test_memchr(void **state)
{
    static const char s[] = "abc\0def\xff";

    assert_ptr_equal(toril_memchr(s, 'a', sizeof(s)), s);
    assert_ptr_equal(toril_memchr(s, 'd', sizeof(s)), s + 4);
    assert_ptr_equal(toril_memchr(s, '\0', sizeof(s)), s + 3);
    assert_ptr_equal(toril_memchr(s, 0xff, sizeof(s)), s + 7);
    assert_ptr_equal(toril_memchr(s, -1, sizeof(s)), s + 7); /* converted to unsigned char */
    assert_ptr_equal(toril_memchr(s, 'd', 4), NULL);
    assert_ptr_equal(toril_memchr(s, 'a', 0), NULL);
    assert_ptr_equal(toril_memchr(s, 'z', sizeof(s)), NULL);
}

static void test_strlen(void **state)
{
    char buf[AREA];

    for (size_t off = 0; off < MAX_ALIGN; off++) {
        for (size_t len = 0; len <= MAX_LEN; len++) {
            memset(buf, 'x', sizeof(buf));
            buf[off + len] = '\0';
            assert_int_equal(toril_strlen(buf + off), len);
            assert_int_equal(toril_strnlen(buf + off, len + 1), len);
            assert_int_equal(toril_strnlen(buf + off, len), len);
            if (len > 0)
                assert_int_equal(toril_strnlen(buf + off, len - 1), len - 1);
        }
    }
    /* strnlen reads no further than maxlen: here there is no NUL at all. */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(toril_strnlen(buf, sizeof(buf)), sizeof(buf));
}

static void test_strcmp(void **state)
{
    static const char *const strs[] = {
        "", "a", "b", "ab", "abc", "abd", "abcd", "ABC", "aBc", "\x80", "\xff", "a\xff", "z",
    };
    size_t n = sizeof(strs) / sizeof(strs[0]);

    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            const char *a = strs[i], *b = strs[j];
            assert_int_equal(sign(toril_strcmp(a, b)), sign(strcmp(a, b)));
            assert_int_equal(sign(toril_strcasecmp(a, b)), sign(strcasecmp(a, b)));
            for (size_t k = 0; k <= 5; k++) {
                assert_int_equal(sign(toril_strncmp(a, b, k)), sign(strncmp(a, b, k)));
                assert_int_equal(sign(toril_strncasecmp(a, b, k)), sign(strncasecmp(a, b, k)));
            }
        }
    }
    assert_int_equal(toril_strcasecmp("Content-Length", "content-length"), 0);
    assert_int_equal(toril_strncasecmp("HOST: x", "host: y", 5), 0);
    /* Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ. */
    assert_true(toril_strcasecmp("@", "`") != 0);
}

static void test_strchr(void **state)
{
    static const char s[] = "hello, world";
    static const char high[] = "a\xe9"
                               "b\xe9";

    assert_ptr_equal(toril_strchr(s, 'h'), s);
    assert_ptr_equal(toril_strchr(s, 'o'), s + 4);
    assert_ptr_equal(toril_strchr(s, 'z'), NULL);
    assert_ptr_equal(toril_strchr(s, '\0'), s + strlen(s)); /* the terminator is found */
    assert_ptr_equal(toril_strrchr(s, 'o'), s + 8);
    assert_ptr_equal(toril_strrchr(s, 'h'), s);
    assert_ptr_equal(toril_strrchr(s, 'z'), NULL);
    assert_ptr_equal(toril_strrchr(s, '\0'), s + strlen(s));
    /* c is converted to char: 0xe9 finds the byte 0xe9. */
    assert_ptr_equal(toril_strchr(high, 0xe9), high + 1);
    assert_ptr_equal(toril_strrchr(high, 0xe9), high + 3);
}

static void test_strstr(void **state)
{
    static const char *const hay[] = {"", "a", "aaab", "abcabcabd", "hello world", "aab"};
    static const char *const needles[] = {"", "a", "b", "aab", "abcabd", "world", "worlds", "x"};

    for (size_t i = 0; i < sizeof(hay) / sizeof(hay[0]); i++) {
        for (size_t j = 0; j < sizeof(needles) / sizeof(needles[0]); j++)
            assert_ptr_equal(toril_strstr(hay[i], needles[j]), strstr(hay[i], needles[j]));
    }
}

static void test_strspn(void **state)
{
    static const char *const strs[] = {"", "abc", "  \t x", "GET /", "12345abc", "\x80\x81"};
    static const char *const sets[] = {"", " \t", "abc", "0123456789", "\x80", "GET"};

    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        for (size_t j = 0; j < sizeof(sets) / sizeof(sets[0]); j++) {
            assert_int_equal(toril_strspn(strs[i], sets[j]), strspn(strs[i], sets[j]));
            assert_int_equal(toril_strcspn(strs[i], sets[j]), strcspn(strs[i], sets[j]));
        }
    }
}

/* ---- copies ---- */

static void test_strcpy(void **state)
{
    char buf[16];

    memset(buf, GUARD, sizeof(buf));
    assert_ptr_equal(toril_strcpy(buf, "abc"), buf);
    assert_memory_equal(buf, "abc\0\xa5", 5);
    assert_ptr_equal(toril_strcpy(buf, ""), buf);
    assert_int_equal(buf[0], '\0');
}

static void test_strncpy(void **state)
{
    char buf[16], want[16];

    for (size_t n = 0; n <= 8; n++) {
        memset(buf, GUARD, sizeof(buf));
        memset(want, GUARD, sizeof(want));
        /* Pads with NULs up to n; no terminator when "abcde" fills n. */
        strncpy(want, "abcde", n);
        assert_ptr_equal(toril_strncpy(buf, "abcde", n), buf);
        assert_memory_equal(buf, want, sizeof(buf));
    }
}

static void test_strlcpy(void **state)
{
    char buf[8];

    memset(buf, GUARD, sizeof(buf));
    assert_int_equal(toril_strlcpy(buf, "abc", sizeof(buf)), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(toril_strlcpy(buf, "abcdefghij", sizeof(buf)), 10); /* truncated */
    assert_string_equal(buf, "abcdefg");
    assert_int_equal(toril_strlcpy(buf, "abcdefg", sizeof(buf)), 7); /* just fits */
    assert_string_equal(buf, "abcdefg");
    assert_int_equal(toril_strlcpy(buf, "xy", 1), 2);
    assert_string_equal(buf, "");
    memset(buf, GUARD, sizeof(buf));
    assert_int_equal(toril_strlcpy(buf, "xy", 0), 2); /* size 0: nothing written */
    assert_int_equal((unsigned char)buf[0], GUARD);
}

/* ---- strto* ---- */

static const char *const strto_inputs[] = {
    "",
    " ",
    "+",
    "-",
    "0",
    "-0",
    "+0",
    "1",
    "42",
    "  42",
    "\t\n\v\f\r 42",
    "-17xyz",
    "+17 ",
    "0x",
    "0X",
    "0x1A",
    "0X1a",
    "0xg",
    "-0x10",
    "0x-1",
    "077",
    "08",
    "09",
    "0b101",
    "101",
    "z",
    "Zz",
    "zZ1",
    "1_000",
    "- 1",
    "--1",
    "+-1",
    "127",
    "-128",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9223372036854775806",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "-18446744073709551615",
    "-18446744073709551616",
    "99999999999999999999999999999999",
    "-99999999999999999999999999999999",
    "0x7fffffffffffffff",
    "0x8000000000000000",
    "-0x8000000000000000",
    "0xffffffffffffffff",
    "0x10000000000000000",
    "01777777777777777777777",
    "02000000000000000000000",
    "1y2p0ij32e8e7", /* LLONG_MAX in base 36 */
    "3w5e11264sgsf", /* ULLONG_MAX in base 36 */
    "3w5e11264sgsg",
    "1111111111111111111111111111111111111111111111111111111111111111",
    "11111111111111111111111111111111111111111111111111111111111111111",
};

static const int strto_bases[] = {0, 2, 8, 10, 16, 36, 1, 37, -1};

static void test_strto(void **state)
{
    for (size_t i = 0; i < sizeof(strto_inputs) / sizeof(strto_inputs[0]); i++) {
        for (size_t j = 0; j < sizeof(strto_bases) / sizeof(strto_bases[0]); j++) {
            const char *s = strto_inputs[i];
            int base = strto_bases[j];
            char *want_end, *got_end;

            long l = strtol(s, &want_end, base);
            if (base < 0 || base == 1 || base > 36)
                want_end = (char *)s; /* glibc leaves endptr alone for EINVAL */
            assert_int_equal(toril_strtol(s, &got_end, base), l);
            if (got_end != want_end)
                fail_msg("strtol(\"%s\", %d): end %td, want %td", s, base, got_end - s,
                         want_end - s);

            long long ll = strtoll(s, &want_end, base);
            if (base < 0 || base == 1 || base > 36)
                want_end = (char *)s;
            assert_int_equal(toril_strtoll(s, &got_end, base), ll);
            assert_ptr_equal(got_end, want_end);

            unsigned long ul = strtoul(s, &want_end, base);
            if (base < 0 || base == 1 || base > 36)
                want_end = (char *)s;
            assert_int_equal(toril_strtoul(s, &got_end, base), ul);
            assert_ptr_equal(got_end, want_end);

            unsigned long long ull = strtoull(s, &want_end, base);
            if (base < 0 || base == 1 || base > 36)
                want_end = (char *)s;
            assert_int_equal(toril_strtoull(s, &got_end, base), ull);
            assert_ptr_equal(got_end, want_end);

            /* endptr may be NULL. */
            assert_int_equal(toril_strtoll(s, NULL, base), ll);
        }
        /* atoi is (int)strtol(s, NULL, 10), as in glibc. */
        assert_int_equal(toril_atoi(strto_inputs[i]), (int)strtol(strto_inputs[i], NULL, 10));
    }
}

static void test_abs(void **state)
{
    assert_int_equal(toril_abs(0), 0);
    assert_int_equal(toril_abs(-5), 5);
    assert_int_equal(toril_abs(INT_MAX), INT_MAX);
    assert_int_equal(toril_abs(-INT_MAX), INT_MAX);
    assert_int_equal(toril_labs(LONG_MIN + 1), LONG_MAX);
    assert_int_equal(toril_llabs(-42), 42);
}

/* ---- qsort ---- */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* 12 bytes (not a multiple of 8), compared on the key only. */
struct rec12 {
    uint32_t key;
    uint32_t a, b; /* a copy of key, to check records move whole */
};

static int cmp_rec12(const void *a, const void *b)
{
    const struct rec12 *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

/* 3 bytes, compared as a whole. */
static int cmp_bytes3(const void *a, const void *b)
{
    return memcmp(a, b, 3);
}

static void test_qsort_ints(void **state)
{
    static int arr[2000], want[2000];
    static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 100, 1000, 2000};

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        /* Random values, few distinct values (many ties), sorted, reversed. */
        for (int kind = 0; kind < 4; kind++) {
            for (size_t i = 0; i < n; i++) {
                switch (kind) {
                case 0:
                    arr[i] = (int)rng();
                    break;
                case 1:
                    arr[i] = (int)(rng() % 4) - 2;
                    break;
                case 2:
                    arr[i] = (int)i;
                    break;
                default:
                    arr[i] = (int)(n - i);
                    break;
                }
            }
            memcpy(want, arr, n * sizeof(arr[0]));
            qsort(want, n, sizeof(want[0]), cmp_int);
            toril_qsort(arr, n, sizeof(arr[0]), cmp_int);
            assert_memory_equal(arr, want, n * sizeof(arr[0]));
        }
    }
}

static void test_qsort_records(void **state)
{
    static struct rec12 recs[500], want12[500];
    static unsigned char bytes[3 * 500], want3[3 * 500];

    for (size_t n = 0; n <= 500; n += 1 + n / 4) {
        for (size_t i = 0; i < n; i++) {
            uint32_t k = (uint32_t)rng();
            recs[i] = (struct rec12){k, k, ~k};
        }
        memcpy(want12, recs, n * sizeof(recs[0]));
        qsort(want12, n, sizeof(want12[0]), cmp_rec12);
        toril_qsort(recs, n, sizeof(recs[0]), cmp_rec12);
        /* Keys are random 32-bit values: equal keys (where the order could differ) are
         * possible but then the records are equal too. */
        assert_memory_equal(recs, want12, n * sizeof(recs[0]));

        fill_random(bytes, 3 * n);
        memcpy(want3, bytes, 3 * n);
        qsort(want3, n, 3, cmp_bytes3);
        toril_qsort(bytes, n, 3, cmp_bytes3);
        assert_memory_equal(bytes, want3, 3 * n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy),          cmocka_unit_test(test_memset),
        cmocka_unit_test(test_memmove_overlap), cmocka_unit_test(test_memmove_long),
        cmocka_unit_test(test_memcmp),          cmocka_unit_test(test_memchr),
        cmocka_unit_test(test_strlen),          cmocka_unit_test(test_strcmp),
        cmocka_unit_test(test_strchr),          cmocka_unit_test(test_strstr),
        cmocka_unit_test(test_strspn),          cmocka_unit_test(test_strcpy),
        cmocka_unit_test(test_strncpy),         cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_strto),           cmocka_unit_test(test_abs),
        cmocka_unit_test(test_qsort_ints),      cmocka_unit_test(test_qsort_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
