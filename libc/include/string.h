/*
 * <string.h>: memory and string functions.
 *
 * Every function here is pure computation on the caller's buffers: callable from any core and
 * any context (boot, main loop, interrupt and exception handlers), never blocks, never
 * allocates.  Behaviour is the C standard's unless a comment says otherwise; like the standard,
 * none of them checks for NULL.
 *
 * memcpy, memmove and memset use `rep movsb` / `rep stosb` (fast on CPUs with ERMS, and short
 * in code).  strstr is the simple O(len(haystack) * len(needle)) search: callers that search
 * untrusted input bound both lengths.
 */
#ifndef _TORIL_STRING_H
#define _TORIL_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* ASCII case-insensitive (POSIX <strings.h> functions, declared here as glibc does). */
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);

char *strcpy(char *restrict dst, const char *restrict src);
/* Standard strncpy: pads dst with NULs up to n, and does NOT terminate when src is n bytes or
 * longer.  Prefer strlcpy. */
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
/* BSD strlcpy: copies at most size - 1 bytes and always terminates when size > 0.  Returns
 * strlen(src); a return value >= size means the copy was truncated. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/*
 * The kernel is built with -ffreestanding, which implies -fno-builtin: gcc would then call
 * memcpy even for a 4-byte copy (mbedTLS reads every unaligned word with memcpy).  Through the
 * __builtin_ names gcc inlines small constant sizes and calls the functions above otherwise.
 * (Not in host tests, where libc/host_names.h renames these functions instead.)
 */
#ifndef TORIL_HOST_TEST
#define memcpy(dst, src, n)  __builtin_memcpy((dst), (src), (n))
#define memmove(dst, src, n) __builtin_memmove((dst), (src), (n))
#define memset(dst, c, n)    __builtin_memset((dst), (c), (n))
#define memcmp(a, b, n)      __builtin_memcmp((a), (b), (n))
#define strlen(s)            __builtin_strlen((s))
#endif

#endif
