/* The signing key of an ECDSA configuration, with a group that keeps its table (sign.h). */
#include <errno.h>

#include "mbedtls/ecdsa.h"
#include "mbedtls/pk.h"
#include "tls/sign.h"

int tls_sign_key_ecdsa(mbedtls_pk_context *dst, const mbedtls_pk_context *src)
{
    if (mbedtls_pk_get_type(src) != MBEDTLS_PK_ECKEY)
        return -EINVAL;
    /* An ECDSA context is an EC key pair (mbedtls_ecdsa_context is mbedtls_ecp_keypair), so
     * the copy is the key itself, its group loaded once here and owned by *dst from now on. */
    if (mbedtls_pk_setup(dst, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA)) != 0 ||
        mbedtls_ecdsa_from_keypair(mbedtls_pk_ec(*dst), mbedtls_pk_ec(*src)) != 0) {
        mbedtls_pk_free(dst);
        return -ENOMEM;
    }
    return 0;
}
