/*
 * Host tests of the command line parser (core/cmdline.c) and of Toril's key table
 * (core/config.c).  Every input line is copied into a heap block of its exact size, so
 * AddressSanitizer catches any read past its NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cmdline.h"
#include "core/config.h"
#include "httpd/config.h"
#include "netstack/config.h"
#include "virtio/config.h"
#include "core/limits.h"
#include "core/log.h"
#include "tests/host/log_host.h"

/* --- the generic parser, on a struct with every type -------------------------------------- */

enum color { RED, GREEN, BLUE };

struct opts {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    bool flag;
    bool flag_on;
    enum color color;
    char name[8];
    uint32_t addr;
    struct core_ipv4_prefix net;
    bool net_auto;
    unsigned nports;
    uint16_t ports[3];
    unsigned ndevs;
    struct core_virtio_mmio devs[2];
};

static const char *const color_names[] = {"red", "green", "blue", NULL};

#define F(member) CORE_CMDLINE_FIELD(struct opts, member)

static const struct core_cmdline_opt table[] = {
    {.name = "u8", .type = CORE_CMDLINE_UINT, F(u8), .max = 255},
    {.name = "u16", .type = CORE_CMDLINE_UINT, F(u16), .min = 1, .max = 65535},
    {.name = "u32", .type = CORE_CMDLINE_UINT, F(u32), .max = UINT32_MAX},
    {.name = "u64", .type = CORE_CMDLINE_UINT, F(u64), .max = UINT64_MAX},
    {.name = "flag", .type = CORE_CMDLINE_BOOL, F(flag)},
    {.name = "flag_on", .type = CORE_CMDLINE_BOOL, F(flag_on)},
    {.name = "color", .type = CORE_CMDLINE_ENUM, F(color), .names = color_names},
    {.name = "name", .type = CORE_CMDLINE_STRING, F(name)},
    {.name = "addr", .type = CORE_CMDLINE_IPV4, F(addr)},
    {.name = "net",
     .type = CORE_CMDLINE_IPV4_PREFIX,
     F(net),
     .word = "auto",
     .word_flag = offsetof(struct opts, net_auto)},
    {.name = "port",
     .type = CORE_CMDLINE_LIST,
     .elem = CORE_CMDLINE_UINT,
     .max = 65535,
     CORE_CMDLINE_LIST_FIELD(struct opts, ports, nports)},
    {.name = "dev",
     .type = CORE_CMDLINE_LIST,
     .elem = CORE_CMDLINE_VIRTIO_MMIO,
     CORE_CMDLINE_LIST_FIELD(struct opts, devs, ndevs)},
};

/* Padding included (results are compared with memcmp), so filled in place. */
static void set_defaults(struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->u16 = 80;
    o->flag_on = true;
    o->color = GREEN;
    strcpy(o->name, "dflt");
    o->addr = 0x01020304;
    o->net.addr = 0x0a000001;
    o->net.len = 8;
}

/* In table loops: fail naming the case, so a failure in CI says which input broke. */
#define CHECK(input, cond)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg("input '%s': %s is false (last log line: '%s')",                              \
                     (input) ? (input) : "(null)", #cond, log_host_last);                          \
    } while (0)

static void log_reset(void)
{
    memset(log_host_count, 0, sizeof(log_host_count));
    log_host_last[0] = '\0';
}

/* Parse a private heap copy of `line` (NULL stays NULL) into `out`. */
static int parse_into(const char *line, const struct core_cmdline_opt *opts, size_t n, void *out)
{
    char *copy = line ? strdup(line) : NULL;
    int errors;

    log_reset();
    errors = core_cmdline_parse(copy, opts, n, out);
    free(copy);
    return errors;
}

static int parse(const char *line, struct opts *out)
{
    set_defaults(out);
    return parse_into(line, table, sizeof(table) / sizeof(table[0]), out);
}

/* The fields a table case can check; everything else must keep its default. */
enum fld {
    NONE, /* nothing changes */
    U8,
    U16,
    U32,
    U64,
    FLAG,
    FLAG_ON,
    COLOR,
    NAME,
    ADDR,
    NET,      /* value: addr << 8 | len; net_auto becomes false */
    NET_AUTO, /* net_auto becomes true */
};

struct tcase {
    const char *line;
    int errors;      /* returned */
    unsigned warns;  /* log_warn lines */
    const char *log; /* substring of the last log line; NULL: nothing logged */
    enum fld field;  /* what the line changes */
    uint64_t value;  /* to what */
    const char *str; /* NAME: the expected string */
};

/* Initializer macros, kept on one line each (clang-format would spread them over four). */
/* clang-format off */
/* A valid line that sets `f` to `v`, logging nothing. */
#define OK(l, f, v)  {.line = (l), .field = (f), .value = (v)}
/* A line with one invalid value: one error logged, nothing changes. */
#define BAD(l, msg)  {.line = (l), .errors = 1, .log = (msg)}
/* A line with one unknown key: one warning logged, nothing changes. */
#define WARN(l, msg) {.line = (l), .warns = 1, .log = (msg)}
/* clang-format on */

static const struct tcase cases[] = {
    /* UINT: decimal, hex, ranges, garbage */
    OK("u16=8080", U16, 8080),
    OK("u16=0x1F90", U16, 8080),
    OK("u16=0X1f90", U16, 8080),
    OK("u16=007", U16, 7),
    OK("u16=1", U16, 1),
    OK("u16=65535", U16, 65535),
    BAD("u16=0", "cmdline: u16=0: expected a number in 1..65535"),
    BAD("u16=65536", "cmdline: u16=65536: expected a number in 1..65535"),
    BAD("u16=0x10000", "u16=0x10000: expected a number"),
    BAD("u16=-1", "u16=-1: expected a number"),
    BAD("u16=+1", "u16=+1: expected"),
    BAD("u16=1.5", "u16=1.5: expected"),
    BAD("u16=12abc", "u16=12abc: expected"),
    BAD("u16=abc", "u16=abc: expected"),
    BAD("u16=0x", "u16=0x: expected"),
    BAD("u16=0xg", "u16=0xg: expected"),
    BAD("u16=x10", "u16=x10: expected"),
    OK("u8=255", U8, 255),
    OK("u8=0", U8, 0),
    BAD("u8=256", "u8=256: expected a number in 0..255"),
    OK("u32=4294967295", U32, UINT32_MAX),
    OK("u32=0xffffffff", U32, UINT32_MAX),
    BAD("u32=4294967296", "u32=4294967296: expected a number in 0..4294967295"),
    OK("u64=18446744073709551615", U64, UINT64_MAX),
    OK("u64=0xFFFFFFFFFFFFFFFF", U64, UINT64_MAX),
    BAD("u64=18446744073709551616", "u64=18446744073709551616: expected"),
    BAD("u64=0x10000000000000000", "u64=0x10000000000000000: expected"),
    BAD("u64=99999999999999999999999999999999999999999", "expected a number"),
    /* BOOL */
    OK("flag", FLAG, 1),
    OK("flag=on", FLAG, 1),
    OK("flag=yes", FLAG, 1),
    OK("flag=1", FLAG, 1),
    OK("flag=true", FLAG, 1),
    OK("flag_on=off", FLAG_ON, 0),
    OK("flag_on=no", FLAG_ON, 0),
    OK("flag_on=0", FLAG_ON, 0),
    OK("flag_on=false", FLAG_ON, 0),
    BAD("flag=ON", "cmdline: flag=ON: expected on|off|yes|no|1|0|true|false"),
    BAD("flag=2", "flag=2: expected on|off"),
    BAD("flag=y", "flag=y: expected on|off"),
    BAD("flag=onn", "flag=onn: expected on|off"),
    /* ENUM */
    OK("color=blue", COLOR, BLUE),
    OK("color=red", COLOR, RED),
    BAD("color=purple", "cmdline: color=purple: expected one of red|green|blue"),
    BAD("color=BLUE", "color=BLUE: expected one of"),
    BAD("color=blu", "color=blu: expected one of"),
    BAD("color=blues", "color=blues: expected one of"),
    BAD("color=0", "color=0: expected one of"),
    /* STRING (char[8]: at most 7 bytes) */
    {"name=abc", 0, 0, NULL, NAME, 0, "abc"},
    {"name=1234567", 0, 0, NULL, NAME, 0, "1234567"},
    BAD("name=12345678", "cmdline: name=12345678: expected at most 7 bytes"),
    BAD("name=a\x01z", "cmdline: name=a?z: expected printable ASCII"),
    BAD("name=\xc3\xa9t\xc3\xa9", "cmdline: name=??t??: expected printable ASCII"),
    /* IPV4 */
    OK("addr=10.0.2.15", ADDR, 0x0a00020f),
    OK("addr=0.0.0.0", ADDR, 0),
    OK("addr=255.255.255.255", ADDR, 0xffffffff),
    BAD("addr=256.1.1.1", "cmdline: addr=256.1.1.1: expected a.b.c.d"),
    BAD("addr=1.2.3.256", "addr=1.2.3.256: expected a.b.c.d"),
    BAD("addr=1.2.3", "addr=1.2.3: expected a.b.c.d"),
    BAD("addr=1.2.3.", "addr=1.2.3.: expected"),
    BAD("addr=.1.2.3", "addr=.1.2.3: expected"),
    BAD("addr=1..2.3", "addr=1..2.3: expected"),
    BAD("addr=1.2.3.4.5", "addr=1.2.3.4.5: expected"),
    BAD("addr=1.2.3.4.", "addr=1.2.3.4.: expected"),
    BAD("addr=01.2.3.4", "addr=01.2.3.4: expected"),
    BAD("addr=1.2.3.0004", "addr=1.2.3.0004: expected"),
    BAD("addr=1.2.3.1000", "addr=1.2.3.1000: expected"),
    BAD("addr=1.2.3.-4", "addr=1.2.3.-4: expected"),
    BAD("addr=1.2.3.4/24", "addr=1.2.3.4/24: expected a.b.c.d"),
    BAD("addr=0x01020304", "addr=0x01020304: expected"),
    BAD("addr=a.b.c.d", "addr=a.b.c.d: expected"),
    BAD("addr=1", "addr=1: expected"),
    /* IPV4_PREFIX, with the alternative word "auto" */
    OK("net=192.168.1.2/24", NET, 0xc0a80102ull << 8 | 24),
    OK("net=0.0.0.0/0", NET, 0),
    OK("net=1.2.3.4/32", NET, 0x01020304ull << 8 | 32),
    OK("net=auto", NET_AUTO, 1),
    OK("net=auto net=10.1.2.3/16", NET, 0x0a010203ull << 8 | 16),
    BAD("net=1.2.3.4/33", "cmdline: net=1.2.3.4/33: expected a.b.c.d/N or auto"),
    BAD("net=1.2.3.4/99", "net=1.2.3.4/99: expected"),
    BAD("net=1.2.3.4/100", "net=1.2.3.4/100: expected"),
    BAD("net=1.2.3.4/024", "net=1.2.3.4/024: expected"),
    BAD("net=1.2.3.4/", "net=1.2.3.4/: expected"),
    BAD("net=1.2.3.4", "net=1.2.3.4: expected"),
    BAD("net=/24", "net=/24: expected"),
    BAD("net=1.2.3.4/-1", "net=1.2.3.4/-1: expected"),
    BAD("net=1.2.3.4/2a", "net=1.2.3.4/2a: expected"),
    BAD("net=1.2.3.4/24/8", "net=1.2.3.4/24/8: expected"),
    BAD("net=256.0.0.0/8", "net=256.0.0.0/8: expected"),
    BAD("net=1.2.3/24", "net=1.2.3/24: expected"),
    BAD("net=AUTO", "net=AUTO: expected"),
    /* Unknown keys warn and are skipped; keys are case-sensitive */
    WARN("bogus=1", "cmdline: unknown key 'bogus' ignored"),
    WARN("bogus", "cmdline: unknown key 'bogus' ignored"),
    WARN("U16=5", "unknown key 'U16'"),
    WARN("u16x=5", "unknown key 'u16x'"),
    WARN("u1=5", "unknown key 'u1'"),
    WARN("bo\x1bgus=1", "unknown key 'bo?gus'"),
    {"console=ttyS0 u16=81", 0, 1, "unknown key 'console'", U16, 81, NULL},
    /* Malformed tokens */
    BAD("=x", "cmdline: '=x': no key before '='"),
    BAD("=", "cmdline: '=': no key before '='"),
    BAD("u16", "cmdline: u16: needs a value"),
    BAD("u16=", "cmdline: u16=: empty value"),
    BAD("flag=", "cmdline: flag=: empty value"),
    BAD("name=", "cmdline: name=: empty value"),
    BAD("u16==5", "u16==5: expected"),
    BAD("u16=5=6", "u16=5=6: expected"),
    /* Repeated keys: the last valid one wins, silently */
    OK("u16=1 u16=2 u16=3", U16, 3),
    OK("color=red color=blue", COLOR, BLUE),
    {"u16=5 u16=bad", 1, 0, "u16=bad: expected", U16, 5, NULL},
    OK("flag flag=off", FLAG, 0),
    /* Separators and empty lines */
    OK(NULL, NONE, 0),
    OK("", NONE, 0),
    OK("   \t\r\n  ", NONE, 0),
    OK("\t u16=9\n", U16, 9),
    /* Errors are counted, warnings are not */
    {"u16=x u8=y bogus=1 u32=7 flag=maybe", 3, 1, "flag=maybe: expected", U32, 7, NULL},
};

static void expect(const struct tcase *c, struct opts *o)
{
    set_defaults(o);
    switch (c->field) {
    case NONE:
        break;
    case U8:
        o->u8 = (uint8_t)c->value;
        break;
    case U16:
        o->u16 = (uint16_t)c->value;
        break;
    case U32:
        o->u32 = (uint32_t)c->value;
        break;
    case U64:
        o->u64 = c->value;
        break;
    case FLAG:
        o->flag = c->value;
        break;
    case FLAG_ON:
        o->flag_on = c->value;
        break;
    case COLOR:
        o->color = (enum color)c->value;
        break;
    case NAME:
        memset(o->name, 0, sizeof(o->name));
        strcpy(o->name, c->str);
        break;
    case ADDR:
        o->addr = (uint32_t)c->value;
        break;
    case NET:
        o->net.addr = (uint32_t)(c->value >> 8);
        o->net.len = (uint8_t)c->value;
        o->net_auto = false;
        break;
    case NET_AUTO:
        o->net_auto = true;
        break;
    }
}

static void test_cases(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tcase *c = &cases[i];
        struct opts got, want;
        expect(c, &want);
        int errors = parse(c->line, &got);

        if (c->field == NAME) /* bytes after the NUL are not specified */
            memcpy(got.name + strlen(c->str) + 1, want.name + strlen(c->str) + 1,
                   sizeof(got.name) - strlen(c->str) - 1);
        CHECK(c->line, memcmp(&got, &want, sizeof(got)) == 0);
        CHECK(c->line, errors == c->errors);
        CHECK(c->line, log_host_count[LOG_ERROR] == (unsigned)c->errors);
        CHECK(c->line, log_host_count[LOG_WARN] == c->warns);
        CHECK(c->line, log_host_count[LOG_INFO] == 0);
        CHECK(c->line, c->log ? strstr(log_host_last, c->log) != NULL : log_host_last[0] == 0);
    }
}

/* A value or key far longer than any field: rejected, and the log line stays short. */
static void test_overlong_tokens(void **state)
{
    char line[4 + 1000 + 1];
    struct opts got, want;

    set_defaults(&want);
    memcpy(line, "name", 4);
    memset(line + 4, 'x', 1000);
    line[4 + 1000] = '\0';
    line[4] = '=';
    assert_int_equal(parse(line, &got), 1);
    assert_memory_equal(&got, &want, sizeof(got));
    assert_non_null(strstr(log_host_last, "cmdline: name=xxxx"));
    assert_non_null(strstr(log_host_last, "...: expected at most 7 bytes"));
    assert_true(strlen(log_host_last) < 160);

    /* A 1000-byte unknown key */
    memset(line, 'k', 1004);
    line[1004] = '\0';
    assert_int_equal(parse(line, &got), 0);
    assert_int_equal(log_host_count[LOG_WARN], 1);
    assert_non_null(strstr(log_host_last, "kkk...' ignored"));
    assert_true(strlen(log_host_last) < 160);

    /* A 1000-digit number */
    memcpy(line, "u64=", 4);
    memset(line + 4, '9', 1000);
    assert_int_equal(parse(line, &got), 1);
    assert_memory_equal(&got, &want, sizeof(got));
    assert_non_null(strstr(log_host_last, "...: expected a number in 0..18446744073709551615"));
}

/* Fill `buf` with `n` bytes of whole "flag " tokens, then spaces, NUL-terminated. */
static void fill_flags(char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = i < n - n % 5 ? "flag "[i % 5] : ' ';
    buf[n] = '\0';
}

static void test_long_line(void **state)
{
    const size_t max = CORE_CMDLINE_MAX - 1;
    char *line = malloc(100000);
    struct opts got;

    /* Exactly max bytes, the last token ends at the limit: all of it is used. */
    fill_flags(line, max - 9);
    strcat(line, " u16=1234");
    assert_int_equal(strlen(line), max);
    assert_int_equal(parse(line, &got), 0);
    assert_int_equal(got.u16, 1234);
    assert_true(got.flag);

    /* One byte more: u16=12345 is cut by the limit, so it is dropped, not read as 1234. */
    fill_flags(line, max - 9);
    strcat(line, " u16=12345");
    assert_int_equal(parse(line, &got), 1);
    assert_int_equal(got.u16, 80);
    assert_true(got.flag);
    assert_non_null(strstr(log_host_last, "cmdline: longer than 2047 bytes"));

    /* A token that starts after the limit is ignored. */
    fill_flags(line, max - 1);
    strcat(line, "  u16=99");
    assert_int_equal(parse(line, &got), 1);
    assert_int_equal(got.u16, 80);

    /* The limit falls on a space: the token before it is whole and used. */
    fill_flags(line, max - 9);
    strcat(line, " u16=1234 u16=5");
    assert_int_equal(parse(line, &got), 1);
    assert_int_equal(got.u16, 1234);

    /* One 99999-byte token: nothing to parse, one error. */
    memset(line, 'u', 99999);
    line[99999] = '\0';
    assert_int_equal(parse(line, &got), 1);
    assert_int_equal(log_host_count[LOG_ERROR], 1);
    assert_int_equal(log_host_count[LOG_WARN], 0);
    struct opts want;
    set_defaults(&want);
    assert_memory_equal(&got, &want, sizeof(got));

    /* Many unknown keys: each warns, none is an error, and nothing breaks. */
    for (size_t i = 0; i < 99999; i++)
        line[i] = "k=1 "[i % 4];
    assert_int_equal(parse(line, &got), 1);
    assert_int_equal(log_host_count[LOG_WARN], (max + 1) / 4);
    free(line);
}

/* LIST: repeated keys append in order, up to the array's capacity. */
static void test_list(void **state)
{
    struct opts got;

    assert_int_equal(parse("port=80 u16=5 port=0x1bb port=8080", &got), 0);
    assert_int_equal(got.nports, 3);
    assert_int_equal(got.ports[0], 80);
    assert_int_equal(got.ports[1], 443);
    assert_int_equal(got.ports[2], 8080);
    assert_int_equal(got.u16, 5);

    /* A bad element is dropped, the others stay. */
    assert_int_equal(parse("port=1 port=65536 port=2", &got), 1);
    assert_int_equal(got.nports, 2);
    assert_int_equal(got.ports[0], 1);
    assert_int_equal(got.ports[1], 2);
    assert_non_null(strstr(log_host_last, "cmdline: port=65536: expected a number in 0..65535"));

    /* Full: the fourth is an error and changes nothing. */
    assert_int_equal(parse("port=1 port=2 port=3 port=4", &got), 1);
    assert_int_equal(got.nports, 3);
    assert_int_equal(got.ports[2], 3);
    assert_string_equal(log_host_last, "cmdline: port=4: more than 3 entries, ignored");

    assert_int_equal(parse("port", &got), 1);
    assert_non_null(strstr(log_host_last, "port: needs a value"));
    assert_int_equal(parse("port=", &got), 1);
    assert_int_equal(got.nports, 0);
}

struct mmio_case {
    const char *value;
    int ok;
    uint64_t size, base;
    uint32_t irq, id;
    bool has_id;
};

static const struct mmio_case mmio_cases[] = {
    /* As QEMU's microvm writes them (slots fill from the top). */
    {"512@0xfeb00e00:12", 1, 512, 0xfeb00e00, 12, 0, false},
    {"512@0xfeb00c00:11", 1, 512, 0xfeb00c00, 11, 0, false},
    /* As Linux documents them, with suffixes and an id. */
    {"4K@0xd0000000:5:3", 1, 4096, 0xd0000000, 5, 3, true},
    {"1k@0x1000:0", 1, 1024, 0x1000, 0, 0, false},
    {"1M@0xFEB00000:47", 1, 1 << 20, 0xfeb00000, 47, 0, false},
    {"2m@0x0:1:0", 1, 2 << 20, 0, 1, 0, true},
    {"0x200@0x10000:4294967295", 1, 0x200, 0x10000, UINT32_MAX, 0, false},
    {"255@0xffffffffffffff00:1", 1, 255, 0xffffffffffffff00, 1, 0, false},
    {"17592186044415M@0x0:1", 1, 0xfffffffffff00000, 0, 1, 0, false},
    /* Rejections */
    {.value = "512@0xfeb00e00"},           /* no irq */
    {.value = "512@feb00e00:12"},          /* base not hex */
    {.value = "512@4273999360:12"},        /* base decimal */
    {.value = "@0xfeb00e00:12"},           /* no size */
    {.value = "0@0xfeb00e00:12"},          /* size 0 */
    {.value = "K@0x1000:1"},               /* suffix without a number */
    {.value = "512G@0x1000:1"},            /* unknown suffix */
    {.value = "512KK@0x1000:1"},           /* two suffixes */
    {.value = "-512@0x1000:1"},            /* sign */
    {.value = "512@0x1000:"},              /* empty irq */
    {.value = "512@0x1000:0x12"},          /* irq hex */
    {.value = "512@0x1000:4294967296"},    /* irq past 32 bits */
    {.value = "512@0x1000:12:"},           /* empty id */
    {.value = "512@0x1000:12:3:4"},        /* extra field */
    {.value = "512@0x1000:12x"},           /* trailing garbage */
    {.value = "512@@0x1000:12"},           /* double @ */
    {.value = "512@0x:12"},                /* empty base */
    {.value = "512:12@0x1000"},            /* out of order */
    {.value = "256@0xffffffffffffff00:1"}, /* window ends past 2^64 - 1 */
    {.value = "17592186044416M@0x0:1"},    /* size overflows 64 bits */
    {.value = "99999999999999999999@0x0:1"},
    {.value = "512"},
};

static void test_virtio_mmio(void **state)
{
    char line[200];

    for (size_t i = 0; i < sizeof(mmio_cases) / sizeof(mmio_cases[0]); i++) {
        const struct mmio_case *c = &mmio_cases[i];
        struct opts got;

        snprintf(line, sizeof(line), "dev=%s", c->value);
        int errors = parse(line, &got);
        if (!c->ok) {
            CHECK(c->value, errors == 1);
            CHECK(c->value, got.ndevs == 0);
            snprintf(line, sizeof(line),
                     "cmdline: dev=%s: expected <size>[K|M]@0x<base>:<irq>[:<id>]", c->value);
            CHECK(c->value, strcmp(log_host_last, line) == 0);
            continue;
        }
        CHECK(c->value, errors == 0);
        CHECK(c->value, got.ndevs == 1);
        CHECK(c->value, got.devs[0].size == c->size);
        CHECK(c->value, got.devs[0].base == c->base);
        CHECK(c->value, got.devs[0].irq == c->irq);
        CHECK(c->value, got.devs[0].id == c->id);
        CHECK(c->value, got.devs[0].has_id == c->has_id);
    }
}

/* --- Toril's table (core/config.c) --------------------------------------------------------- */

static int config_parse(const char *line)
{
    char *copy = line ? strdup(line) : NULL;
    int errors;

    log_reset();
    errors = core_config_parse(copy);
    free(copy);
    return errors;
}

/* Every module's configuration as one value, for comparisons. */
struct all_config {
    struct core_config core;
    struct netstack_config net;
    struct httpd_config http;
    struct virtio_config virtio;
};

static struct all_config snapshot(void)
{
    struct all_config a;
    memset(&a, 0, sizeof(a));
    a.core = *core_config;
    a.net = *netstack_config;
    a.http = *httpd_config;
    a.virtio = *virtio_config;
    return a;
}

/* The configuration an empty command line gives (every module's defaults). */
static struct all_config defaults;

/* Field by field: struct assignment need not copy padding. */
static void assert_config_equal(const struct all_config *a, const struct all_config *b)
{
    assert_int_equal(a->net.ip_dhcp, b->net.ip_dhcp);
    assert_int_equal(a->net.ip.addr, b->net.ip.addr);
    assert_int_equal(a->net.ip.len, b->net.ip.len);
    assert_int_equal(a->net.gw, b->net.gw);
    assert_int_equal(a->net.echo_port, b->net.echo_port);
    assert_int_equal(a->http.http_port, b->http.http_port);
    assert_int_equal(a->http.https_port, b->http.https_port);
    assert_int_equal(a->http.max_conns, b->http.max_conns);
    assert_int_equal(a->http.keepalive_ms, b->http.keepalive_ms);
    assert_int_equal(a->http.header_timeout_ms, b->http.header_timeout_ms);
    assert_int_equal(a->http.send_stall_ms, b->http.send_stall_ms);
    assert_int_equal(a->http.max_reqs, b->http.max_reqs);
    assert_int_equal(a->http.log, b->http.log);
    assert_int_equal(a->core.idle, b->core.idle);
    assert_int_equal(a->core.halt_poll_us, b->core.halt_poll_us);
    assert_int_equal(a->core.test, b->core.test);
    assert_int_equal(a->virtio.virtio_mmio_count, b->virtio.virtio_mmio_count);
    for (unsigned i = 0; i < a->virtio.virtio_mmio_count && i < VIRTIO_CONFIG_MAX_MMIO; i++) {
        assert_int_equal(a->virtio.virtio_mmio[i].base, b->virtio.virtio_mmio[i].base);
        assert_int_equal(a->virtio.virtio_mmio[i].size, b->virtio.virtio_mmio[i].size);
        assert_int_equal(a->virtio.virtio_mmio[i].irq, b->virtio.virtio_mmio[i].irq);
        assert_int_equal(a->virtio.virtio_mmio[i].id, b->virtio.virtio_mmio[i].id);
        assert_int_equal(a->virtio.virtio_mmio[i].has_id, b->virtio.virtio_mmio[i].has_id);
    }
}

static void assert_defaults(void)
{
    struct all_config now = snapshot();
    assert_config_equal(&now, &defaults);
}

/* Runs first: every module's configuration is usable before any parse, and holds its
 * defaults; core's points at core_config_defaults until the first parse. */
static void test_config_defaults(void **state)
{
    const struct core_config *d = &core_config_defaults;

    assert_ptr_equal(core_config, d);
    defaults = snapshot();
    assert_false(defaults.net.ip_dhcp);
    assert_int_equal(defaults.net.ip.addr, 0x0a00020f);
    assert_int_equal(defaults.net.ip.len, 24);
    assert_int_equal(defaults.net.gw, 0x0a000202);
    assert_int_equal(defaults.net.echo_port, 0);
    assert_int_equal(defaults.http.http_port, 80);
    assert_int_equal(defaults.http.https_port, 443);
    assert_int_equal(defaults.http.max_conns, 1024);
    assert_int_equal(defaults.http.keepalive_ms, 5000);
    assert_int_equal(defaults.http.header_timeout_ms, 10000);
    assert_int_equal(defaults.http.send_stall_ms, 10000);
    assert_int_equal(defaults.http.max_reqs, 1000);
    assert_int_equal(defaults.http.log, HTTPD_LOG_ERRORS);
    assert_int_equal(d->idle, CORE_CONFIG_IDLE_HALT);
    assert_int_equal(d->halt_poll_us, 50);
    assert_int_equal(defaults.virtio.virtio_mmio_count, 0);
    assert_int_equal(d->test, CORE_CONFIG_TEST_NONE);

    assert_int_equal(config_parse(NULL), 0);
    assert_ptr_not_equal(core_config, d);
    assert_int_equal(httpd_config->http_port, 80);
    assert_int_equal(config_parse(""), 0);
    assert_defaults();
}

/* Each key once with a valid value, as a user would write them; each lands in its module. */
static void test_config_all_keys(void **state)
{
    assert_int_equal(config_parse("ip=192.168.100.2/24 gw=192.168.100.1 echo=7 log=all "
                                  "idle=poll halt_poll_us=1000 test=wx http_port=8080 "
                                  "https_port=8443 max_conns=65535 keepalive_ms=0 "
                                  "header_timeout_ms=600000 send_stall_ms=2500 "
                                  "max_reqs=4294967295 virtio_mmio.device=512@0xfeb00e00:12"),
                     0);
    assert_int_equal(log_host_count[LOG_WARN], 0);
    const struct netstack_config *n = netstack_config;
    const struct httpd_config *h = httpd_config;
    assert_false(n->ip_dhcp);
    assert_int_equal(n->ip.addr, 0xc0a86402);
    assert_int_equal(n->ip.len, 24);
    assert_int_equal(n->gw, 0xc0a86401);
    assert_int_equal(n->echo_port, 7);
    assert_int_equal(h->log, HTTPD_LOG_ALL);
    assert_int_equal(core_config->idle, CORE_CONFIG_IDLE_POLL);
    assert_int_equal(core_config->halt_poll_us, 1000);
    assert_int_equal(core_config->test, CORE_CONFIG_TEST_WX);
    assert_int_equal(h->http_port, 8080);
    assert_int_equal(h->https_port, 8443);
    assert_int_equal(h->max_conns, 65535);
    assert_int_equal(h->keepalive_ms, 0);
    assert_int_equal(h->header_timeout_ms, 600000);
    assert_int_equal(h->send_stall_ms, 2500);
    assert_int_equal(h->max_reqs, UINT32_MAX);
    assert_int_equal(virtio_config->virtio_mmio_count, 1);
    assert_int_equal(virtio_config->virtio_mmio[0].base, 0xfeb00e00);
    assert_int_equal(virtio_config->virtio_mmio[0].size, 512);
    assert_int_equal(virtio_config->virtio_mmio[0].irq, 12);

    /* A new parse starts every module from its defaults. */
    assert_int_equal(config_parse("http_port=81"), 0);
    assert_int_equal(httpd_config->http_port, 81);
    assert_int_equal(netstack_config->echo_port, 0);
    assert_int_equal(virtio_config->virtio_mmio_count, 0);
    assert_int_equal(core_config->idle, CORE_CONFIG_IDLE_HALT);
}

struct config_case {
    const char *line;
    const char *log; /* the error logged */
};

/* Each key with a value just outside what it accepts: one error, the default stays. */
static const struct config_case config_rejects[] = {
    {"ip=10.0.2.15", "cmdline: ip=10.0.2.15: expected a.b.c.d/N or dhcp"},
    {"ip=10.0.2.15/33", "cmdline: ip=10.0.2.15/33: expected a.b.c.d/N or dhcp"},
    {"ip=DHCP", "cmdline: ip=DHCP: expected a.b.c.d/N or dhcp"},
    {"gw=10.0.2", "cmdline: gw=10.0.2: expected a.b.c.d"},
    {"gw=dhcp", "cmdline: gw=dhcp: expected a.b.c.d"},
    {"echo=65536", "cmdline: echo=65536: expected a number in 0..65535"},
    {"http_port=65536", "cmdline: http_port=65536: expected a number in 0..65535"},
    {"https_port=-1", "cmdline: https_port=-1: expected a number in 0..65535"},
    {"max_conns=0", "cmdline: max_conns=0: expected a number in 1..65535"},
    {"keepalive_ms=3600001", "cmdline: keepalive_ms=3600001: expected a number in 0..3600000"},
    {"header_timeout_ms=0", "cmdline: header_timeout_ms=0: expected a number in 1..600000"},
    {"send_stall_ms=600001", "cmdline: send_stall_ms=600001: expected a number in 1..600000"},
    {"max_reqs=4294967296", "cmdline: max_reqs=4294967296: expected a number in 1..4294967295"},
    {"halt_poll_us=1001", "cmdline: halt_poll_us=1001: expected a number in 0..1000"},
    {"log=verbose", "cmdline: log=verbose: expected one of off|errors|all"},
    {"idle=mwait", "cmdline: idle=mwait: expected one of halt|poll"},
    {"test=boom", "cmdline: test=boom: expected one of none|panic|wx|null|stack"},
    {"virtio_mmio.device=512@0xfeb00e00",
     "cmdline: virtio_mmio.device=512@0xfeb00e00: expected <size>[K|M]@0x<base>:<irq>[:<id>]"},
    {"virtio_mmio.device", "cmdline: virtio_mmio.device: needs a value"},
    {"echo", "cmdline: echo: needs a value"},
};

static void test_config_rejects(void **state)
{
    for (size_t i = 0; i < sizeof(config_rejects) / sizeof(config_rejects[0]); i++) {
        const struct config_case *c = &config_rejects[i];

        CHECK(c->line, config_parse(c->line) == 1);
        CHECK(c->line, log_host_count[LOG_ERROR] == 1);
        CHECK(c->line, strcmp(log_host_last, c->log) == 0);
        assert_defaults();
    }
}

static void test_config_enums(void **state)
{
    static const struct {
        const char *line;
        size_t offset;
        int value;
    } cases[] = {
        {"idle=halt", offsetof(struct core_config, idle), CORE_CONFIG_IDLE_HALT},
        {"idle=poll", offsetof(struct core_config, idle), CORE_CONFIG_IDLE_POLL},
        {"test=none", offsetof(struct core_config, test), CORE_CONFIG_TEST_NONE},
        {"test=panic", offsetof(struct core_config, test), CORE_CONFIG_TEST_PANIC},
        {"test=wx", offsetof(struct core_config, test), CORE_CONFIG_TEST_WX},
        {"test=null", offsetof(struct core_config, test), CORE_CONFIG_TEST_NULL},
        {"test=stack", offsetof(struct core_config, test), CORE_CONFIG_TEST_STACK},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got;

        assert_int_equal(config_parse(cases[i].line), 0);
        memcpy(&got, (const char *)core_config + cases[i].offset, sizeof(got));
        assert_int_equal(got, cases[i].value);
    }
    static const char *const logs[] = {"log=off", "log=errors", "log=all"};
    static const enum httpd_config_log log_values[] = {HTTPD_LOG_OFF, HTTPD_LOG_ERRORS,
                                                       HTTPD_LOG_ALL};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(config_parse(logs[i]), 0);
        assert_int_equal(httpd_config->log, log_values[i]);
    }
}

static void test_config_ip(void **state)
{
    assert_int_equal(config_parse("ip=dhcp"), 0);
    assert_true(netstack_config->ip_dhcp);
    assert_int_equal(netstack_config->ip.addr, defaults.net.ip.addr);

    assert_int_equal(config_parse("ip=dhcp ip=172.16.0.9/12 gw=172.16.0.1"), 0);
    assert_false(netstack_config->ip_dhcp);
    assert_int_equal(netstack_config->ip.addr, 0xac100009);
    assert_int_equal(netstack_config->ip.len, 12);
    assert_int_equal(netstack_config->gw, 0xac100001);

    assert_int_equal(config_parse("ip=172.16.0.9/12 ip=dhcp"), 0);
    assert_true(netstack_config->ip_dhcp);

    /* A bad value after dhcp leaves dhcp on. */
    assert_int_equal(config_parse("ip=dhcp ip=1.2.3.4/40"), 1);
    assert_true(netstack_config->ip_dhcp);
}

/* The command line QEMU builds for microvm,acpi=off with three devices and an -append. */
static void test_config_qemu_microvm(void **state)
{
    assert_int_equal(config_parse("earlyprintk=ttyS0 console=ttyS0 http_port=8080 "
                                  "virtio_mmio.device=512@0xfeb00e00:12 "
                                  "virtio_mmio.device=512@0xfeb00c00:11 "
                                  "virtio_mmio.device=512@0xfeb00a00:10"),
                     0);
    assert_int_equal(log_host_count[LOG_WARN], 2);
    assert_int_equal(httpd_config->http_port, 8080);
    assert_int_equal(virtio_config->virtio_mmio_count, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(virtio_config->virtio_mmio[i].base, 0xfeb00e00 - 0x200 * i);
        assert_int_equal(virtio_config->virtio_mmio[i].size, 512);
        assert_int_equal(virtio_config->virtio_mmio[i].irq, 12 - i);
        assert_false(virtio_config->virtio_mmio[i].has_id);
    }
}

/* More entries than QEMU's 24 transports: the first 24 are kept, each extra is an error. */
static void test_config_mmio_full(void **state)
{
    char line[CORE_CMDLINE_MAX];
    size_t len = 0;

    for (unsigned i = 0; i < VIRTIO_CONFIG_MAX_MMIO + 2; i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, "virtio_mmio.device=512@0x%x:%u ",
                                0x10000000 + 0x200 * i, i);
    assert_true(len < sizeof(line));
    assert_int_equal(config_parse(line), 2);
    assert_int_equal(virtio_config->virtio_mmio_count, VIRTIO_CONFIG_MAX_MMIO);
    assert_int_equal(virtio_config->virtio_mmio[VIRTIO_CONFIG_MAX_MMIO - 1].irq,
                     VIRTIO_CONFIG_MAX_MMIO - 1);
    assert_string_equal(log_host_last,
                        "cmdline: virtio_mmio.device=512@0x10003200:25: more than 24 entries, "
                        "ignored");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults), /* first: before any core_config_parse() */
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_overlong_tokens),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_virtio_mmio),
        cmocka_unit_test(test_config_all_keys),
        cmocka_unit_test(test_config_rejects),
        cmocka_unit_test(test_config_enums),
        cmocka_unit_test(test_config_ip),
        cmocka_unit_test(test_config_qemu_microvm),
        cmocka_unit_test(test_config_mmio_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
