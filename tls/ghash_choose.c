/*
 * Choosing GHASH's routine by measurement, once at boot (tls/ghash.h).
 *
 * On hardware PCLMULQDQ wins by far; under an emulator it need not (QEMU's TCG runs it in a
 * helper routine that loops over 64 bits).  So, as Linux does for its RAID and checksum
 * routines, the same 4 KiB are hashed both ways a few times, alternating, and the best time of
 * each decides.  Tables are timed with their tables built (what a busy key uses).
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/time.h"
#include "tls/ghash.h"

/* Bytes hashed per timing: enough to dwarf the clock's resolution, a fraction of a record. */
#define GHASH_BENCH_BYTES 4096
/* Timings of each routine, alternating; the best of each counts (interference only adds). */
#define GHASH_BENCH_ROUNDS 3

/* Nanoseconds to hash buf with a fresh key by routine by (at least 1). */
static uint64_t time_ghash(enum tls_ghash_by by, const unsigned char *buf)
{
    static const unsigned char h[16] = {0x66, 0xe9, 0x4b, 0xd4, 0xef, 0x8a, 0x2c, 0x3b,
                                        0x88, 0x4c, 0xfa, 0x59, 0xca, 0x34, 0x2b, 0x2e};
    struct tls_ghash_key k = {0};
    uint64_t x[2] = {0, 0};
    tls_ghash_use(by);
    tls_ghash_setkey(&k, h);
    /* A key gets its tables after TLS_GHASH_TABLE_AFTER bytes: pass them first, untimed
     * (PCLMULQDQ has nothing to build). */
    for (unsigned n = 0; by == TLS_GHASH_BY_TABLES && n <= TLS_GHASH_TABLE_AFTER;
         n += GHASH_BENCH_BYTES)
        tls_ghash_blocks(&k, x, buf, GHASH_BENCH_BYTES / 16);
    uint64_t t0 = core_time_ns();
    tls_ghash_blocks(&k, x, buf, GHASH_BENCH_BYTES / 16);
    uint64_t ns = core_time_ns() - t0;
    tls_ghash_free(&k);
    return ns ? ns : 1;
}

void tls_ghash_choose(void)
{
    if (!tls_ghash_clmul_available()) {
        tls_ghash_use(TLS_GHASH_BY_TABLES);
        log_info("tls: GCM's GHASH by tables (no PCLMULQDQ)");
        return;
    }
    unsigned char *buf = calloc(1, GHASH_BENCH_BYTES);
    if (!buf) {
        tls_ghash_use(TLS_GHASH_BY_CLMUL);
        log_warn("tls: could not time GCM's GHASH (no memory): PCLMULQDQ");
        return;
    }
    uint64_t best_clmul = UINT64_MAX, best_tables = UINT64_MAX;
    for (unsigned i = 0; i < GHASH_BENCH_ROUNDS; i++) {
        uint64_t c = time_ghash(TLS_GHASH_BY_CLMUL, buf);
        uint64_t t = time_ghash(TLS_GHASH_BY_TABLES, buf);
        best_clmul = c < best_clmul ? c : best_clmul;
        best_tables = t < best_tables ? t : best_tables;
    }
    free(buf);
    enum tls_ghash_by by = best_tables < best_clmul ? TLS_GHASH_BY_TABLES : TLS_GHASH_BY_CLMUL;
    tls_ghash_use(by);
    log_info("tls: GCM's GHASH by %s (%u KiB hashed in %llu us with PCLMULQDQ, %llu us with "
             "tables)",
             by == TLS_GHASH_BY_TABLES ? "tables" : "PCLMULQDQ", GHASH_BENCH_BYTES / 1024,
             (unsigned long long)(best_clmul / 1000), (unsigned long long)(best_tables / 1000));
}
