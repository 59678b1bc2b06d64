/*
 * Host tests of the content-type lookup over the generated table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "httpd/mime.h"

static void test_lookup(void **state)
{
    static const struct {
        const char *name, *type;
    } cases[] = {
        {"/index.html", "text/html; charset=utf-8"},
        {"/INDEX.HTM", "text/html; charset=utf-8"},
        {"/css/site.css", "text/css; charset=utf-8"},
        {"/app.js", "text/javascript; charset=utf-8"},
        {"/mod.mjs", "text/javascript; charset=utf-8"},
        {"/data.json", "application/json; charset=utf-8"},
        {"/feed.xml", "application/xml; charset=utf-8"},
        {"/site.webmanifest", "application/manifest+json; charset=utf-8"},
        {"/app.js.map", "application/json; charset=utf-8"},
        {"/readme.txt", "text/plain; charset=utf-8"},
        {"/logo.svg", "image/svg+xml"},
        {"/a.png", "image/png"},
        {"/a.JPG", "image/jpeg"},
        {"/a.jpeg", "image/jpeg"},
        {"/a.gif", "image/gif"},
        {"/a.webp", "image/webp"},
        {"/a.avif", "image/avif"},
        {"/favicon.ico", "image/x-icon"},
        {"/f.woff", "font/woff"},
        {"/f.woff2", "font/woff2"},
        {"/f.ttf", "font/ttf"},
        {"/f.otf", "font/otf"},
        {"/m.wasm", "application/wasm"},
        {"/d.pdf", "application/pdf"},
        {"/v.mp4", "video/mp4"},
        {"/v.webm", "video/webm"},
        {"/s.ts", "video/mp2t"},
        {"/a.mp3", "audio/mpeg"},
        {"/a.zip", "application/zip"},
        {"/a.gz", "application/gzip"},
        {"/a.3gp", "video/3gpp"},
        {"/a.7z", "application/x-7z-compressed"},
        {"/x.unknownext", HTTPD_MIME_DEFAULT},
        {"/Makefile", HTTPD_MIME_DEFAULT},
        {"/dir.d/file", HTTPD_MIME_DEFAULT},
        {"/trailing.", HTTPD_MIME_DEFAULT},
        {"/", HTTPD_MIME_DEFAULT},
        {"", HTTPD_MIME_DEFAULT},
        {".html", "text/html; charset=utf-8"},
        {"/a.verylongextensionname", HTTPD_MIME_DEFAULT},
        {"/a.webmanifestx", HTTPD_MIME_DEFAULT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = httpd_mime_lookup(cases[i].name, strlen(cases[i].name));
        if (strcmp(got, cases[i].type) != 0)
            fail_msg("%s: got %s, want %s", cases[i].name, got, cases[i].type);
    }
    /* Only len bytes are looked at. */
    assert_string_equal(httpd_mime_lookup("/a.css.gz", 6), "text/css; charset=utf-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
