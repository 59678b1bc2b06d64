/*
 * HTTPS underneath httpd: one TLS configuration per core, on lwIP's altcp_tls_mbedtls.
 *
 * Boot (core 0): tls_boot() checks the entropy source and the key and certificate (fw_cfg);
 * if either fails, one line says why and HTTPS stays off while HTTP serves.  Then each core,
 * on its own main loop, builds its own configuration (tls_listen()): its own CTR_DRBG seeded
 * from RDRAND, its own parsed key, its own session ticket keys (rotated by mbedTLS every
 * ticket lifetime).  These live in lwIP's altcp_tls state and on the core's heap, so nothing is
 * shared between cores and nothing needs a lock.  A ticket is therefore honoured by the core
 * that issued it: a resumption that lands on another core falls back to a full handshake.
 *
 * Protocol policy (most of it by what tls/mbedtls_config.h compiles in): TLS 1.2 only; ECDHE
 * with ECDSA or RSA, AES-128/256-GCM or ChaCha20-Poly1305; curves X25519 and P-256; ALPN
 * "http/1.1"; session tickets; no renegotiation.
 *
 * Handshake cost: each core signs with its own ECDSA key object, whose group keeps the
 * precomputed table of the P-256 base point across handshakes (sign.h), and X25519 runs on
 * Everest's implementation shipped with mbedTLS (mbedtls_config.h).
 *
 * Memory per TLS connection: mbedTLS's record buffers, input and output of 16 KiB of content
 * plus record overhead each (on the core heap, which gives such blocks whole pages: 2 x 20 KiB),
 * the SSL context and altcp state (~1.5 KiB), and during the handshake ~6 KiB of handshake
 * state; max_tls_conns= caps how many a core holds.
 */
#ifndef TLS_TLS_H
#define TLS_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "netstack/netstack.h"

/* Per-core TLS counters (the stats line); written by the owning core only. */
struct tls_counters {
    uint64_t handshakes; /* handshakes completed (full and resumed) */
    uint64_t resumed;    /* of those, resumed from a session ticket */
    uint64_t failed;     /* connections closed before their handshake completed */
    uint64_t refused;    /* connections refused: max_tls_conns reached */
    uint32_t active;     /* TLS connections open now */
} __attribute__((aligned(64)));

/*
 * Check entropy and keys; register the stats.  Boot, core 0, before the other cores start.
 * Returns 0 when HTTPS can be served, else a negative code (already logged; -ENOENT: no key
 * and certificate were given, which is not an error).
 */
int tls_boot(void);

/*
 * Listen for HTTPS on `port` of this core's stack: builds this core's TLS configuration, then
 * a TLS listener whose accepted connections are TLS altcp pcbs (the handshake runs inside
 * lwIP's altcp_tls as data arrives; the application's recv sees plaintext).  Main loop of the
 * core, once.  Returns 0, -ENODEV (tls_boot() did not succeed), -ENOMEM, or netstack_listen's
 * errors.
 */
int tls_listen(struct altcp_pcb **out, uint16_t port, uint8_t backlog, altcp_accept_fn accept,
               void *arg);

/* This core's counters.  Main loop of the core. */
struct tls_counters *tls_counters_this_cpu(void);

/* Whether the TLS connection pcb (an accepted pcb of tls_listen) has completed its handshake.
 * Main loop of its core, while the pcb exists (also from inside its err callback). */
bool tls_handshake_over(struct altcp_pcb *pcb);

#endif
