/*
 * Host-test names for libc/.
 *
 * The kernel links libc's .c files under the standard names (memcpy, vsnprintf, strtol...).
 * Host unit tests link the same files into a program that also contains glibc, the ASan/UBSan
 * runtimes and cmocka, which call memcpy, vsnprintf and friends internally.  Defining those
 * names in a test binary would interpose our versions on all of that code (and on the
 * sanitizers' interceptors), so a bug here would surface as a crash somewhere else, or not at
 * all, and the sanitizers would no longer check the test itself.
 *
 * So each libc .c file includes this header first.  Under -DTORIL_HOST_TEST it renames every
 * function libc/ defines to toril_<name>: the definitions and the calls between libc files use
 * the toril_ names, and glibc's functions stay untouched.  The tests call the toril_ names,
 * declared in libc/tests/libc_host.h; including that here makes the compiler check those
 * declarations against the real ones.  The kernel build (no TORIL_HOST_TEST) sees none of this.
 *
 * The libc .c files include their own headers by path ("libc/include/string.h"), so the host
 * build too compiles them against these headers and not glibc's.
 */
#ifndef LIBC_HOST_NAMES_H
#define LIBC_HOST_NAMES_H

#ifdef TORIL_HOST_TEST
#include "libc/tests/libc_host.h"

/* string.c */
#define memcpy      toril_memcpy
#define memmove     toril_memmove
#define memset      toril_memset
#define memcmp      toril_memcmp
#define memchr      toril_memchr
#define strlen      toril_strlen
#define strnlen     toril_strnlen
#define strcmp      toril_strcmp
#define strncmp     toril_strncmp
#define strcasecmp  toril_strcasecmp
#define strncasecmp toril_strncasecmp
#define strchr      toril_strchr
#define strrchr     toril_strrchr
#define strstr      toril_strstr
#define strspn      toril_strspn
#define strcspn     toril_strcspn
#define strcpy      toril_strcpy
#define strncpy     toril_strncpy
#define strlcpy     toril_strlcpy

/* printf.c */
#define vsnprintf toril_vsnprintf
#define snprintf  toril_snprintf

/* stdlib.c */
#define strtol   toril_strtol
#define strtoll  toril_strtoll
#define strtoul  toril_strtoul
#define strtoull toril_strtoull
#define atoi     toril_atoi
#define abs      toril_abs
#define labs     toril_labs
#define llabs    toril_llabs
#define qsort    toril_qsort
#endif

#endif
