/* RDRAND as mbedTLS's entropy source (mbedtls_hardware_poll), and its boot-time check. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "core/x86.h"
#include "tls/entropy.h"
#include "tls/limits.h"

/* Set by tls_entropy_check() on core 0 before the other cores start; read-only afterwards. */
static bool rdrand_ok;

/* One RDRAND word; false after TLS_RDRAND_RETRIES underflows (carry flag clear). */
static bool rdrand64(uint64_t *v)
{
    for (int i = 0; i < TLS_RDRAND_RETRIES; i++) {
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

int tls_entropy_check(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!((c >> 30) & 1)) {
        log_error("tls: the CPU has no RDRAND (no entropy source): HTTPS off");
        return -ENODEV;
    }
    uint64_t prev = 0, or_all = 0, and_all = ~0ull;
    for (int i = 0; i < TLS_HEALTH_SAMPLES; i++) {
        uint64_t v;
        if (!rdrand64(&v)) {
            log_error("tls: RDRAND returned no data %d times in a row: HTTPS off",
                      TLS_RDRAND_RETRIES);
            return -EIO;
        }
        /* A repeated 64-bit word has probability 2^-64: a stuck generator, not chance. */
        if (i > 0 && v == prev) {
            log_error("tls: RDRAND repeated a 64-bit value (stuck source): HTTPS off");
            return -EIO;
        }
        or_all |= v;
        and_all &= v;
        prev = v;
    }
    if (or_all != ~0ull || and_all != 0) {
        log_error("tls: RDRAND has stuck bits (or %#llx, and %#llx): HTTPS off",
                  (unsigned long long)or_all, (unsigned long long)and_all);
        return -EIO;
    }
    rdrand_ok = true;
    return 0;
}

/*
 * mbedTLS's hardware entropy hook (MBEDTLS_ENTROPY_HARDWARE_ALT): fill output with len bytes,
 * report them in *olen.  Called from a core's main loop when its CTR_DRBG (re)seeds.  Returns
 * nonzero if the source fails, which fails the seeding: no TLS configuration, HTTPS off on
 * that core.
 */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    *olen = 0;
    if (!rdrand_ok)
        return -1;
    while (*olen < len) {
        uint64_t v;
        if (!rdrand64(&v))
            return -1;
        size_t n = len - *olen < sizeof(v) ? len - *olen : sizeof(v);
        memcpy(output + *olen, &v, n);
        *olen += n;
    }
    return 0;
}
