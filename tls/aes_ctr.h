/*
 * AES in GCM's counter mode with AES-NI, four blocks at a time (tls/gcm.c).
 */
#ifndef TLS_AES_CTR_H
#define TLS_AES_CTR_H

#include <stddef.h>

#include "mbedtls/aes.h"

/* True when tls_aes_ctr32() may be used: the CPU has AES-NI, so mbedTLS set the key schedule
 * up for it (aes.c makes the same test). */
int tls_aes_ctr_available(void);

/*
 * For each of nblocks 16-byte blocks: y = inc32(y), out = in XOR AES_K(y), where inc32 adds
 * one to y's last four bytes (big-endian, modulo 2^32) as GCM's counter does.  aes: an
 * encryption key set by mbedtls_aes_setkey_enc() while tls_aes_ctr_available().  in and out
 * may be the same buffer, not otherwise overlapping.  y is left at the last counter used.
 */
void tls_aes_ctr32(const mbedtls_aes_context *aes, unsigned char y[16], const unsigned char *in,
                   unsigned char *out, size_t nblocks);

#endif
