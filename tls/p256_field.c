/*
 * Arithmetic modulo the P-256 prime (tls/p256_field.h).
 *
 * Products are 4 x 4 limbs schoolbook into 512 bits, then reduced with the prime's special
 * form (FIPS 186-4, D.2.3): written as sixteen 32-bit words c0..c15, a 512-bit value is
 * congruent to a signed sum of nine 256-bit values made of those words, which is summed column
 * by column (one 32-bit word each) in 64-bit signed accumulators.  What carries out of the top
 * is folded back with 2^256 = 2^224 - 2^192 - 2^96 + 1 (mod p), and one conditional
 * subtraction of p ends it.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tls/p256_field.h"

typedef unsigned __int128 p256_u128;

const p256_fe p256_p = {0xffffffffffffffffull, 0x00000000ffffffffull, 0, 0xffffffff00000001ull};

/* r = a - p if that does not borrow (or carry says a had a 257th bit), else a. */
static void sub_p_if_ge(p256_fe r, const p256_fe a, uint64_t carry)
{
    uint64_t s[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        p256_u128 d = (p256_u128)a[i] - p256_p[i] - borrow;
        s[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    uint64_t take = 0 - (carry | (borrow ^ 1)); /* all ones: take a - p */
    for (int i = 0; i < 4; i++)
        r[i] = (s[i] & take) | (a[i] & ~take);
}

void p256_add(p256_fe r, const p256_fe a, const p256_fe b)
{
    uint64_t t[4];
    p256_u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (p256_u128)a[i] + b[i];
        t[i] = (uint64_t)c;
        c >>= 64;
    }
    sub_p_if_ge(r, t, (uint64_t)c);
}

void p256_sub(p256_fe r, const p256_fe a, const p256_fe b)
{
    uint64_t t[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        p256_u128 d = (p256_u128)a[i] - b[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    uint64_t add = 0 - borrow; /* all ones: a < b, add p back */
    p256_u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (p256_u128)t[i] + (p256_p[i] & add);
        r[i] = (uint64_t)c;
        c >>= 64;
    }
}

/* The 32-bit words of a sum (w[0] least significant, each a signed column total), carried
 * into r with the signed carry out of the top returned. */
static int64_t carry_words(uint32_t r[8], const int64_t w[8])
{
    int64_t acc = 0;
    for (int i = 0; i < 8; i++) {
        acc += w[i];
        r[i] = (uint32_t)acc;
        acc >>= 32; /* arithmetic: floor division, so acc stays exact */
    }
    return acc;
}

void p256_reduce(p256_fe r, const uint64_t t[8])
{
    int64_t c[16];
    for (int i = 0; i < 8; i++) {
        c[2 * i] = (int64_t)(t[i] & 0xffffffff);
        c[2 * i + 1] = (int64_t)(t[i] >> 32);
    }
    /* s1 + 2 s2 + 2 s3 + s4 + s5 - d1 - d2 - d3 - d4, column by column. */
    int64_t w[8] = {
        c[0] + c[8] + c[9] - c[11] - c[12] - c[13] - c[14],
        c[1] + c[9] + c[10] - c[12] - c[13] - c[14] - c[15],
        c[2] + c[10] + c[11] - c[13] - c[14] - c[15],
        c[3] + 2 * c[11] + 2 * c[12] + c[13] - c[15] - c[8] - c[9],
        c[4] + 2 * c[12] + 2 * c[13] + c[14] - c[9] - c[10],
        c[5] + 2 * c[13] + 2 * c[14] + c[15] - c[10] - c[11],
        c[6] + 3 * c[14] + 2 * c[15] + c[13] - c[8] - c[9],
        c[7] + 3 * c[15] + c[8] - c[10] - c[11] - c[12] - c[13],
    };
    uint32_t v[8];
    int64_t top = carry_words(v, w);
    /*
     * v + top 2^256 with |top| <= 7.  Fold top in with 2^256 = 2^224 - 2^192 - 2^96 + 1: the
     * value is then within 2^227 of [0, 2^256), so the new carry is -1, 0 or 1, and a carry of
     * 1 leaves v below 2^227 (of -1, above 2^256 - 2^227): a second fold cannot carry again.
     */
    for (int fold = 0; fold < 2; fold++) {
        int64_t f[8];
        for (int i = 0; i < 8; i++)
            f[i] = v[i];
        f[0] += top;
        f[3] -= top;
        f[6] -= top;
        f[7] += top;
        top = carry_words(v, f);
    }
    /* Now 0 <= v < 2^256 < 2p. */
    p256_fe a;
    for (int i = 0; i < 4; i++)
        a[i] = (uint64_t)v[2 * i] | (uint64_t)v[2 * i + 1] << 32;
    sub_p_if_ge(r, a, 0);
}

void p256_mul(p256_fe r, const p256_fe a, const p256_fe b)
{
    uint64_t t[8] = {0};
    for (int i = 0; i < 4; i++) {
        p256_u128 c = 0;
        for (int j = 0; j < 4; j++) {
            c += (p256_u128)a[i] * b[j] + t[i + j]; /* < 2^128: (2^64-1)^2 + 2 (2^64-1) */
            t[i + j] = (uint64_t)c;
            c >>= 64;
        }
        t[i + 4] = (uint64_t)c;
    }
    p256_reduce(r, t);
}

void p256_sqr(p256_fe r, const p256_fe a)
{
    p256_mul(r, a, a);
}

/* r = a^(2^n) */
static void sqr_n(p256_fe r, const p256_fe a, int n)
{
    p256_sqr(r, a);
    for (int i = 1; i < n; i++)
        p256_sqr(r, r);
}

void p256_inv(p256_fe r, const p256_fe a)
{
    /*
     * a^(p-2).  p - 2 is, from the top: 32 ones, 31 zeros, a one, 96 zeros, 94 ones, 0, 1.
     * x_k = a^(2^k - 1) (k ones) are built by doubling, the exponent then assembled from the
     * top: 255 squarings and 13 multiplications.
     */
    p256_fe x2, x4, x8, x16, x30, x32, t;
    sqr_n(t, a, 1);
    p256_mul(x2, t, a);
    sqr_n(t, x2, 2);
    p256_mul(x4, t, x2);
    sqr_n(t, x4, 4);
    p256_mul(x8, t, x4);
    sqr_n(t, x8, 8);
    p256_mul(x16, t, x8);
    sqr_n(t, x16, 16);
    p256_mul(x32, t, x16);
    sqr_n(t, x16, 8); /* x24 */
    p256_mul(t, t, x8);
    sqr_n(t, t, 4); /* x28 */
    p256_mul(t, t, x4);
    sqr_n(t, t, 2);
    p256_mul(x30, t, x2);

    sqr_n(t, x32, 32); /* 32 ones, then 31 zeros and a one */
    p256_mul(t, t, a);
    sqr_n(t, t, 96); /* 96 zeros */
    sqr_n(t, t, 32); /* 94 ones: 32 + 32 + 30 */
    p256_mul(t, t, x32);
    sqr_n(t, t, 32);
    p256_mul(t, t, x32);
    sqr_n(t, t, 30);
    p256_mul(t, t, x30);
    sqr_n(t, t, 2); /* 0, 1 */
    p256_mul(r, t, a);
}

bool p256_is_zero(const p256_fe a)
{
    return (a[0] | a[1] | a[2] | a[3]) == 0;
}

bool p256_is_reduced(const p256_fe a)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        p256_u128 d = (p256_u128)a[i] - p256_p[i] - borrow;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow; /* a - p borrowed: a < p */
}
