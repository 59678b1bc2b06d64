/*
 * The HTTP worker of each core: listens on http_port of its core's lwIP instance, serves from
 * the content cache, answers in request order on persistent connections, and enforces the
 * per-core limits (connections, keep-alive idle time, header read time, requests per
 * connection) from the command line.  Nothing on the request path is shared between cores but
 * the frozen content cache.
 */
#ifndef HTTPD_SERVER_H
#define HTTPD_SERVER_H

#include <stdbool.h>

/*
 * Build the per-file response headers from the content cache (httpd_files_build()), arrange for
 * every core that has a network stack to start its worker when it enters its main loop, and
 * register the stats counters (reqs= bytes= active= err4xx= err5xx= refused= timeouts=).
 * Boot, core 0, after netstack_link_boot() and content_boot(), before the other cores start.
 * http_port=0 turns HTTP off.  Returns 0, or httpd_files_build()'s error (logged): the caller
 * should stop the boot rather than answer every file with 500.
 */
int httpd_server_boot(void);

/*
 * Start draining (once; later calls do nothing more): every core closes its HTTP listeners
 * (new connections are refused by TCP), answers requests already received with
 * "Connection: close", closes idle keep-alive connections, and keeps a closing connection until
 * the client has acknowledged its last response.  Core 0, main loop; does not block.
 */
void httpd_server_drain(void);

/* Whether every core that serves HTTP has closed its listeners and has no connection left
 * (true at once when no core serves).  Core 0, main loop. */
bool httpd_server_drained(void);

#endif
