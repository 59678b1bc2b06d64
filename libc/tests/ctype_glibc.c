/*
 * glibc's <ctype.h> functions under other names, for test_ctype.c, which includes our
 * <ctype.h> and so cannot see glibc's (same names) in the same file.
 */
#include <ctype.h>

#include "libc/tests/ctype_glibc.h"

#define WRAP(name)                                                                                 \
    int glibc_##name(int c)                                                                        \
    {                                                                                              \
        return name(c);                                                                            \
    }

WRAP(isalnum)
WRAP(isalpha)
WRAP(iscntrl)
WRAP(isdigit)
WRAP(isgraph)
WRAP(islower)
WRAP(isprint)
WRAP(ispunct)
WRAP(isspace)
WRAP(isupper)
WRAP(isxdigit)
WRAP(tolower)
WRAP(toupper)
