/* Per-core TLS configurations on altcp_tls_mbedtls, and the TLS counters (see tls.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/stats.h"
#include "lwip/altcp_tls.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_internal.h"
#include "mbedtls/ssl_ticket.h"
#include "tls/entropy.h"
#include "tls/ghash.h"
#include "tls/keys.h"
#include "tls/sign.h"
#include "tls/tickets.h"
#include "tls/tls.h"

/* Set by tls_boot() on core 0 before the other cores start; read-only afterwards. */
static bool ready;
static struct tls_keys keys;

static struct tls_counters counters[CORE_MAX_CPUS];

/* Constant tables the per-core configurations point at (mbedTLS keeps the pointers). */
static const int ciphersuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};
static const mbedtls_ecp_group_id curves[] = {
    MBEDTLS_ECP_DP_CURVE25519, /* X25519 first: the fastest key exchange */
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_NONE,
};
/* ALPN, in our order of preference: HTTP/1.1, and HTTP/1.0 for clients that speak only that
 * (curl --http1.0 offers just "http/1.0"; a client whose list has neither is refused with
 * no_application_protocol, RFC 7301 3.2). */
static const char *alpn[] = {"http/1.1", "http/1.0", NULL};

enum { ST_HANDSHAKES, ST_RESUMED, ST_FAILED, ST_ACTIVE, ST_REFUSED, ST_NFIELDS };

static const struct core_stats_field tls_fields[ST_NFIELDS] = {
    [ST_HANDSHAKES] = {"tls_handshakes", "toril_tls_handshakes_total", NULL,
                       "TLS handshakes completed (full and resumed).", CORE_STATS_COUNTER, 1},
    [ST_RESUMED] = {"tls_resumed", "toril_tls_resumed_total", NULL,
                    "TLS handshakes resumed from a session ticket.", CORE_STATS_COUNTER, 1},
    [ST_FAILED] = {"tls_failed", "toril_tls_failed_total", NULL,
                   "TLS connections closed before their handshake completed.", CORE_STATS_COUNTER,
                   1},
    [ST_ACTIVE] = {"tls_active", "toril_tls_connections", NULL, "Open TLS connections.",
                   CORE_STATS_GAUGE, 1},
    [ST_REFUSED] = {"tls_refused", "toril_tls_refused_total", NULL,
                    "TLS connections refused at accept (max_tls_conns).", CORE_STATS_COUNTER, 1},
};

static bool tls_read(unsigned cpu, enum core_stats_view view, uint64_t *v)
{
    if (cpu >= CORE_MAX_CPUS || !ready)
        return false;
    const struct tls_counters *c = &counters[cpu];
    v[ST_HANDSHAKES] = c->handshakes;
    v[ST_RESUMED] = c->resumed;
    v[ST_FAILED] = c->failed;
    v[ST_ACTIVE] = c->active;
    v[ST_REFUSED] = c->refused;
    return true;
}

static const struct core_stats_source tls_source = {
    .fields = tls_fields, .nfields = ST_NFIELDS, .per_cpu = true, .read = tls_read};

int tls_boot(void)
{
    int rc = tls_entropy_check(); /* logged */
    if (rc < 0)
        return rc;
    rc = tls_keys_load(&keys); /* logged */
    if (rc < 0)
        return rc;
    tls_tickets_init();      /* logged on failure */
    tls_entropy_host_seed(); /* logged */
    tls_ghash_choose();      /* logged; before the first GCM key */
    core_stats_add(&tls_source);
    ready = true;
    return 0;
}

struct tls_counters *tls_counters_this_cpu(void)
{
    return &counters[core_cpu_self()->id];
}

/* Ticket parsing, counted: a ticket that parses means the session resumes from it. */
static int parse_ticket_counted(void *p_ticket, mbedtls_ssl_session *session, unsigned char *buf,
                                size_t len)
{
    int ret = tls_ticket_parse(p_ticket, session, buf, len);
    if (ret == 0)
        tls_counters_this_cpu()->resumed++;
    return ret;
}

/*
 * Sign with an ECDSA key of this core's own whose group keeps its precomputed table (sign.h)
 * instead of the generic EC key altcp_tls parsed, which rebuilds the table every handshake.
 * mbedTLS's list of key/certificate pairs (mbedtls_ssl_key_cert, from the only pair
 * altcp_tls gave it) is pointed at the new key.  An RSA key is left as it is.  Without memory
 * the parsed key stays: slower handshakes, nothing else.  (The key is never freed: the
 * configuration lives as long as the listener, and lwIP 2.1.3 frees that only in part.)
 */
static void keep_sign_table(mbedtls_ssl_config *conf)
{
    mbedtls_ssl_key_cert *kc = conf->key_cert;
    if (!kc || mbedtls_pk_get_type(kc->key) != MBEDTLS_PK_ECKEY)
        return;
    mbedtls_pk_context *pk = malloc(sizeof(*pk));
    if (!pk)
        return;
    mbedtls_pk_init(pk);
    if (tls_sign_key_ecdsa(pk, kc->key) != 0) {
        free(pk);
        return;
    }
    kc->key = pk;
}

/*
 * This core's configuration: altcp_tls makes it (CTR_DRBG seeded from RDRAND on first use on
 * this core, key and chain parsed into this core's heap, a ticket context), then our policy on
 * top.  lwIP 2.1.3's struct altcp_tls_config begins with its mbedtls_ssl_config, so a pointer
 * to the one is a pointer to the other (C11 6.7.2.1p15); altcp_tls offers no other way to set
 * suites, curves or ALPN.
 */
static struct altcp_tls_config *config_create(void)
{
    struct altcp_tls_config *tc = altcp_tls_create_config_server_privkey_cert(
        keys.key, keys.key_len, NULL, 0, keys.cert, keys.cert_len);
    if (!tc)
        return NULL;
    mbedtls_ssl_config *conf = (mbedtls_ssl_config *)tc;
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(conf, ciphersuites);
    mbedtls_ssl_conf_curves(conf, curves);
    if (mbedtls_ssl_conf_alpn_protocols(conf, alpn) != 0)
        return NULL; /* cannot happen with this constant list; the config is kept (lwIP
                        2.1.3's altcp_tls_free_config leaks part of it anyway) */
    /* altcp_tls's ticket context with the keys every core shares; count resumptions. */
    tls_tickets_adopt(conf->p_ticket);
    mbedtls_ssl_conf_session_tickets_cb(conf, tls_ticket_write, parse_ticket_counted,
                                        conf->p_ticket);
    keep_sign_table(conf);
    return tc;
}

static struct altcp_pcb *wrap(void *arg, struct altcp_pcb *tcp)
{
    return altcp_tls_wrap(arg, tcp);
}

int tls_listen(struct altcp_pcb **out, uint16_t port, uint8_t backlog, altcp_accept_fn accept,
               void *arg)
{
    if (!ready)
        return -ENODEV;
    struct altcp_tls_config *tc = config_create();
    if (!tc)
        return -ENOMEM;
    return netstack_listen_wrapped(out, port, backlog, wrap, tc, accept, arg);
}

bool tls_handshake_over(struct altcp_pcb *pcb)
{
    const mbedtls_ssl_context *ssl = altcp_tls_context(pcb);
    return ssl && ssl->state == MBEDTLS_SSL_HANDSHAKE_OVER;
}
