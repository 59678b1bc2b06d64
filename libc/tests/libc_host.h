/*
 * The libc/ functions as host unit tests see them: renamed toril_<name> so they do not replace
 * glibc's (see libc/host_names.h).  Semantics are those documented in libc/include/.
 */
#ifndef LIBC_TESTS_LIBC_HOST_H
#define LIBC_TESTS_LIBC_HOST_H

#include <stdarg.h>
#include <stddef.h>

void *toril_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *toril_memmove(void *dst, const void *src, size_t n);
void *toril_memset(void *dst, int c, size_t n);
int toril_memcmp(const void *a, const void *b, size_t n);
void *toril_memchr(const void *s, int c, size_t n);
size_t toril_strlen(const char *s);
size_t toril_strnlen(const char *s, size_t maxlen);
int toril_strcmp(const char *a, const char *b);
int toril_strncmp(const char *a, const char *b, size_t n);
int toril_strcasecmp(const char *a, const char *b);
int toril_strncasecmp(const char *a, const char *b, size_t n);
char *toril_strchr(const char *s, int c);
char *toril_strrchr(const char *s, int c);
char *toril_strstr(const char *haystack, const char *needle);
size_t toril_strspn(const char *s, const char *accept);
size_t toril_strcspn(const char *s, const char *reject);
char *toril_strcpy(char *restrict dst, const char *restrict src);
char *toril_strncpy(char *restrict dst, const char *restrict src, size_t n);
size_t toril_strlcpy(char *restrict dst, const char *restrict src, size_t size);

int toril_vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int toril_snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(printf, 3, 4)));

long toril_strtol(const char *restrict nptr, char **restrict endptr, int base);
long long toril_strtoll(const char *restrict nptr, char **restrict endptr, int base);
unsigned long toril_strtoul(const char *restrict nptr, char **restrict endptr, int base);
unsigned long long toril_strtoull(const char *restrict nptr, char **restrict endptr, int base);
int toril_atoi(const char *nptr);
int toril_abs(int j);
long toril_labs(long j);
long long toril_llabs(long long j);
void toril_qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *));

#endif
