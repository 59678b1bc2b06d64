/*
 * RDRAND as mbedTLS's entropy source (mbedtls_hardware_poll), and its boot-time check; plus,
 * when the VM has a virtio-rng device, the host's entropy mixed into each core's first seeding.
 *
 * RDRAND is required (HTTPS stays off without it): it is the only source every core can read
 * at any time, as CTR_DRBG reseeds.  virtio-rng is one device behind one queue, driven by core
 * 0 at boot; what it gives is read then, TLS_VIRTIO_RNG_SEED bytes per core, and XORed into the
 * RDRAND bytes of that core's first seeding.  So a core's generator starts from both sources:
 * as strong as the better of the two.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/cpu.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/x86.h"
#include "mbedtls/entropy_poll.h"
#include "virtio/rng.h"
#include "tls/entropy.h"
#include "tls/limits.h"

/* Set by tls_entropy_check() on core 0 before the other cores start; read-only afterwards. */
static bool rdrand_ok;
static bool host_seeded;                                     /* host_seed was filled */
static uint8_t host_seed[CORE_MAX_CPUS][TLS_VIRTIO_RNG_SEED]; /* virtio-rng bytes per core */
/* Bytes of its host_seed row each core has used: written by that core only. */
static size_t host_seed_used[CORE_MAX_CPUS];

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

void tls_entropy_host_seed(void)
{
    int rc = virtio_rng_init();
    if (rc == -ENODEV) {
        log_info("tls: entropy from RDRAND (no virtio-rng device)");
        return;
    }
    _Static_assert(sizeof(host_seed) <= VIRTIO_RNG_READ_MAX, "one read fills every core's share");
    if (rc == 0)
        rc = virtio_rng_read(host_seed, (size_t)core_ncpus * TLS_VIRTIO_RNG_SEED);
    if (rc < 0) {
        memset(host_seed, 0, sizeof(host_seed));
        log_warn("tls: virtio-rng gave no entropy (%d): entropy from RDRAND alone", rc);
        return;
    }
    host_seeded = true;
    log_info("tls: entropy from RDRAND, and %u bytes per core from virtio-rng for the first "
             "seeding", TLS_VIRTIO_RNG_SEED);
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
int tls_entropy_rdrand(void *buf, size_t len)
{
    if (!rdrand_ok)
        return -EIO;
    for (size_t done = 0; done < len;) {
        uint64_t v;
        if (!rdrand64(&v))
            return -EIO;
        size_t n = len - done < sizeof(v) ? len - done : sizeof(v);
        memcpy((uint8_t *)buf + done, &v, n);
        done += n;
    }
    return 0;
}

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    *olen = 0;
    if (tls_entropy_rdrand(output, len) != 0)
        return -1;
    *olen = len;
    /* The first seeding on this core: XOR in what is left of its share of the host's bytes,
     * erasing each as it is used (seed material must not outlive the seeding). */
    unsigned cpu = core_cpu_self()->id;
    if (host_seeded && cpu < CORE_MAX_CPUS) {
        uint8_t *mine = host_seed[cpu];
        size_t *used = &host_seed_used[cpu];
        for (size_t i = 0; i < len && *used < TLS_VIRTIO_RNG_SEED; i++, (*used)++) {
            output[i] ^= mine[*used];
            mine[*used] = 0;
        }
    }
    return 0;
}
