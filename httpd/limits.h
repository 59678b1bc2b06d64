/*
 * Named limits of the HTTP protocol layer (request parser, path canonicalizer, responses).
 *
 * Each overridable one can be set at build time (-DHTTPD_TARGET_MAX=...).  The defaults follow
 * common servers: nginx reads a request line and each header line into 8 KiB buffers and answers
 * 414/400 beyond; OpenBSD httpd caps a header line at 8 KiB.  Per connection the parser keeps
 * about HTTPD_TARGET_MAX + HTTPD_FIELD_STORE_MAX bytes, so these also size connection memory.
 */
#ifndef HTTPD_LIMITS_H
#define HTTPD_LIMITS_H

/* Bytes of the request target as sent (origin-form "/a/b?q" or absolute-form
 * "http://host/a/b?q").  Longer: 414 URI Too Long. */
#ifndef HTTPD_TARGET_MAX
#define HTTPD_TARGET_MAX 4096
#endif

/* Bytes of the request line other than the target: method, spaces, "HTTP/1.1", CRLF, and the
 * empty lines RFC 9112 2.2 lets a client send before a request.  Past target + this, a request
 * line that is not long because of its target is malformed: 400. */
#define HTTPD_REQUEST_LINE_SLACK 64

/* Bytes of the header section: every field line with its CRLF, the final empty line and any
 * chunked trailer section.  Larger: 431 Request Header Fields Too Large (RFC 6585 5). */
#ifndef HTTPD_HEADER_MAX
#define HTTPD_HEADER_MAX 8192
#endif

/* Bytes of the header values the parser keeps for the response (Host, If-None-Match,
 * If-Modified-Since, Range, If-Range, Accept-Encoding, Transfer-Encoding, Expect), all together.
 * Browsers send well under 300.  More: 431, as for a field too large on its own. */
#ifndef HTTPD_FIELD_STORE_MAX
#define HTTPD_FIELD_STORE_MAX 2048
#endif

/* Bytes of a request body on GET/HEAD (or a refused method) that are read and thrown away to
 * keep the connection in step, counting chunked framing.  A larger body: 413 Content Too
 * Large, and the connection closes. */
#ifndef HTTPD_BODY_DISCARD_MAX
#define HTTPD_BODY_DISCARD_MAX 65536
#endif

/* Bytes of an entity-tag as the content cache gives it, quotes included ("\"1f3a-9c\""). */
#define HTTPD_ETAG_MAX 64

/* Bytes of a Content-Type value ("text/html; charset=utf-8"). */
#define HTTPD_CONTENT_TYPE_MAX 128

/* Bytes of the precomputed per-file header lines (struct httpd_file): Last-Modified, ETag,
 * Vary, Content-Type, Content-Encoding, Content-Length and Accept-Ranges at their maxima. */
#define HTTPD_FILE_HEADER_MAX 384

/* Bytes a caller's buffer needs for any response header block httpd_response_*() formats: the
 * status line, the fixed lines, a file's lines plus Content-Range, or a Location that is at most
 * a target (re-encoded, with "/" added) long. */
#define HTTPD_RESPONSE_HEADER_MAX (HTTPD_TARGET_MAX + 512)

/* ---- Per-connection resources (the connection layer, httpd/conn.c) --------------------------
 * What a client can make one connection hold, each counted in what it costs.  A client that
 * reaches one is slowed (TCP back-pressure) or closed, and counted in `stats`. */

/* Bytes received but not yet parsed while a response is pending (pipelined requests wait until
 * the previous response is queued) are bounded by TCP's receive window (TCP_WND, 64 KiB): they
 * are acknowledged to the window only as the parser consumes them, so a client that runs ahead
 * meets a shut window (TCP's own back-pressure: nothing is dropped, nothing resent). */

/* Received segments shorter than this are copied into the connection's own coalescing buffer
 * instead of being kept as one lwIP pbuf each: a 1-byte segment kept as its own pbuf costs ~96
 * bytes of heap, so a window of 1-byte segments would cost ~6 MiB instead of 64 KiB. */
#define HTTPD_INPUT_COALESCE_BELOW 512

/* Bytes of one coalescing buffer: with lwIP's pbuf header it fills a 2 KiB heap size class. */
#define HTTPD_INPUT_CHUNK (2048 - 32)

/* Send progress: while a response is outstanding (queued, or sent and not acknowledged), the
 * client must acknowledge at least this many bytes in every window of send_stall_ms, unless the
 * server itself held the data back (its transmit backlog, or data that the client's window
 * would take but TCP has not sent).  A client that opens its window a byte at a time is closed;
 * one waiting behind the server's own congestion never is.  About 1 KB/s over the default
 * 10 s window.  send_min_bytes= overrides. */
#ifndef HTTPD_SEND_MIN_PROGRESS
#define HTTPD_SEND_MIN_PROGRESS (10 * 1024)
#endif

/* Connection memory: the share of the memory free at boot (after the content cache) that the
 * connections of all cores may use, split evenly between cores (conn_mem_pct= overrides). */
#ifndef HTTPD_CONN_MEM_PCT
#define HTTPD_CONN_MEM_PCT 50
#endif

/* Bytes of heap one connection may come to hold at most: struct conn and lwIP's pcb (~0.4 KiB),
 * its parser while a request is in progress (~6.5 KiB), the rest of a header block the send
 * buffer had no room for (< 5 KiB, rare), a receive window of input (64 KiB: in 2 KiB
 * coalescing buffers, or full-size segments at ~1.5 KiB per 1460 bytes: ~70 KiB), lwIP's send
 * queue (TCP_SND_QUEUELEN pbufs and their segments: ~25 KiB; file bytes are by reference) and
 * NETSTACK_OOSEQ_PBUFS_MAX out-of-order segments (~26 KiB): about 130 KiB, rounded up.
 * A core admits a new connection only while its heap use is at least this far below its
 * budget (httpd/budget.c): a connection admitted last can still reach its limits, and the
 * memory outside the budgets absorbs what established connections grow by together. */
#define HTTPD_CONN_WORST (160 * 1024)

/* ---- Access log -------------------------------------------------------------------------- */

/* Access log lines per second, per core and per client address: a client sending 404s in a loop
 * must not flood the console.  Lines cut are counted in log_limited=; log_rate= and
 * log_client_rate= override. */
#ifndef HTTPD_LOG_LINES_PER_S
#define HTTPD_LOG_LINES_PER_S 50
#endif
#ifndef HTTPD_LOG_CLIENT_LINES_PER_S
#define HTTPD_LOG_CLIENT_LINES_PER_S 5
#endif
/* Clients remembered per core for the per-client rate (a hash table; two clients that share a
 * slot share its allowance, which only makes the limit stricter for both). */
#define HTTPD_LOG_CLIENT_SLOTS 64

/* ---- Admin endpoint (httpd/admin.c) --------------------------------------------------------- */

/* Bytes of an admin request's line and headers; more: 431 and close (it serves two fixed
 * paths: a monitoring client's GET is a few hundred bytes). */
#define HTTPD_ADMIN_REQUEST_MAX 2048

/* Time from accepting an admin connection to the end of its response; then it is closed. */
#define HTTPD_ADMIN_TIMEOUT_MS 5000

/* Open admin connections per core; more are reset (a scraper or a health check needs one). */
#define HTTPD_ADMIN_CONNS_MAX 16

#endif
