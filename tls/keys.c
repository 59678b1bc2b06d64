/*
 * Key and certificate from fw_cfg, checked once at boot on core 0 (keys.h).  Each core parses
 * them again for its own TLS configuration (tls.c); this pass only decides whether HTTPS can
 * run at all and says why not, one line per problem.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fw_cfg.h"
#include "core/log.h"
#include "core/time.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"
#include "tls/keys.h"
#include "tls/limits.h"

/* mbedTLS error codes add a high-level (module) and a low-level part: the module's part. */
static int high(int ret)
{
    return -((-ret) & 0xff80);
}

/*
 * Fetch fw_cfg file `name` into a fresh NUL-terminated buffer.  Returns 0, -ENOENT (not given),
 * -EINVAL (empty), -EFBIG (over TLS_PEM_MAX), -ENOMEM.  `what` names it in the log line.
 */
static int fetch(const char *name, const char *what, uint8_t **buf, size_t *len)
{
    uint32_t size;
    uint16_t select;
    int rc = core_fw_cfg_find(name, &size, &select);
    if (rc < 0)
        return -ENOENT;
    if (size == 0) {
        log_error("tls: the %s (fw_cfg %s) is empty: HTTPS off", what, name);
        return -EINVAL;
    }
    if (size > TLS_PEM_MAX) {
        log_error("tls: the %s (fw_cfg %s) is %u bytes, more than the %u allowed: HTTPS off", what,
                  name, size, TLS_PEM_MAX);
        return -EFBIG;
    }
    uint8_t *p = malloc(size + 1);
    if (!p) {
        log_error("tls: no memory for the %s: HTTPS off", what);
        return -ENOMEM;
    }
    core_fw_cfg_read(select, p, size);
    p[size] = '\0';
    *buf = p;
    *len = size + 1;
    return 0;
}

/* Whether PEM text holds an encrypted key: PKCS#8 "ENCRYPTED PRIVATE KEY" or a traditional
 * OpenSSL key with a "Proc-Type: 4,ENCRYPTED" header.  (Neither can be decrypted here: no
 * passphrase can be typed into a unikernel, and none is kept on a disk.) */
static bool pem_encrypted(const uint8_t *p, size_t len)
{
    const char *s = (const char *)p;
    return strnlen(s, len) < len && /* text, terminated by fetch() */
           (strstr(s, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
            strstr(s, "Proc-Type: 4,ENCRYPTED"));
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int64_t x509_seconds(const mbedtls_x509_time *t)
{
    return days_from_civil(t->year, (unsigned)t->mon, (unsigned)t->day) * 86400 + t->hour * 3600 +
           t->min * 60 + t->sec;
}

/* Parse and check the private key.  Returns 0 or -EINVAL (logged). */
static int check_key(mbedtls_pk_context *pk, const uint8_t *key, size_t len)
{
    if (pem_encrypted(key, len)) {
        log_error("tls: the private key is encrypted (no passphrase can be given to the VM): "
                  "HTTPS off; decrypt it first (openssl pkey -in key.pem -out plain.pem)");
        return -EINVAL;
    }
    int ret = mbedtls_pk_parse_key(pk, key, len, NULL, 0);
    if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || ret == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        log_error("tls: the private key is encrypted (no passphrase can be given to the VM): "
                  "HTTPS off");
        return -EINVAL;
    }
    if (high(ret) == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG) {
        log_error("tls: the private key is of an unsupported type (supported: RSA of at least "
                  "%d bits, ECDSA on P-256): HTTPS off",
                  TLS_RSA_MIN_BITS);
        return -EINVAL;
    }
    if (high(ret) == MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE) {
        log_error("tls: the private key is on an unsupported curve (supported: P-256): HTTPS "
                  "off");
        return -EINVAL;
    }
    if (ret != 0) {
        log_error("tls: the private key is not a PEM or DER private key (PKCS#8, SEC1 or "
                  "PKCS#1) (mbedTLS -0x%04x): HTTPS off",
                  (unsigned)-ret);
        return -EINVAL;
    }
    switch (mbedtls_pk_get_type(pk)) {
    case MBEDTLS_PK_RSA:
        if (mbedtls_pk_get_bitlen(pk) < TLS_RSA_MIN_BITS) {
            log_error("tls: the RSA key has %u bits, fewer than the %d required: HTTPS off",
                      (unsigned)mbedtls_pk_get_bitlen(pk), TLS_RSA_MIN_BITS);
            return -EINVAL;
        }
        return 0;
    case MBEDTLS_PK_ECKEY:
        if (mbedtls_pk_ec(*pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
            log_error("tls: the EC key is not on P-256 (the only curve for keys): HTTPS off");
            return -EINVAL;
        }
        return 0;
    default:
        log_error("tls: the private key is of an unsupported type (supported: RSA of at least "
                  "%d bits, ECDSA on P-256): HTTPS off",
                  TLS_RSA_MIN_BITS);
        return -EINVAL;
    }
}

/* Parse the certificate chain.  Returns 0 or -EINVAL (logged). */
static int check_cert(mbedtls_x509_crt *crt, const uint8_t *cert, size_t len)
{
    int ret = mbedtls_x509_crt_parse(crt, cert, len);
    if (ret > 0) {
        log_error("tls: %d certificate(s) of the chain could not be parsed: HTTPS off", ret);
        return -EINVAL;
    }
    if (ret == 0)
        return 0;
    /* A public key mbedTLS cannot use comes back as the pk module's own code. */
    if (high(ret) == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG ||
        high(ret) == MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE) {
        log_error("tls: the certificate's key is of an unsupported type (supported: RSA, "
                  "ECDSA P-256): HTTPS off");
        return -EINVAL;
    }
    if (high(ret) == MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG) {
        log_error("tls: the certificate is signed with an unsupported algorithm: HTTPS off");
        return -EINVAL;
    }
    log_error("tls: the certificate is not a PEM or DER X.509 certificate of a supported key "
              "type (RSA, ECDSA P-256) (mbedTLS -0x%04x): HTTPS off",
              (unsigned)-ret);
    return -EINVAL;
}

/* Warn about a certificate outside its validity period (clients will refuse it; serving it
 * anyway lets an operator see the problem from the client side too). */
static void check_dates(const mbedtls_x509_crt *crt)
{
    int64_t now = core_time_wall();
    const mbedtls_x509_time *to = &crt->valid_to, *from = &crt->valid_from;
    if (now > x509_seconds(to))
        log_warn("tls: the certificate expired on %04d-%02d-%02d (served anyway; clients will "
                 "refuse it)",
                 to->year, to->mon, to->day);
    else if (now < x509_seconds(from))
        log_warn("tls: the certificate is not valid before %04d-%02d-%02d (served anyway; "
                 "check the clock)",
                 from->year, from->mon, from->day);
}

int tls_keys_load(struct tls_keys *out)
{
    uint8_t *key = NULL, *cert = NULL;
    size_t key_len = 0, cert_len = 0;
    int krc = fetch(TLS_KEYS_FW_CFG_KEY, "private key", &key, &key_len);
    int crc = fetch(TLS_KEYS_FW_CFG_CERT, "certificate", &cert, &cert_len);
    int rc = 0;
    if (krc == -ENOENT && crc == -ENOENT) {
        log_info("tls: no key and certificate given (fw_cfg %s, %s): HTTPS off",
                 TLS_KEYS_FW_CFG_KEY, TLS_KEYS_FW_CFG_CERT);
        return -ENOENT;
    }
    if (krc == -ENOENT)
        log_error("tls: a certificate but no private key was given (fw_cfg %s): HTTPS off",
                  TLS_KEYS_FW_CFG_KEY);
    if (crc == -ENOENT)
        log_error("tls: a private key but no certificate was given (fw_cfg %s): HTTPS off",
                  TLS_KEYS_FW_CFG_CERT);
    if (krc < 0 || crc < 0) {
        rc = krc < 0 ? krc : crc;
        if (rc == -ENOENT)
            rc = -EINVAL; /* one of the two: a configuration error, not "HTTPS not asked for" */
        goto fail;
    }

    mbedtls_pk_context pk;
    mbedtls_x509_crt crt;
    mbedtls_pk_init(&pk);
    mbedtls_x509_crt_init(&crt);
    rc = check_key(&pk, key, key_len);
    if (rc == 0)
        rc = check_cert(&crt, cert, cert_len);
    if (rc == 0 && mbedtls_pk_check_pair(&crt.pk, &pk) != 0) {
        log_error("tls: the private key does not match the certificate: HTTPS off");
        rc = -EINVAL;
    }
    if (rc == 0) {
        check_dates(&crt);
        unsigned n = 0;
        for (const mbedtls_x509_crt *c = &crt; c; c = c->next)
            n++;
        const mbedtls_x509_time *to = &crt.valid_to;
        log_info("tls: %s key of %u bits, certificate chain of %u, valid until "
                 "%04d-%02d-%02d",
                 mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA ? "RSA" : "ECDSA P-256",
                 (unsigned)mbedtls_pk_get_bitlen(&pk), n, to->year, to->mon, to->day);
    }
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&pk);
    if (rc < 0)
        goto fail;
    *out = (struct tls_keys){.key = key, .key_len = key_len, .cert = cert, .cert_len = cert_len};
    return 0;

fail:
    free(key);
    free(cert);
    return rc;
}
