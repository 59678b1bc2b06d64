/*
 * <assert.h>: assert(e) panics with the file, line and expression when e is false; with NDEBUG
 * defined it compiles to nothing (and e is not evaluated).  Like the standard header it has no
 * include guard: each inclusion redefines assert for the current NDEBUG.
 *
 * Prefer PANIC_ON() or an explicit panic("%s: ...", __func__) in Toril's own code; this header
 * is for code written against the C library (lwIP, mbedTLS).
 */
#undef assert

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
/* Declared here rather than by including core/panic.h, so third-party code compiled without
 * -I. still finds it; the declaration matches core/panic.h. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
#define assert(e)                                                                                  \
    ((e) ? (void)0 : panic("%s:%d: %s: assertion failed: %s", __FILE__, __LINE__, __func__, #e))
#endif

#ifndef static_assert
#define static_assert _Static_assert
#endif
