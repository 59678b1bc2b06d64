/* Big-endian 64-bit words in byte strings, as GCM writes its blocks (tls/gcm.c, tls/ghash.c). */
#ifndef TLS_BE64_H
#define TLS_BE64_H

#include <stdint.h>
#include <string.h>

static inline uint64_t tls_load_be64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

static inline void tls_store_be64(unsigned char *p, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}

#endif
