/*
 * GHASH, the authenticator of AES-GCM: by PCLMULQDQ or by mbedTLS's 4-bit tables, whichever
 * this machine runs faster, measured once at boot.
 */
#ifndef TLS_GHASH_H
#define TLS_GHASH_H

/*
 * Time GCM encryption with each GHASH and keep the faster for every connection after.  Boot,
 * core 0, before any GCM key is set (a key set with PCLMULQDQ in use has no tables); logs one
 * line with both times and the choice.
 */
void tls_ghash_choose(void);

/*
 * What mbedTLS's gcm.c calls instead of mbedtls_aesni_has_support() (tls/module.mk renames it
 * for that one file): the CPU's answer, except that PCLMULQDQ is "absent" once the tables won.
 */
int tls_gcm_aesni_has_support(unsigned int what);

#endif
