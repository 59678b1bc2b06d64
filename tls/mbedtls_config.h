/*
 * mbedTLS 2.28 build configuration for Toril (MBEDTLS_CONFIG_FILE, tls/module.mk): a TLS 1.2
 * server and nothing else.  Whatever is not compiled in cannot be negotiated, so the protocol
 * policy of tls/ is mostly enforced here:
 *   - TLS 1.2 only (no SSLv3, TLS 1.0, 1.1: their code is absent);
 *   - AEAD suites with ECDHE only: ECDHE-ECDSA and ECDHE-RSA with AES-128/256-GCM and
 *     ChaCha20-Poly1305 (no CBC mode, RC4, NULL cipher, export, anonymous, static RSA or PSK
 *     key exchange: absent);
 *   - curves X25519 and P-256; keys RSA (checked >= 2048 bits by tls/keys.c) and ECDSA P-256;
 *   - session tickets, ALPN, max_fragment_length, extended master secret; no renegotiation.
 *
 * Kernel constraints:
 *   - no operating system: no platform entropy, no file system, no sockets, no threads; RDRAND
 *     is the entropy source (tls/entropy.c provides mbedtls_hardware_poll);
 *   - allocation through the C calloc/free, which core/malloc.c routes to the calling core's
 *     heap (no MBEDTLS_PLATFORM_MEMORY: its function pointers would be one more global);
 *   - no lazily initialised global tables: AES uses its ROM tables, the ciphersuite list is a
 *     compile-time constant (MBEDTLS_SSL_CIPHERSUITES), so mbedTLS's writable globals are few
 *     and, linked into the per-core window with lwIP (netstack/module.mk), per core anyway;
 *   - time() (ticket lifetimes) is provided by tls/platform.c from the wall clock.
 *
 * Record buffers (memory per TLS connection): one input and one output buffer of
 * MBEDTLS_SSL_IN/OUT_CONTENT_LEN plus ~90 bytes of record overhead each.  Input must take a
 * whole record of any client (16 KiB: TLS lets a client send full-size records, and few clients
 * negotiate max_fragment_length).  Output is 16 KiB too: one record per 16 KiB of a file keeps
 * the per-record cost (header, tag, one AEAD call) low; a client that negotiates a smaller
 * max_fragment_length gets smaller records.
 */
#ifndef TLS_MBEDTLS_CONFIG_H
#define TLS_MBEDTLS_CONFIG_H

/* clang-format off */

/* ---- System ---------------------------------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM                /* bignum multiply in x86-64 asm (general registers) */
#define MBEDTLS_HAVE_TIME               /* ticket lifetimes and key rotation need seconds */
#define MBEDTLS_NO_PLATFORM_ENTROPY     /* no /dev/urandom */
#define MBEDTLS_ENTROPY_HARDWARE_ALT    /* mbedtls_hardware_poll: RDRAND (tls/entropy.c) */

/* ---- Symmetric crypto and hashes ------------------------------------------------------------ */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES          /* constant tables: no lazy init, no writable global */
#define MBEDTLS_AESNI_C                 /* AES-NI and PCLMULQDQ (tls/module.mk: SSE for aesni.c
                                           only; main loop only) */
#define MBEDTLS_GCM_C
#define MBEDTLS_GCM_ALT                 /* GCM is ours: tls/gcm.c (context: tls/alt/gcm_alt.h) */
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C                /* PRF, certificates, CTR_DRBG's entropy */
#define MBEDTLS_SHA512_C                /* SHA-384 for the AES-256-GCM suites; entropy pool */
#define MBEDTLS_CTR_DRBG_C              /* one per core (lwIP's altcp_tls state is per core) */
#define MBEDTLS_ENTROPY_C

/* ---- Public-key crypto ---------------------------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM          /* fast P-256 reduction */
#define MBEDTLS_ECP_INTERNAL_ALT        /* P-256 doubling, addition, normalisation: ours */
#define MBEDTLS_ECP_DOUBLE_JAC_ALT      /* (tls/ecp_p256.c on tls/p256_field.c); other curves */
#define MBEDTLS_ECP_ADD_MIXED_ALT       /* keep mbedTLS's code */
#define MBEDTLS_ECP_NORMALIZE_JAC_ALT
#define MBEDTLS_ECP_WINDOW_SIZE         5 /* lets the base point's comb take 5 bits (16
                                             points, ~1.5 KiB more per core): a kept table
                                             (tls/sign.h) makes each ECDSA signature ~15 %
                                             cheaper than with 4; other points still use 4 */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM   1 /* comb table for the base point, kept by the group that
                                             computed it (ECDSA signing: tls/sign.h) */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED /* X25519 by Everest (HACL*, shipped with mbedTLS:
                                                tls/module.mk), ~6x faster than the generic
                                                Montgomery ladder, which a full handshake
                                                spent most of its key exchange in */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15               /* TLS 1.2 RSA signatures */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C              /* PKCS#8, SEC1, PKCS#1 */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C            /* ECDSA signatures are DER */
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* ---- TLS ------------------------------------------------------------------------------------ */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_CIPHERSUITES \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, \
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TICKET_C
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES  /* a refused client learns why */
#define MBEDTLS_SSL_IN_CONTENT_LEN      16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN     16384

/* clang-format on */

#include "mbedtls/check_config.h"

#endif
