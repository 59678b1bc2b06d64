/*
 * TLS entropy: RDRAND, checked at boot, feeding each core's CTR_DRBG.
 *
 * mbedTLS's entropy collector (one per core, inside lwIP's altcp_tls state) pulls from
 * mbedtls_hardware_poll(), implemented here with RDRAND.  RDSEED would be the better source
 * for seeding, but QEMU's TCG does not offer it (RDRAND is then QEMU's host getrandom()).
 * Nothing falls back to a weak source: if RDRAND is absent or fails its boot check, HTTPS is
 * not served at all (HTTP is).
 */
#ifndef TLS_ENTROPY_H
#define TLS_ENTROPY_H

#include <stddef.h>

/*
 * Check RDRAND once: present (CPUID.1:ECX.RDRAND), answers within TLS_RDRAND_RETRIES tries,
 * and its output is not stuck (TLS_HEALTH_SAMPLES words, no two consecutive equal, not all
 * zero or all ones bits).  Boot, core 0.  Returns 0, -ENODEV (no RDRAND) or -EIO (failed the
 * check); logs one line saying why on failure.
 */
int tls_entropy_check(void);

/* len bytes from RDRAND alone (after tls_entropy_check() succeeded): 0, or -EIO when it did
 * not deliver.  Any core; for secrets of our own (mbedTLS seeds through
 * mbedtls_hardware_poll(), which also mixes in the host's bytes). */
int tls_entropy_rdrand(void *buf, size_t len);

/*
 * If the VM has a virtio-rng device: read TLS_VIRTIO_RNG_SEED bytes of the host's entropy per
 * core, which mbedtls_hardware_poll() XORs into that core's first seeding.  Logs one line
 * saying which sources are in use.  Boot, core 0, after tls_entropy_check() succeeded and
 * before the other cores seed.
 */
void tls_entropy_host_seed(void);

#endif
