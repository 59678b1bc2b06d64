/*
 * Content types by file extension.
 *
 * The table is generated at build time by httpd/gen-mime from Debian's /etc/mime.types (the
 * media-types package) for the extensions a web server needs -- nginx's mime.types and newer web
 * formats (.mjs, .wasm, .webmanifest, .woff2, .avif, ...) -- with "; charset=utf-8" on text
 * types (text/..., JavaScript, JSON, XML and their +json/+xml kin).
 *
 * Context: any; the table is read-only.  Used at boot, per file, by httpd/files.c.
 */
#ifndef HTTPD_MIME_H
#define HTTPD_MIME_H

#include <stddef.h>

/* Served for an unknown or missing extension: RFC 9110 8.3 lets a server leave the type out,
 * but then browsers sniff; plain bytes are the safe statement (nginx's default too). */
#define HTTPD_MIME_DEFAULT "application/octet-stream"

/*
 * The Content-Type value for a file name or path ("/css/site.css" -> "text/css;
 * charset=utf-8"), by the extension after the last '.' of its last segment, compared
 * case-insensitively.  For a precompressed variant pass the name without ".gz".  Returns a
 * static string, HTTPD_MIME_DEFAULT when the extension is unknown or there is none.
 */
const char *httpd_mime_lookup(const char *name, size_t len);

#endif
