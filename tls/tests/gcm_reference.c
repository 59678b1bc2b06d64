/*
 * mbedTLS's own GCM (its library/gcm.c, unchanged), renamed ref_gcm_*, as the reference that
 * tls/tests/test_gcm.c compares Toril's GCM (tls/gcm.c) with.  Its context is opaque to the
 * test: ref_gcm_new() allocates one.
 */
#include <stdlib.h>

#include MBEDTLS_CONFIG_FILE /* tls/mbedtls_config.h, which sets MBEDTLS_GCM_ALT ... */
#undef MBEDTLS_GCM_ALT        /* ... and mbedTLS's gcm.c is the one without it */

#define mbedtls_gcm_context ref_gcm_context
#define mbedtls_gcm_init ref_gcm_init
#define mbedtls_gcm_setkey ref_gcm_setkey
#define mbedtls_gcm_starts ref_gcm_starts
#define mbedtls_gcm_update ref_gcm_update
#define mbedtls_gcm_finish ref_gcm_finish
#define mbedtls_gcm_crypt_and_tag ref_gcm_crypt_and_tag
#define mbedtls_gcm_auth_decrypt ref_gcm_auth_decrypt
#define mbedtls_gcm_free ref_gcm_free
#define mbedtls_gcm_self_test ref_gcm_self_test

#include "library/gcm.c"

void *ref_gcm_new(void)
{
    ref_gcm_context *ctx = malloc(sizeof(*ctx));
    if (ctx)
        ref_gcm_init(ctx);
    return ctx;
}

void ref_gcm_delete(void *ctx)
{
    ref_gcm_free(ctx);
    free(ctx);
}
