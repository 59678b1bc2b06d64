/*
 * Host test of libc/include/ctype.h: every class for every unsigned char value and EOF, against
 * glibc's functions in the "C" locale (reached as glibc_<name>, defined in ctype_glibc.c: this
 * file includes our <ctype.h>, whose inline functions take the standard names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "libc/include/ctype.h"
#include "libc/tests/ctype_glibc.h"

static void test_classes(void **state)
{
    static const struct {
        const char *name;
        int (*ours)(int);
        int (*glibc)(int);
    } fns[] = {
        {"isalnum", isalnum, glibc_isalnum},    {"isalpha", isalpha, glibc_isalpha},
        {"iscntrl", iscntrl, glibc_iscntrl},    {"isdigit", isdigit, glibc_isdigit},
        {"isgraph", isgraph, glibc_isgraph},    {"islower", islower, glibc_islower},
        {"isprint", isprint, glibc_isprint},    {"ispunct", ispunct, glibc_ispunct},
        {"isspace", isspace, glibc_isspace},    {"isupper", isupper, glibc_isupper},
        {"isxdigit", isxdigit, glibc_isxdigit},
    };

    for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
        for (int c = -1; c <= 255; c++) { /* -1 is EOF */
            if (!fns[f].ours(c) != !fns[f].glibc(c))
                fail_msg("%s(%d): ours %d, glibc %d", fns[f].name, c, fns[f].ours(c),
                         fns[f].glibc(c));
        }
    }
}

static void test_case(void **state)
{
    for (int c = -1; c <= 255; c++) {
        assert_int_equal(tolower(c), glibc_tolower(c));
        assert_int_equal(toupper(c), glibc_toupper(c));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
