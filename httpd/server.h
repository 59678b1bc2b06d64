/*
 * The HTTP worker of each core: listens on http_port of its core's lwIP instance, serves from
 * the content cache, answers in request order on persistent connections, and enforces the
 * per-core limits (connections, keep-alive idle time, header read time, requests per
 * connection) from the command line.  Nothing on the request path is shared between cores but
 * the frozen content cache.
 */
#ifndef HTTPD_SERVER_H
#define HTTPD_SERVER_H

/*
 * Arrange for every core that has a network stack to start its worker when it enters its main
 * loop, and register the stats counters (reqs= bytes= active= err4xx= err5xx= refused=
 * timeouts=).  Boot, core 0, after netstack_link_boot() and content_boot(), before the other
 * cores start.  http_port=0 turns HTTP off.
 */
void httpd_server_boot(void);

#endif
