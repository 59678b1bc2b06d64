/*
 * Host tests of libc/printf.c: our vsnprintf (toril_vsnprintf, see libc/host_names.h) against
 * glibc's for the same format and arguments.
 *
 * Two kinds of cases:
 *   - a hand-written table (CHECK lines), each checked at every buffer size from 0 to past the
 *     full length: return value, bytes written, NUL placement, nothing written past size;
 *   - a generated sweep over flags x width x precision x length x conversion x edge values,
 *     checked at full size and one truncated size.
 * Cases where the C standard leaves the result undefined (a '0' flag with %s, '#' with %d...)
 * are left out; behaviour where we deliberately differ from glibc is tested on its own.
 */
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "libc/include/errno.h"
#include "libc/tests/libc_host.h"

#define BUF_MAX 1024 /* longest expected output in these tests, with room to spare */
#define GUARD   0xa5 /* fill byte: must survive past the size given to vsnprintf */

/* Compares toril_vsnprintf with the host's for one format at buffer size `size`. */
static void check_size(int line, const char *fmt, const char *want, int want_ret, size_t size,
                       va_list ap)
{
    char buf[BUF_MAX + 16];
    va_list aq;
    int ret;

    memset(buf, GUARD, sizeof(buf));
    va_copy(aq, ap);
    /* Size 0 may come with a NULL buffer: nothing may be written. */
    ret = toril_vsnprintf(size == 0 ? NULL : buf, size, fmt, aq);
    va_end(aq);

    if (ret != want_ret)
        fail_msg("line %d: \"%s\" size %zu: returned %d, want %d", line, fmt, size, ret, want_ret);
    if (size > 0) {
        size_t n = (size_t)want_ret < size ? (size_t)want_ret : size - 1;
        if (memcmp(buf, want, n) != 0 || buf[n] != '\0')
            fail_msg("line %d: \"%s\" size %zu: wrote \"%.*s\", want \"%.*s\"", line, fmt, size,
                     (int)n, buf, (int)n, want);
    }
    for (size_t i = size; i < sizeof(buf); i++) {
        if ((unsigned char)buf[i] != GUARD)
            fail_msg("line %d: \"%s\" size %zu: wrote byte %zu", line, fmt, size, i);
    }
}

/* The hand-written table: every size from 0 to past the full length. */
static void check_all_sizes_v(int line, const char *fmt, va_list ap)
{
    char want[BUF_MAX];
    va_list aq;
    int want_ret;

    va_copy(aq, ap);
    want_ret = vsnprintf(want, sizeof(want), fmt, aq);
    va_end(aq);
    assert_true(want_ret >= 0 && want_ret < BUF_MAX);
    for (size_t size = 0; size <= (size_t)want_ret + 2; size++)
        check_size(line, fmt, want, want_ret, size, ap);
}

/* The format attribute makes gcc check each table line's arguments against its format. */
static void check_all_sizes(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check_all_sizes(int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    check_all_sizes_v(line, fmt, ap);
    va_end(ap);
}

/* The same without the attribute, for flag combinations gcc rejects as redundant ("'0' flag
 * ignored with '-' flag"): the rules that make them redundant are what those lines test. */
static void check_all_sizes_redundant(int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    check_all_sizes_v(line, fmt, ap);
    va_end(ap);
}

#define CHECK(...)           check_all_sizes(__LINE__, __VA_ARGS__)
#define CHECK_REDUNDANT(...) check_all_sizes_redundant(__LINE__, __VA_ARGS__)

static void test_literal_text(void **state)
{
    CHECK_REDUNDANT("");
    CHECK("a");
    CHECK("hello, world");
    CHECK("%%");
    CHECK("100%% sure %%%%");
    CHECK("%%d is not a conversion here");
}

static void test_signed(void **state)
{
    CHECK("%d", 0);
    CHECK("%d", 1);
    CHECK("%d", -1);
    CHECK("%i", 123456);
    CHECK("%d", INT_MAX);
    CHECK("%d", INT_MIN);
    CHECK("%ld", LONG_MAX);
    CHECK("%ld", LONG_MIN);
    CHECK("%lld", LLONG_MAX);
    CHECK("%lld", LLONG_MIN);
    CHECK("%jd", INTMAX_MIN);
    CHECK("%zd", (ssize_t)-5);
    CHECK("%td", (ptrdiff_t)PTRDIFF_MIN);
    CHECK("%hd", (short)-32768);
    CHECK("%hd", 70000); /* converted to short */
    CHECK("%hhd", (signed char)-128);
    CHECK("%hhd", 200); /* converted to signed char */
    CHECK("%hhi", 0x17f);
    CHECK("%+d %+d %+d", 5, -5, 0);
    CHECK("% d % d % d", 5, -5, 0);
    CHECK_REDUNDANT("%+ d|% +d", 7, 7); /* '+' wins over ' ' */
    CHECK("%5d|%-5d|%05d", 42, 42, 42);
    CHECK("%5d|%-5d|%05d", -42, -42, -42);
    CHECK_REDUNDANT("%-05d|%0-5d", 42, 42); /* '-' wins over '0' */
    CHECK("%+05d|% 05d", 42, 42);
    CHECK("%.0d|%.0d|%5.0d|%-5.0d|%+.0d|% .0d", 0, 1, 0, 0, 0, 0);
    CHECK_REDUNDANT("%.3d|%.3d|%.3d|%8.3d|%-8.3d|%08.3d", 7, -7, 12345, -7, -7, -7);
    CHECK("%.20d", INT_MIN);
    CHECK("%30lld|%-30lld|%030lld", LLONG_MIN, LLONG_MIN, LLONG_MIN);
    CHECK("%1d|%2d", 123, 123); /* width smaller than the number */
}

static void test_unsigned(void **state)
{
    CHECK("%u", 0u);
    CHECK("%u", UINT_MAX);
    CHECK("%lu", ULONG_MAX);
    CHECK("%llu", ULLONG_MAX);
    CHECK("%ju", UINTMAX_MAX);
    CHECK("%zu", SIZE_MAX);
    CHECK("%" PRIu64, UINT64_MAX);
    CHECK("%hu", 65535);
    CHECK("%hu", 65536);
    CHECK("%hhu", 255);
    CHECK("%hhu", 256);
    CHECK("%x|%X|%o", 0xdeadbeefu, 0xdeadbeefu, 0777u);
    CHECK("%lx|%lX|%lo", ULONG_MAX, ULONG_MAX, ULONG_MAX);
    CHECK("%llx|%llo", 0x0123456789abcdefull, 01234567012345670123ull);
    CHECK("%#x|%#X|%#o", 0xabcu, 0xabcu, 8u);
    CHECK("%#x|%#X|%#o", 0u, 0u, 0u);               /* no 0x for zero; o keeps one 0 */
    CHECK("%#.0x|%#.0o|%.0o|%.0x", 0u, 0u, 0u, 0u); /* '#' o with value 0, precision 0 */
    CHECK("%#10x|%#-10x|%#010x", 0xabu, 0xabu, 0xabu);
    CHECK("%#.5x|%#10.5x|%#.5o|%#.1o", 0xabu, 0xabu, 8u, 8u);
    CHECK("%#o|%#5o|%#05o", 01u, 01u, 01u);
    CHECK("%08x|%-8x|%8.4x", 0x1234u, 0x1234u, 0x12u);
    CHECK("%hhx|%hx|%zx|%tx|%jx", 0x1ffu, 0x1ffffu, (size_t)0xabc, (ptrdiff_t)0xdef,
          (uintmax_t)UINT64_MAX);
    CHECK_REDUNDANT("%.0u|%5.0u|%-5.0x|%05.0x", 0u, 0u, 0u, 0u);
}

static void test_width_precision_star(void **state)
{
    CHECK("%*d|%-*d|%0*d", 6, 42, 6, 42, 6, 42);
    CHECK("%*d", -6, 42); /* negative width: '-' flag */
    CHECK("%.*d|%.*d", 4, 42, 0, 0);
    CHECK("%.*d", -3, 42);            /* negative precision: as if none */
    CHECK_REDUNDANT("%0.*d", -3, 42); /* ... so '0' applies again */
    CHECK("%*.*d|%-*.*x", 8, 4, -42, 8, 4, 0x2au);
    CHECK("%*s|%-*s|%.*s", 5, "ab", 5, "ab", 1, "ab");
    CHECK("%*c|%-*c", 3, 'x', 3, 'y');
    CHECK("%*d", 0, 5);
    CHECK("%200d|%-200u", -1, 1u);
    CHECK("%.200d", 7);
}

static void test_chars_and_strings(void **state)
{
    CHECK("%c", 'a');
    CHECK("%c%c%c", 'a', 'b', 'c');
    CHECK("%3c|%-3c|", 'a', 'b');
    CHECK("%c", 0xe9); /* int converted to unsigned char */
    CHECK("%s", "");
    CHECK("%s", "hello");
    CHECK("%10s|%-10s|", "hello", "hello");
    CHECK("%.3s|%.0s|%.10s", "hello", "hello", "hello");
    CHECK("%8.3s|%-8.3s|", "hello", "hello");
    CHECK("%s and %s", "this", "that");
    CHECK("[%s]", "a string that is rather longer than the few bytes of the other cases here, "
                  "so that truncation is tried at many sizes");
    CHECK("%s%s%s", "", "x", "");
}

static void test_pointers(void **state)
{
    int x;

    CHECK("%p", (void *)&x);
    CHECK("%p", (void *)0x1);
    CHECK("%p", (void *)UINTPTR_MAX);
    CHECK("%p", (void *)NULL);
    CHECK("%20p|%-20p|", (void *)0xabcdef, (void *)0xabcdef);
    CHECK("%10p|%-10p|", (void *)NULL, (void *)NULL);
}

static void test_mixed(void **state)
{
    CHECK("GET %s HTTP/1.%d\r\nContent-Length: %zu\r\n\r\n", "/index.html", 1, (size_t)1234);
    CHECK_REDUNDANT("[%5.2s] %08.3lx %-+6hd %c%%", "abc", 0x12345ul, (short)-9, 'z');
    CHECK("%d %u %x %o %c %s %p %%", -1, 1u, 2u, 3u, '4', "5", (void *)6);
    CHECK("%llu%lld%hhu%zu", 1ull, -2ll, 3, (size_t)4);
}

/* Calls toril_vsnprintf with a format gcc does not check (for formats it would reject). */
static int unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = toril_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return ret;
}

/* %s of NULL prints "(null)", cut by a precision (glibc prints nothing below precision 6). */
static void test_null_string(void **state)
{
    const char *volatile null = NULL; /* volatile: gcc need not know it is NULL */
    char buf[64];

    assert_int_equal(toril_snprintf(buf, sizeof(buf), "%s", null), 6);
    assert_string_equal(buf, "(null)");
    assert_int_equal(toril_snprintf(buf, sizeof(buf), "[%8s|%-8s]", null, null), 19);
    assert_string_equal(buf, "[  (null)|(null)  ]");
    assert_int_equal(toril_snprintf(buf, sizeof(buf), "%.3s", null), 3);
    assert_string_equal(buf, "(nu");
}

/* Unsupported conversions are copied as written and consume no argument. */
static void test_unsupported(void **state)
{
    char buf[64];

    assert_int_equal(unchecked(buf, sizeof(buf), "a%fb%d", 5), 5);
    assert_string_equal(buf, "a%fb5");
    assert_int_equal(unchecked(buf, sizeof(buf), "%5.2Lf|%lf|%n|%d", 7), 15);
    assert_string_equal(buf, "%5.2Lf|%lf|%n|7");
    assert_int_equal(unchecked(buf, sizeof(buf), "%ls %d", 8), 5);
    assert_string_equal(buf, "%ls 8");
    /* A lone '%' (with or without flags) at the end. */
    assert_int_equal(unchecked(buf, sizeof(buf), "50%"), 3);
    assert_string_equal(buf, "50%");
    assert_int_equal(unchecked(buf, sizeof(buf), "x%-08.3l"), 8);
    assert_string_equal(buf, "x%-08.3l");
}

/* The C99 return value is the full length; longer than INT_MAX is an error (-EOVERFLOW). */
static void test_return_value(void **state)
{
    char buf[8];

    assert_int_equal(toril_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
    assert_int_equal(toril_snprintf(buf, 1, "%d", 12345), 5);
    assert_string_equal(buf, "");
    assert_int_equal(toril_snprintf(buf, sizeof(buf), "%*d", INT_MAX, 1), INT_MAX);
    assert_string_equal(buf, "       ");
    assert_int_equal(unchecked(buf, sizeof(buf), "%*d%d", INT_MAX, 1, 2), -EOVERFLOW);
    assert_string_equal(buf, "       ");
    /* A width or precision in the format larger than INT_MAX makes the result too long. */
    assert_int_equal(unchecked(buf, sizeof(buf), "%2147483647d", 1), INT_MAX);
    assert_int_equal(unchecked(buf, sizeof(buf), "%2147483648d", 1), -EOVERFLOW);
    assert_int_equal(unchecked(buf, sizeof(buf), "%99999999999999999999d", 1), -EOVERFLOW);
    assert_int_equal(unchecked(buf, sizeof(buf), "%.2147483647d", 1), INT_MAX);
    assert_int_equal(unchecked(buf, sizeof(buf), "%.99999999999999999999d", 1), -EOVERFLOW);
}

/* snprintf itself, not only vsnprintf. */
static void test_snprintf(void **state)
{
    char buf[16];

    assert_int_equal(toril_snprintf(buf, sizeof(buf), "%s=%d", "answer", 42), 9);
    assert_string_equal(buf, "answer=42");
    assert_int_equal(toril_snprintf(buf, 4, "%s=%d", "answer", 42), 9);
    assert_string_equal(buf, "ans");
}

/* ---- the generated sweep ---- */

/* Edge values, cast to each argument type in turn. */
static const unsigned long long sweep_values[] = {
    0,
    1,
    7,
    8,
    10,
    15,
    16,
    42,
    99,
    100,
    127,
    128,
    255,
    256,
    32767,
    32768,
    65535,
    65536,
    123456789,
    INT_MAX,
    (unsigned long long)INT_MAX + 1,
    UINT_MAX,
    (unsigned long long)UINT_MAX + 1,
    0x0123456789abcdefull,
    LLONG_MAX,
    (unsigned long long)LLONG_MAX + 1, /* LLONG_MIN as a signed value */
    UINT64_MAX - 1,
    UINT64_MAX, /* -1 as a signed value */
    (unsigned long long)-42,
    (unsigned long long)INT_MIN,
    (unsigned long long)-32768,
    (unsigned long long)-128,
};

/* Length modifier -> how to pass the argument. */
enum arg_type { ARG_INT, ARG_LONG, ARG_LLONG, ARG_SIZE, ARG_PTRDIFF, ARG_INTMAX };

static const struct {
    const char *mod;
    enum arg_type type;
} sweep_lengths[] = {
    {"", ARG_INT},     {"hh", ARG_INT}, {"h", ARG_INT},     {"l", ARG_LONG},
    {"ll", ARG_LLONG}, {"z", ARG_SIZE}, {"t", ARG_PTRDIFF}, {"j", ARG_INTMAX},
};

/* Calls fn with the arguments a generated format asks for: nstar is 0, 1 (a '*' width w),
 * 2 (a '*' precision p) or 3 (both, width first); then the value v. */
#define SWEEP_CALL(fn, buf, size, fmt, nstar, w, p, v)                                             \
    ((nstar) == 0   ? fn(buf, size, fmt, v)                                                        \
     : (nstar) == 1 ? fn(buf, size, fmt, w, v)                                                     \
     : (nstar) == 2 ? fn(buf, size, fmt, p, v)                                                     \
                    : fn(buf, size, fmt, w, p, v))

/* Defines name(), which compares both implementations for one generated format and one value
 * of the given type, at full size and at half the output's length. */
#define DEFINE_SWEEP_ONE(name, type)                                                               \
    static void name(const char *fmt, int nstar, int w, int p, type v)                             \
    {                                                                                              \
        char want[BUF_MAX], got[BUF_MAX];                                                          \
        int rw = SWEEP_CALL(snprintf, want, sizeof(want), fmt, nstar, w, p, v);                    \
        int rg = SWEEP_CALL(toril_snprintf, got, sizeof(got), fmt, nstar, w, p, v);                \
        if (rw != rg || strcmp(want, got) != 0)                                                    \
            fail_msg("\"%s\" (w %d p %d): got %d \"%s\", want %d \"%s\"", fmt, w, p, rg, got, rw,  \
                     want);                                                                        \
        /* One truncated size: half the output. */                                                 \
        size_t half = (size_t)rw / 2 + 1;                                                          \
        rg = SWEEP_CALL(toril_snprintf, got, half, fmt, nstar, w, p, v);                           \
        if (rg != rw || strlen(got) != half - 1 || memcmp(got, want, half - 1) != 0)               \
            fail_msg("\"%s\" size %zu: got %d \"%s\"", fmt, half, rg, got);                        \
    }

DEFINE_SWEEP_ONE(sweep_int, int)
DEFINE_SWEEP_ONE(sweep_uint, unsigned)
DEFINE_SWEEP_ONE(sweep_long, long)
DEFINE_SWEEP_ONE(sweep_ulong, unsigned long)
DEFINE_SWEEP_ONE(sweep_llong, long long)
DEFINE_SWEEP_ONE(sweep_ullong, unsigned long long)
DEFINE_SWEEP_ONE(sweep_ssize, ssize_t)
DEFINE_SWEEP_ONE(sweep_size, size_t)
DEFINE_SWEEP_ONE(sweep_ptrdiff, ptrdiff_t)
DEFINE_SWEEP_ONE(sweep_intmax, intmax_t)
DEFINE_SWEEP_ONE(sweep_uintmax, uintmax_t)

/* Passes v as the type the length modifier calls for, signed or not. */
static void sweep_one(const char *fmt, int nstar, int w, int p, enum arg_type t, bool is_signed,
                      unsigned long long v)
{
    switch (t) {
    case ARG_INT:
        if (is_signed)
            sweep_int(fmt, nstar, w, p, (int)v);
        else
            sweep_uint(fmt, nstar, w, p, (unsigned)v);
        break;
    case ARG_LONG:
        if (is_signed)
            sweep_long(fmt, nstar, w, p, (long)v);
        else
            sweep_ulong(fmt, nstar, w, p, (unsigned long)v);
        break;
    case ARG_LLONG:
        if (is_signed)
            sweep_llong(fmt, nstar, w, p, (long long)v);
        else
            sweep_ullong(fmt, nstar, w, p, v);
        break;
    case ARG_SIZE:
        if (is_signed)
            sweep_ssize(fmt, nstar, w, p, (ssize_t)v);
        else
            sweep_size(fmt, nstar, w, p, (size_t)v);
        break;
    case ARG_PTRDIFF:
        /* %tu takes the unsigned type of ptrdiff_t's width. */
        if (is_signed)
            sweep_ptrdiff(fmt, nstar, w, p, (ptrdiff_t)v);
        else
            sweep_size(fmt, nstar, w, p, (size_t)v);
        break;
    case ARG_INTMAX:
        if (is_signed)
            sweep_intmax(fmt, nstar, w, p, (intmax_t)v);
        else
            sweep_uintmax(fmt, nstar, w, p, (uintmax_t)v);
        break;
    }
}

/* Every subset of flags x width x precision x length x integer conversion x value. */
static void test_integer_sweep(void **state)
{
    static const char flag_chars[] = "-0+ #";
    static const char *const widths[] = {"", "1", "5", "24", "*", "*"};
    static const int star_widths[] = {0, 0, 0, 0, 7, -7};
    static const char *const precs[] = {"", ".", ".0", ".1", ".5", ".22", ".*", ".*"};
    static const int star_precs[] = {0, 0, 0, 0, 0, 0, 3, -1};
    static const char convs[] = "diuoxX";
    unsigned long formats = 0;

    for (unsigned c = 0; c < sizeof(convs) - 1; c++) {
        bool is_signed = convs[c] == 'd' || convs[c] == 'i';
        for (unsigned flags = 0; flags < 32; flags++) {
            char fl[8];
            size_t nfl = 0;
            for (unsigned i = 0; i < 5; i++) {
                if (flags & (1u << i))
                    fl[nfl++] = flag_chars[i];
            }
            fl[nfl] = '\0';
            /* '#' is undefined for d, i, u. */
            if ((flags & 16) && (is_signed || convs[c] == 'u'))
                continue;
            for (unsigned wi = 0; wi < 6; wi++) {
                for (unsigned pi = 0; pi < 8; pi++) {
                    for (unsigned li = 0; li < sizeof(sweep_lengths) / sizeof(sweep_lengths[0]);
                         li++) {
                        char fmt[32];
                        int nstar = (wi >= 4 ? 1 : 0) + (pi >= 6 ? 2 : 0);
                        snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", fl, widths[wi], precs[pi],
                                 sweep_lengths[li].mod, convs[c]);
                        for (unsigned vi = 0; vi < sizeof(sweep_values) / sizeof(sweep_values[0]);
                             vi++) {
                            sweep_one(fmt, nstar, star_widths[wi], star_precs[pi],
                                      sweep_lengths[li].type, is_signed, sweep_values[vi]);
                        }
                        formats++;
                    }
                }
            }
        }
    }
    print_message("%lu formats x %zu values compared\n", formats,
                  sizeof(sweep_values) / sizeof(sweep_values[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_text),
        cmocka_unit_test(test_signed),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_width_precision_star),
        cmocka_unit_test(test_chars_and_strings),
        cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_null_string),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_return_value),
        cmocka_unit_test(test_snprintf),
        cmocka_unit_test(test_integer_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
