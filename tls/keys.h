/*
 * The server's private key and certificate chain, delivered by QEMU fw_cfg (never by the
 * served disk): files opt/toril/tls_key and opt/toril/tls_cert (scripts/run-qemu: TLS_KEY=,
 * TLS_CERT=, or HTTPS=1 for a self-signed localhost certificate).  PEM (or DER): the key as
 * PKCS#8, SEC1 or PKCS#1, unencrypted; the certificate with its chain, leaf first.
 */
#ifndef TLS_KEYS_H
#define TLS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_KEYS_FW_CFG_KEY  "opt/toril/tls_key"
#define TLS_KEYS_FW_CFG_CERT "opt/toril/tls_cert"

/* The files as received, NUL-terminated; len counts the NUL (what mbedTLS's parsers want). */
struct tls_keys {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *cert;
    size_t cert_len;
};

/*
 * Read both files and check them: present, not encrypted, parseable, a supported type (RSA of
 * at least TLS_RSA_MIN_BITS bits, or ECDSA on P-256), the key matching the certificate.
 * An expired (or not yet valid) certificate is a warning only.  Logs one line: what was
 * loaded, or the reason it was refused.  Boot, core 0.  Returns 0 and fills *out (memory on
 * core 0's heap, read-only from here on, readable by every core); -ENOENT when neither file
 * was given; another negative code for any refusal.
 */
int tls_keys_load(struct tls_keys *out);

#endif
