/*
 * lwIP's compiler and platform header (lwip/arch.h includes it first).  Types come from the
 * freestanding <stdint.h>/<inttypes.h>; with NO_SYS=1 lwIP needs no other arch header
 * (no sys_arch.h, no perf.h).
 *
 * Everything named here that is not a macro (panic, core_random_u64) is shared kernel code: the
 * per-core lwIP copies reference it undefined, so it is not renamed (netstack/module.mk).
 */
#ifndef NETSTACK_ARCH_CC_H
#define NETSTACK_ARCH_CC_H

#include "core/panic.h"
#include "core/random.h"

#ifndef BYTE_ORDER               /* (the host tests' libc defines it already) */
#define BYTE_ORDER LITTLE_ENDIAN /* x86-64 */
#endif

/* Byte swaps as single instructions instead of lwIP's portable functions in def.c. */
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* Packed wire structs: GCC's attribute (lwIP's default, spelled out for clarity). */
#define PACK_STRUCT_STRUCT __attribute__((packed))

/* Debug output exists only with LWIP_DEBUG, which we never define: compile it away. */
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
    } while (0)

/* A failed lwIP assertion is a broken invariant: stop with where it failed, rather than run on
 * with a stack whose state no longer holds together. */
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
    panic("lwip: assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

/* TCP initial sequence numbers, DHCP transaction ids, local ports: RDRAND (core/random.h). */
#define LWIP_RAND() ((u32_t)core_random_u64())

#endif
