/*
 * <stdlib.h>: number parsing, sorting, and the allocator's declarations.
 *
 * malloc, calloc, realloc and free are implemented by core/heap (per-core arenas; see
 * core/heap.h for their calling context: main loop only, never from interrupt handlers).
 * abort() is implemented by core as a panic.  Everything implemented in libc/ is pure
 * computation: any context, never blocks, never allocates.
 */
#ifndef _TORIL_STDLIB_H
#define _TORIL_STDLIB_H

#include <stddef.h>

void *malloc(size_t size) __attribute__((malloc, alloc_size(1)));
void *calloc(size_t nmemb, size_t size) __attribute__((malloc, alloc_size(1, 2)));
void *realloc(void *ptr, size_t size) __attribute__((alloc_size(2)));
void free(void *ptr);

/* Panics: there is no process to abort.  Never returns. */
__attribute__((noreturn)) void abort(void);

/*
 * strto*: C semantics.  Leading white space, an optional sign, then digits in base 2..36;
 * base 0 means C literal syntax (0x hex, 0 octal, else decimal), base 16 accepts a 0x prefix.
 * *endptr (when endptr is not NULL) is set past the last digit used, or to nptr when there are
 * none.  Out of range values are clamped to the type's min/max (the unsigned functions return
 * the max; a '-' negates the parsed value in the unsigned type, as in C).  There is no errno:
 * callers that must tell a clamped value from a real one check the digits themselves.  An
 * unsupported base returns 0 with *endptr = nptr.
 */
long strtol(const char *restrict nptr, char **restrict endptr, int base);
long long strtoll(const char *restrict nptr, char **restrict endptr, int base);
unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base);
unsigned long long strtoull(const char *restrict nptr, char **restrict endptr, int base);
/* (int)strtol(nptr, NULL, 10): no error reporting at all, for code that already validated. */
int atoi(const char *nptr);

int abs(int j);
long labs(long j);
long long llabs(long long j);

/*
 * Sorts nmemb elements of size bytes with cmp (negative, 0, positive as for C qsort).  Not
 * stable.  Heapsort: O(n log n) in the worst case and no recursion, so bounded stack use.
 */
void qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *));

#endif
