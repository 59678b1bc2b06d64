/* Named limits of tls/. */
#ifndef TLS_LIMITS_H
#define TLS_LIMITS_H

/* Largest key or certificate file accepted from fw_cfg (a PEM chain of a few certificates). */
#define TLS_PEM_MAX (64 * 1024)

/* RDRAND: tries per 64-bit word (Intel advises ~10 on transient underflow; be generous) and
 * the words drawn by the boot-time health check. */
#define TLS_RDRAND_RETRIES 32
#define TLS_HEALTH_SAMPLES 64

/* Bytes of the host's entropy (virtio-rng, when the VM has one) read at boot for each core and
 * mixed into that core's first seeding: CTR_DRBG's seed length with SHA-512 entropy. */
#define TLS_VIRTIO_RNG_SEED 48

/* Smallest RSA modulus accepted, in bits. */
#define TLS_RSA_MIN_BITS 2048

#endif
