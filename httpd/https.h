/*
 * What plain HTTP and HTTPS answers add for HTTPS (httpd/config.h: https_redirect=, hsts=).
 * Pure functions on the caller's buffers: any context, never allocate.
 */
#ifndef HTTPD_HTTPS_H
#define HTTPD_HTTPS_H

#include <stddef.h>
#include <stdint.h>

#include "httpd/limits.h"
#include "httpd/request.h"

/*
 * The Location of the 301 that https_redirect= sends: "https://" + the request's Host without
 * its port + ":" + https_port (left out when 443) + the target as sent.  The Host must be a
 * DNS name or IPv4 address ([A-Za-z0-9.-], at most 253 bytes): anything else (an IPv6 literal,
 * no Host in HTTP/1.0) gets no redirect.  Writes a NUL-terminated string into buf; returns its
 * length, -EINVAL (no usable Host) or -ENOSPC (cap too small; HTTPD_HTTPS_LOCATION_MAX always
 * suffices).
 */
#define HTTPD_HTTPS_LOCATION_MAX (8 + 253 + 6 + HTTPD_TARGET_MAX + 1)
int httpd_https_location(const struct httpd_request *req, uint16_t https_port, char *buf,
                         size_t cap);

/*
 * Insert "Strict-Transport-Security: max-age=<max_age>" into the header block head[0..*len)
 * (which ends with its empty line), growing *len.  Returns 0, or -ENOSPC when cap has no room
 * (the block is then unchanged).
 */
int httpd_https_add_hsts(char *head, size_t cap, size_t *len, uint32_t max_age);

#endif
