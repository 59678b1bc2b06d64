/*
 * Session-ticket keys shared by every core (tls/tickets.h).
 *
 * mbedTLS keeps its ticket keys in the ticket context of a configuration, drawn from that
 * configuration's random generator, and each core has its own configuration: a ticket resumed
 * only on the core that issued it, while the host spreads a client's connections over the
 * cores (with N cores, N-1 resumptions in N became full handshakes).  So every core derives
 * the same keys from one secret drawn at boot: the key of lifetime period p (p = time /
 * lifetime) is HMAC-SHA-256(secret, "toril ticket key" || p), its 4-byte name the start of
 * HMAC-SHA-256(secret, "toril ticket name" || p).  Before mbedTLS writes or parses a ticket,
 * the core installs the current period's key in the slot mbedTLS would rotate into (the
 * previous period's stays in the other, as with mbedTLS's own rotation), with the period's
 * start as its generation time, so mbedTLS finds its key current and never draws one itself.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"
#include "tls/entropy.h"
#include "tls/tickets.h"

#define TICKET_SECRET_BYTES 32

/* Written once on core 0 at boot, before the other cores make their configurations. */
static unsigned char secret[TICKET_SECRET_BYTES];
static bool secret_ok;

int tls_tickets_init(void)
{
    if (tls_entropy_rdrand(secret, sizeof(secret)) != 0) {
        log_error("tls: no entropy for the shared ticket secret: each core resumes only its own "
                  "tickets");
        return -EIO;
    }
    secret_ok = true;
    return 0;
}

/* HMAC-SHA-256(secret, label || period, big endian) into out (32 bytes). */
static int derive(const char *label, uint64_t period, unsigned char out[32])
{
    unsigned char msg[32];
    size_t n = strlen(label);
    memcpy(msg, label, n);
    for (int i = 0; i < 8; i++)
        msg[n + i] = (unsigned char)(period >> (56 - 8 * i));
    return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), secret, sizeof(secret),
                           msg, n + 8, out);
}

/* The keys of `period` into slot `slot`. */
static void install(mbedtls_ssl_ticket_context *tk, unsigned slot, uint64_t period)
{
    mbedtls_ssl_ticket_key *k = &tk->keys[slot];
    unsigned char key[32], name[32];
    int bits = mbedtls_cipher_get_key_bitlen(&k->ctx);
    if (bits <= 0 || bits > 256 || derive("toril ticket key", period, key) != 0 ||
        derive("toril ticket name", period, name) != 0 ||
        mbedtls_cipher_setkey(&k->ctx, key, bits, MBEDTLS_ENCRYPT) != 0) {
        /* Cannot happen with the cipher altcp_tls set up; the slot keeps its own key. */
        log_warn("tls: could not install a shared ticket key");
    } else {
        memcpy(k->name, name, sizeof(k->name));
        k->generation_time = (uint32_t)(period * tk->ticket_lifetime);
    }
    mbedtls_platform_zeroize(key, sizeof(key));
}

/* The current period's key active (installed in the other slot when the period changed). */
static void keep_current(mbedtls_ssl_ticket_context *tk)
{
    if (!secret_ok || tk->ticket_lifetime == 0)
        return;
    uint64_t period = (uint64_t)time(NULL) / tk->ticket_lifetime;
    if (tk->keys[tk->active].generation_time == (uint32_t)(period * tk->ticket_lifetime))
        return;
    unsigned other = 1u - tk->active;
    install(tk, other, period);
    tk->active = (unsigned char)other;
}

void tls_tickets_adopt(mbedtls_ssl_ticket_context *tk)
{
    if (!secret_ok || tk->ticket_lifetime == 0)
        return;
    uint64_t period = (uint64_t)time(NULL) / tk->ticket_lifetime;
    install(tk, 1, period - 1);
    install(tk, 0, period);
    tk->active = 0;
}

int tls_ticket_write(void *p_ticket, const mbedtls_ssl_session *session, unsigned char *start,
                     const unsigned char *end, size_t *tlen, uint32_t *lifetime)
{
    keep_current(p_ticket);
    return mbedtls_ssl_ticket_write(p_ticket, session, start, end, tlen, lifetime);
}

int tls_ticket_parse(void *p_ticket, mbedtls_ssl_session *session, unsigned char *buf,
                     size_t len)
{
    keep_current(p_ticket);
    return mbedtls_ssl_ticket_parse(p_ticket, session, buf, len);
}
