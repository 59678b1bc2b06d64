/*
 * Session-ticket keys shared by every core: a ticket issued on one core resumes on any other.
 */
#ifndef TLS_TICKETS_H
#define TLS_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ticket.h"

/* Draw the secret every core derives its ticket keys from (RDRAND).  Boot, core 0, after the
 * entropy check and before the other cores make their configurations.  Returns 0 or -EIO
 * (logged: each core then keeps mbedTLS's own keys, and resumes only its own tickets). */
int tls_tickets_init(void);

/* Give a core's ticket context (altcp_tls made it, with keys of its own) the shared keys of
 * the current lifetime period and the one before.  Core's main loop, at configuration time. */
void tls_tickets_adopt(mbedtls_ssl_ticket_context *tk);

/* mbedtls_ssl_ticket_write()/_parse() with the shared key of the current period installed
 * first (so mbedTLS's own rotation, which would draw a key of this core's alone, never runs). */
int tls_ticket_write(void *p_ticket, const mbedtls_ssl_session *session, unsigned char *start,
                     const unsigned char *end, size_t *tlen, uint32_t *lifetime);
int tls_ticket_parse(void *p_ticket, mbedtls_ssl_session *session, unsigned char *buf,
                     size_t len);

#endif
