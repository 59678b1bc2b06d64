/*
 * The signing key of an ECDSA configuration, kept so that its precomputed table survives.
 *
 * mbedTLS 2.28 parses an EC private key as a generic EC key (MBEDTLS_PK_ECKEY).  Signing with
 * such a key copies it into a fresh ECDSA context first, and copying a group loads it anew
 * without its precomputed multiples of the base point: every signature, so every full
 * handshake, computes that comb table again (about three times the work of the multiplication
 * it serves).  The same key set up as an ECDSA key (MBEDTLS_PK_ECDSA) signs with the group it
 * holds; the first signature stores the table in that group (mbedtls_ecp_group T, T_size:
 * MBEDTLS_ECP_FIXED_POINT_OPTIM) and every later one reuses it.
 */
#ifndef TLS_SIGN_H
#define TLS_SIGN_H

#include "mbedtls/pk.h"

/*
 * Set up *dst (initialised with mbedtls_pk_init, still empty) as an ECDSA key holding a copy of
 * the EC key *src.  Returns 0, -EINVAL when *src is not an EC key (RSA keys have no such
 * table: the caller keeps using *src), -ENOMEM.  On failure *dst is left empty (freed).
 */
int tls_sign_key_ecdsa(mbedtls_pk_context *dst, const mbedtls_pk_context *src);

#endif
