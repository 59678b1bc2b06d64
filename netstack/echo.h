/*
 * The diagnostic TCP echo service (RFC 862), off unless the command line says `echo=PORT`:
 * lets the network path be tested without httpd.  Shared code; each core runs it on its own
 * lwIP instance.
 */
#ifndef NETSTACK_ECHO_H
#define NETSTACK_ECHO_H

#include <stdint.h>

/*
 * Listen on TCP `port` of this core's instance (`cpu` is the caller's id) and echo every byte
 * back, with flow control (what cannot be sent yet stays unacknowledged in the receive window),
 * at most
 * NETSTACK_ECHO_MAX_CONNS connections on this core (more are reset) and idle connections
 * closed after NETSTACK_ECHO_IDLE_S seconds.  Main loop of core `cpu`, after the instance is
 * up.  Returns 0, -EINVAL (port 0, cpu out of range), -EBUSY (already started on this core), or
 * the listen error (-EADDRINUSE, -ENOMEM, -ENOSPC).
 */
int netstack_echo_start(unsigned cpu, uint16_t port);

/* Connections open on core `cpu` (stats, tests). */
unsigned netstack_echo_conns(unsigned cpu);

#endif
