/*
 * GHASH, the authenticator of GCM (NIST SP 800-38D, 6.4), for tls/gcm.c: multiplication by the
 * hash key H in GF(2^128), by one of three routines.
 *
 *   PCLMULQDQ   the CPU's carry-less multiply (mbedTLS's aesni.c); on hardware by far the
 *               fastest.
 *   tables      32 tables of 16 multiples of H, one per 4-bit position of the operand: a
 *               product is 32 lookups and XORs, no reduction (8 KiB per key).
 *   multiply    integer multiplication with the operands spread out so that carries cannot
 *               reach a bit that counts (no table, no secret-dependent memory access).
 *
 * Which of PCLMULQDQ and tables serves is measured once at boot (tls_ghash_choose): under an
 * emulator such as QEMU's TCG, which runs each PCLMULQDQ in a helper routine, the tables win.
 * With the tables chosen, a key starts on the multiply routine and gets its tables once it has
 * hashed TLS_GHASH_TABLE_AFTER bytes: a connection's receiving key (requests: a few hundred
 * bytes) never pays the 8 KiB, the sending key (files) does on its first large record.  If that
 * allocation fails the key stays on the multiply routine: slower, never wrong.
 *
 * Representation: a 128-bit field element as two 64-bit words, v[0] holding the first 8 bytes
 * of the block big-endian, v[1] the last 8.  GCM numbers bits from the left, so the
 * coefficient of x^0 is the top bit of v[0] and multiplying by x shifts right.
 */
#ifndef TLS_GHASH_H
#define TLS_GHASH_H

#include <stddef.h>
#include <stdint.h>

/* Bytes a key hashes with the multiply routine before it gets tables (when tables serve). */
#define TLS_GHASH_TABLE_AFTER 4096

struct tls_ghash_key {
    uint64_t h[2];                  /* H */
    unsigned char h_bytes[16];      /* H as GCM writes it, for PCLMULQDQ */
    uint64_t (*table)[16][2];       /* [position][nibble]: nibble at position times H, or NULL */
    uint64_t hashed;                /* bytes hashed so far (counts up to TLS_GHASH_TABLE_AFTER) */
};

/* Sets the key to H (16 bytes: E_K(0^128)); k is zeroed or was set before (its tables are
 * freed).  No allocation here. */
void tls_ghash_setkey(struct tls_ghash_key *k, const unsigned char h[16]);

/* Zeroes the key and frees its tables. */
void tls_ghash_free(struct tls_ghash_key *k);

/* For each of nblocks 16-byte blocks at p: x = (x XOR block) * H. */
void tls_ghash_blocks(struct tls_ghash_key *k, uint64_t x[2], const unsigned char *p,
                      size_t nblocks);

/* The routine every key uses from now on (tables: the multiply routine first, see above).
 * Default: tables.  Set at boot by tls_ghash_choose() (tls/ghash_choose.c); tests set both. */
enum tls_ghash_by { TLS_GHASH_BY_TABLES, TLS_GHASH_BY_CLMUL };
void tls_ghash_use(enum tls_ghash_by by);

/* True when the CPU has PCLMULQDQ (and mbedTLS's code for it is built in). */
int tls_ghash_clmul_available(void);

/*
 * Measures PCLMULQDQ against the tables (4 KiB, alternating, best of three each) and keeps the
 * faster for every key after; logs the choice.  Boot, core 0, before any GCM key is used.
 * Without PCLMULQDQ: tables, without measuring.
 */
void tls_ghash_choose(void);

#endif
