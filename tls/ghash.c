/*
 * GHASH by PCLMULQDQ or by tables (tls/ghash.h).
 *
 * On hardware the carry-less multiply wins by far.  Under an emulator it need not: QEMU's TCG
 * runs each PCLMULQDQ as a helper call that loops over 64 bits, and mbedTLS's aesni.c spends
 * four of them and a byte-reversal on every 16-byte block.  There, mbedTLS's table GHASH made
 * HTTPS over AES-128-GCM about twice as fast (keep-alive, 1 KB and 64 KB files; the numbers are
 * in docs/benchmarks.md).  So the choice is measured on the machine, as Linux does for its
 * RAID and checksum routines: the same buffer is encrypted both ways, a few times, alternating,
 * and the best time of each decides.  The AES rounds themselves stay on AES-NI, which was the
 * faster both ways.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "mbedtls/aesni.h"
#include "mbedtls/gcm.h"
#include "tls/ghash.h"

/* Bytes encrypted per timing: a fraction of a TLS record, enough to dwarf the key setup and
 * the clock's resolution; under TCG about a third of a millisecond. */
#define GHASH_BENCH_BYTES 4096
/* Timings of each kind, alternating; the best of each counts (interference only adds). */
#define GHASH_BENCH_ROUNDS 3

/* Written once, on core 0 at boot, before any connection; read by every core afterwards. */
static bool clmul_off;

int tls_gcm_aesni_has_support(unsigned int what)
{
    if (what == MBEDTLS_AESNI_CLMUL && clmul_off)
        return 0;
    return mbedtls_aesni_has_support(what);
}

/* Nanoseconds to encrypt and tag buf with a fresh key, with the GHASH clmul_off says; 0 if
 * mbedTLS refused (no memory). */
static uint64_t time_gcm(unsigned char *buf)
{
    static const unsigned char key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static const unsigned char iv[12];
    unsigned char tag[16];
    mbedtls_gcm_context *g = malloc(sizeof(*g));
    if (!g)
        return 0;
    mbedtls_gcm_init(g);
    uint64_t ns = 0;
    if (mbedtls_gcm_setkey(g, MBEDTLS_CIPHER_ID_AES, key, 128) == 0) {
        uint64_t t0 = core_time_ns();
        if (mbedtls_gcm_crypt_and_tag(g, MBEDTLS_GCM_ENCRYPT, GHASH_BENCH_BYTES, iv, sizeof(iv),
                                      NULL, 0, buf, buf, sizeof(tag), tag) == 0)
            ns = core_time_ns() - t0;
        if (ns == 0)
            ns = 1;
    }
    mbedtls_gcm_free(g);
    free(g);
    return ns;
}

void tls_ghash_choose(void)
{
    if (!mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL)) {
        clmul_off = true;
        log_info("tls: GCM's GHASH by tables (no PCLMULQDQ)");
        return;
    }
    unsigned char *buf = calloc(1, GHASH_BENCH_BYTES);
    uint64_t best_clmul = UINT64_MAX, best_tables = UINT64_MAX;
    for (unsigned i = 0; buf && i < GHASH_BENCH_ROUNDS; i++) {
        clmul_off = false;
        uint64_t c = time_gcm(buf);
        clmul_off = true;
        uint64_t t = time_gcm(buf);
        if (c && c < best_clmul)
            best_clmul = c;
        if (t && t < best_tables)
            best_tables = t;
    }
    free(buf);
    if (best_clmul == UINT64_MAX || best_tables == UINT64_MAX) {
        clmul_off = false; /* no memory to measure: what the CPU offers */
        log_warn("tls: could not time GCM's GHASH (no memory): PCLMULQDQ");
        return;
    }
    clmul_off = best_tables < best_clmul;
    log_info("tls: GCM's GHASH by %s (%u KiB encrypted in %llu us with PCLMULQDQ, %llu us with "
             "tables)",
             clmul_off ? "tables" : "PCLMULQDQ", GHASH_BENCH_BYTES / 1024,
             (unsigned long long)(best_clmul / 1000), (unsigned long long)(best_tables / 1000));
}
