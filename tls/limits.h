/* Named limits of tls/. */
#ifndef TLS_LIMITS_H
#define TLS_LIMITS_H

/* Largest key or certificate file accepted from fw_cfg (a PEM chain of a few certificates). */
#define TLS_PEM_MAX (64 * 1024)

/* RDRAND: tries per 64-bit word (Intel advises ~10 on transient underflow; be generous) and
 * the words drawn by the boot-time health check. */
#define TLS_RDRAND_RETRIES 32
#define TLS_HEALTH_SAMPLES 64

/* Smallest RSA modulus accepted, in bits. */
#define TLS_RSA_MIN_BITS 2048

#endif
