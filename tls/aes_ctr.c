/*
 * AES counter mode with AES-NI (tls/aes_ctr.h).
 *
 * mbedTLS encrypts one block per call, loading every round key for every block.  Here the
 * round keys are loaded once per call and four counter blocks go through each round together:
 * on hardware the four AESENCs overlap in the pipeline; under QEMU's TCG, where each guest
 * instruction costs, the per-block loads, calls and loop steps are gone (measured: 4 KiB in
 * 22 us instead of 38).
 *
 * SSE policy: the kernel is built with -mgeneral-regs-only; this file, like mbedTLS's aesni.c,
 * is compiled with SSE and AES-NI (tls/module.mk), and holds nothing else.  It runs only under
 * mbedTLS, in a core's main loop, never in an interrupt handler, and interrupt handlers never
 * touch vector registers, so nothing needs saving.  (Not a target attribute on the function:
 * gcc 12 then drops -mstack-protector-guard=global and reads the canary from %fs.)
 */
#include <stdint.h>
#include <string.h>

#include <emmintrin.h>
#include <wmmintrin.h>

#include "mbedtls/aesni.h"
#include "tls/aes_ctr.h"

/* AES-256 has 14 rounds: 15 round keys. */
#define AES_CTR_MAX_KEYS 15

int tls_aes_ctr_available(void)
{
#if defined(MBEDTLS_AESNI_C) && defined(MBEDTLS_AESNI_HAVE_CODE)
    return mbedtls_aesni_has_support(MBEDTLS_AESNI_AES);
#else
    return 0;
#endif
}

/* The counter block with its last word set to n (big-endian). */
static inline __m128i counter(const uint32_t w[3], uint32_t n)
{
    return _mm_set_epi32((int)__builtin_bswap32(n), (int)w[2], (int)w[1], (int)w[0]);
}

void tls_aes_ctr32(const mbedtls_aes_context *aes, unsigned char y[16], const unsigned char *in,
                   unsigned char *out, size_t nblocks)
{
    const int nr = aes->nr; /* 10, 12 or 14 */
    __m128i k[AES_CTR_MAX_KEYS];
    for (int r = 0; r <= nr; r++)
        k[r] = _mm_loadu_si128((const __m128i *)aes->rk + r);
    uint32_t w[4];
    memcpy(w, y, 16);
    uint32_t n = __builtin_bswap32(w[3]);

    for (; nblocks >= 4; nblocks -= 4, in += 64, out += 64) {
        __m128i b0 = _mm_xor_si128(counter(w, n + 1), k[0]);
        __m128i b1 = _mm_xor_si128(counter(w, n + 2), k[0]);
        __m128i b2 = _mm_xor_si128(counter(w, n + 3), k[0]);
        __m128i b3 = _mm_xor_si128(counter(w, n + 4), k[0]);
        n += 4;
        for (int r = 1; r < nr; r++) {
            b0 = _mm_aesenc_si128(b0, k[r]);
            b1 = _mm_aesenc_si128(b1, k[r]);
            b2 = _mm_aesenc_si128(b2, k[r]);
            b3 = _mm_aesenc_si128(b3, k[r]);
        }
        const __m128i *ip = (const __m128i *)in;
        __m128i *op = (__m128i *)out;
        b0 = _mm_xor_si128(_mm_aesenclast_si128(b0, k[nr]), _mm_loadu_si128(ip + 0));
        b1 = _mm_xor_si128(_mm_aesenclast_si128(b1, k[nr]), _mm_loadu_si128(ip + 1));
        b2 = _mm_xor_si128(_mm_aesenclast_si128(b2, k[nr]), _mm_loadu_si128(ip + 2));
        b3 = _mm_xor_si128(_mm_aesenclast_si128(b3, k[nr]), _mm_loadu_si128(ip + 3));
        _mm_storeu_si128(op + 0, b0);
        _mm_storeu_si128(op + 1, b1);
        _mm_storeu_si128(op + 2, b2);
        _mm_storeu_si128(op + 3, b3);
    }
    for (; nblocks > 0; nblocks--, in += 16, out += 16) {
        __m128i b = _mm_xor_si128(counter(w, ++n), k[0]);
        for (int r = 1; r < nr; r++)
            b = _mm_aesenc_si128(b, k[r]);
        b = _mm_aesenclast_si128(b, k[nr]);
        _mm_storeu_si128((__m128i *)out, _mm_xor_si128(b, _mm_loadu_si128((const __m128i *)in)));
    }
    w[3] = __builtin_bswap32(n);
    memcpy(y, w, 16);
}
