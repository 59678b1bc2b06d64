/*
 * mbedTLS's GCM context, as Toril's GCM (tls/gcm.c) keeps it: mbedTLS includes this header in
 * place of its own definition because tls/mbedtls_config.h sets MBEDTLS_GCM_ALT (tls/module.mk
 * puts this folder on the include path).  The fields are ours; mbedTLS's code only passes the
 * context to the mbedtls_gcm_* functions.
 */
#ifndef TLS_GCM_ALT_H
#define TLS_GCM_ALT_H

#include <stdint.h>

#include "mbedtls/aes.h"
#include "tls/ghash.h"

typedef struct mbedtls_gcm_context {
    mbedtls_aes_context aes;        /* the block cipher: GCM is used with AES only here */
    struct tls_ghash_key ghash;     /* H and what the GHASH routine keeps of it */
    uint64_t x[2];                  /* GHASH of what has been hashed so far */
    uint64_t len;                   /* bytes of text so far */
    uint64_t add_len;               /* bytes of additional data */
    unsigned char y[16];            /* the counter block last used */
    unsigned char ek_j0[16];        /* AES of the first counter block: masks the tag */
    int mode;                       /* MBEDTLS_GCM_ENCRYPT or MBEDTLS_GCM_DECRYPT */
} mbedtls_gcm_context;

#endif
