/*
 * GHASH by PCLMULQDQ, by per-position tables, or by integer multiplication (tls/ghash.h).
 *
 * Why three.  Each product is 128 x 128 bits carry-less, reduced modulo
 * P = x^128 + x^7 + x^2 + x + 1.  PCLMULQDQ does a 64 x 64 piece in one instruction on
 * hardware, but QEMU's TCG runs it as a helper that loops over the bits of one operand, and
 * then every other way is faster.  mbedTLS's own table routine walks 32 nibbles, shifting and
 * reducing after each; here the tables hold a multiple of H for every nibble value at every
 * position, so a product is 32 lookups and XORs with no shift or reduction between them
 * (measured under TCG: about twice as fast per block).  The multiply routine needs no table at
 * all and runs in constant time: it is what a key uses until it has hashed enough bytes to be
 * worth 8 KiB of tables, and if those cannot be had.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/aesni.h"
#include "mbedtls/platform_util.h"
#include "tls/be64.h"
#include "tls/ghash.h"

/* The reduction constant: x^128 = x^7 + x^2 + x + 1, which in GCM's bit order (x^0 at the top
 * bit) is 0xE1 in the top byte. */
#define GHASH_R (0xE1ull << 56)

/* 32 positions x 16 nibble values x 16 bytes. */
#define GHASH_TABLE_BYTES (32 * 16 * 2 * sizeof(uint64_t))

/* Written at boot (tls_ghash_choose, core 0) before any key is set; read-only afterwards. */
static enum tls_ghash_by ghash_by = TLS_GHASH_BY_TABLES;

void tls_ghash_use(enum tls_ghash_by by)
{
    ghash_by = by;
}

int tls_ghash_clmul_available(void)
{
#if defined(MBEDTLS_AESNI_C) && defined(MBEDTLS_AESNI_HAVE_CODE)
    return mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL);
#else
    return 0;
#endif
}

/* ---- multiply routine ------------------------------------------------------------------------- */

/*
 * Carry-less 64 x 64 -> 128 by integer multiplication.  Each operand is split into five
 * interleaved parts, part i keeping the bits at positions = i (mod 5) (at most 13 of them).  In
 * the integer product of two parts every term lands on a position of one class modulo 5, and
 * at most 13 terms land on any one position: the count fits in 5 bits, so the carries of a
 * position stay in the four positions above it, which belong to other classes.  The bit at a
 * position of the right class is therefore the parity of its terms, which is the carry-less
 * product's bit; XOR the five products of each class, keep that class's positions.
 */
#define GHASH_M5 0x1084210842108421ull /* positions 0, 5, 10, ..., 60 */

typedef unsigned __int128 ghash_u128;

static void clmul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t ap[5], bp[5];
    for (int i = 0; i < 5; i++) {
        ap[i] = a & (GHASH_M5 << i);
        bp[i] = b & (GHASH_M5 << i);
    }
    uint64_t h = 0, l = 0;
    for (int c = 0; c < 5; c++) { /* class c of the product's positions */
        ghash_u128 z = 0;
        for (int i = 0; i < 5; i++)
            z ^= (ghash_u128)ap[i] * bp[(c - i + 5) % 5];
        /* Class c in the low word is positions c, c+5, ...; in the high word, position 64 + j
         * is in class c when j = c + 1 (mod 5). */
        l |= (uint64_t)z & (GHASH_M5 << c);
        h |= (uint64_t)(z >> 64) & (GHASH_M5 << ((c + 1) % 5));
    }
    *hi = h;
    *lo = l;
}

/*
 * x = x * h.  Karatsuba: three 64 x 64 products make the 256-bit product.  In GCM's bit order
 * the integer product of two bit-reversed polynomials is their product reversed and shifted
 * right by one, hence the shift left by one; its upper 128 bits are then the low-degree half,
 * its lower 128 bits the high-degree half, which is folded back with x^128 = x^7 + x^2 + x + 1
 * (multiplying by x^k being a right shift by k; the bits shifted out are folded once more).
 */
static void mul_int(uint64_t x[2], const uint64_t h[2])
{
    uint64_t z0h, z0l, z2h, z2l, z1h, z1l;
    clmul64(x[1], h[1], &z0h, &z0l);
    clmul64(x[0], h[0], &z2h, &z2l);
    clmul64(x[0] ^ x[1], h[0] ^ h[1], &z1h, &z1l);
    z1h ^= z0h ^ z2h;
    z1l ^= z0l ^ z2l;
    uint64_t p0 = z0l, p1 = z0h ^ z1l, p2 = z2l ^ z1h, p3 = z2h;
    uint64_t q3 = p3 << 1 | p2 >> 63, q2 = p2 << 1 | p1 >> 63;
    uint64_t q1 = p1 << 1 | p0 >> 63, q0 = p0 << 1;
    /* (q1, q0) times x^128 = times (1 + x + x^2 + x^7): first the bits that the shifts by 1, 2
     * and 7 push past x^127, folded into the top of q1 ... */
    uint64_t dh = q1 ^ (q0 << 63) ^ (q0 << 62) ^ (q0 << 57), dl = q0;
    /* ... then the shifts themselves. */
    x[0] = q3 ^ dh ^ (dh >> 1) ^ (dh >> 2) ^ (dh >> 7);
    x[1] = q2 ^ dl ^ (dl >> 1 | dh << 63) ^ (dl >> 2 | dh << 62) ^ (dl >> 7 | dh << 57);
}

/* ---- tables ----------------------------------------------------------------------------------- */

/* table[i][v] = (nibble v at position i) * H, position 0 being the top nibble of x[0].  The top
 * bit of nibble i is the coefficient of x^(4i), so its one-bit entries are H x^(4i) .. H x^(4i+3):
 * H times successive powers of x, each a right shift with the reduction folded in. */
static void build_table(uint64_t (*t)[16][2], const uint64_t h[2])
{
    uint64_t v0 = h[0], v1 = h[1];
    for (int i = 0; i < 32; i++) {
        for (int bit = 8; bit > 0; bit >>= 1) {
            t[i][bit][0] = v0;
            t[i][bit][1] = v1;
            uint64_t carry = v1 & 1;
            v1 = v1 >> 1 | v0 << 63;
            v0 = (v0 >> 1) ^ ((0 - carry) & GHASH_R);
        }
        t[i][0][0] = t[i][0][1] = 0;
        for (int v = 3; v < 16; v++) {
            int low = v & -v; /* v's lowest bit; the rest is an entry made already */
            if (v == low)
                continue;
            t[i][v][0] = t[i][v ^ low][0] ^ t[i][low][0];
            t[i][v][1] = t[i][v ^ low][1] ^ t[i][low][1];
        }
    }
}

static void mul_table(uint64_t x[2], const uint64_t (*t)[16][2])
{
    uint64_t zh = 0, zl = 0;
    for (int i = 0; i < 16; i++) {
        unsigned v = (x[0] >> (60 - 4 * i)) & 15;
        zh ^= t[i][v][0];
        zl ^= t[i][v][1];
    }
    for (int i = 0; i < 16; i++) {
        unsigned v = (x[1] >> (60 - 4 * i)) & 15;
        zh ^= t[16 + i][v][0];
        zl ^= t[16 + i][v][1];
    }
    x[0] = zh;
    x[1] = zl;
}

/* ---- the interface ---------------------------------------------------------------------------- */

void tls_ghash_setkey(struct tls_ghash_key *k, const unsigned char h[16])
{
    tls_ghash_free(k);
    memcpy(k->h_bytes, h, 16);
    k->h[0] = tls_load_be64(h);
    k->h[1] = tls_load_be64(h + 8);
}

void tls_ghash_free(struct tls_ghash_key *k)
{
    if (k->table) {
        mbedtls_platform_zeroize(k->table, GHASH_TABLE_BYTES);
        free(k->table);
    }
    mbedtls_platform_zeroize(k, sizeof(*k));
}

static void blocks_clmul(const struct tls_ghash_key *k, uint64_t x[2], const unsigned char *p,
                         size_t nblocks)
{
#if defined(MBEDTLS_AESNI_C) && defined(MBEDTLS_AESNI_HAVE_CODE)
    unsigned char b[16];
    for (size_t i = 0; i < nblocks; i++, p += 16) {
        tls_store_be64(b, x[0] ^ tls_load_be64(p));
        tls_store_be64(b + 8, x[1] ^ tls_load_be64(p + 8));
        mbedtls_aesni_gcm_mult(b, b, k->h_bytes);
        x[0] = tls_load_be64(b);
        x[1] = tls_load_be64(b + 8);
    }
#else
    (void)k, (void)x, (void)p, (void)nblocks; /* never chosen without the code */
#endif
}

void tls_ghash_blocks(struct tls_ghash_key *k, uint64_t x[2], const unsigned char *p,
                      size_t nblocks)
{
    if (ghash_by == TLS_GHASH_BY_CLMUL) {
        blocks_clmul(k, x, p, nblocks);
        return;
    }
    if (!k->table && k->hashed >= TLS_GHASH_TABLE_AFTER) {
        k->table = malloc(GHASH_TABLE_BYTES);
        if (k->table)
            build_table(k->table, k->h);
        else
            k->hashed = 0; /* no memory now: try again after as many bytes again */
    }
    if (!k->table && k->hashed < TLS_GHASH_TABLE_AFTER)
        k->hashed += 16 * (uint64_t)nblocks;
    for (size_t i = 0; i < nblocks; i++, p += 16) {
        x[0] ^= tls_load_be64(p);
        x[1] ^= tls_load_be64(p + 8);
        if (k->table)
            mul_table(x, (const uint64_t(*)[16][2])k->table);
        else
            mul_int(x, k->h);
    }
}
