/*
 * Arithmetic modulo the NIST P-256 prime p = 2^256 - 2^224 + 2^192 + 2^96 - 1 on four 64-bit
 * limbs, for tls/ecp_p256.c.  Elements are fully reduced (0 <= a < p) in and out; every
 * function runs in constant time (no branch or memory index depends on the values) and allows
 * its output to be one of its inputs.
 */
#ifndef TLS_P256_FIELD_H
#define TLS_P256_FIELD_H

#include <stdbool.h>
#include <stdint.h>

/* Least significant limb first. */
typedef uint64_t p256_fe[4];

extern const p256_fe p256_p;

void p256_add(p256_fe r, const p256_fe a, const p256_fe b);
void p256_sub(p256_fe r, const p256_fe a, const p256_fe b);
void p256_mul(p256_fe r, const p256_fe a, const p256_fe b);
void p256_sqr(p256_fe r, const p256_fe a);
/* r = a^-1 (a^(p-2), Fermat); r = 0 for a = 0. */
void p256_inv(p256_fe r, const p256_fe a);

/* Any 512-bit value t (t[0] least significant) reduced modulo p. */
void p256_reduce(p256_fe r, const uint64_t t[8]);

bool p256_is_zero(const p256_fe a);
/* True when a < p (a value read from outside may not be). */
bool p256_is_reduced(const p256_fe a);

#endif
