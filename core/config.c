/*
 * Configuration reference: every key Toril reads from the kernel command line.
 *
 * Pass keys with QEMU's -append, space-separated, e.g.
 *   -append "ip=192.168.100.2/24 gw=192.168.100.1 http_port=8080 log=all"
 * Syntax of each type and the handling of bad input: core/cmdline.h.  A key with a bad value
 * is logged as an error and keeps its default (or an earlier valid value of the same key); an
 * unknown key is logged as a warning and ignored; when a key is repeated the last one wins.
 */
#include <stddef.h>

#include "core/config.h"

#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

const struct core_config core_config_defaults = {
    /* QEMU user networking (-netdev user): the guest is 10.0.2.15/24 behind 10.0.2.2. */
    .ip_dhcp = false,
    .ip = {.addr = IPV4(10, 0, 2, 15), .len = 24},
    .gw = IPV4(10, 0, 2, 2),
    .echo_port = 0,
    .http_port = 80,
    .https_port = 443,
    .max_conns = 1024,
    .keepalive_ms = 5000,
    .header_timeout_ms = 10000,
    .max_reqs = 1000,
    .log = CORE_CONFIG_LOG_ERRORS,
    .idle = CORE_CONFIG_IDLE_HALT,
    .halt_poll_us = 50,
    .virtio_mmio_count = 0,
    .test = CORE_CONFIG_TEST_NONE,
};

static const char *const log_names[] = {
    [CORE_CONFIG_LOG_OFF] = "off",
    [CORE_CONFIG_LOG_ERRORS] = "errors",
    [CORE_CONFIG_LOG_ALL] = "all",
    NULL,
};

static const char *const idle_names[] = {
    [CORE_CONFIG_IDLE_HALT] = "halt",
    [CORE_CONFIG_IDLE_POLL] = "poll",
    NULL,
};

static const char *const test_names[] = {
    [CORE_CONFIG_TEST_NONE] = "none",   [CORE_CONFIG_TEST_PANIC] = "panic",
    [CORE_CONFIG_TEST_WX] = "wx",       [CORE_CONFIG_TEST_NULL] = "null",
    [CORE_CONFIG_TEST_STACK] = "stack", NULL,
};

#define FIELD(member) CORE_CMDLINE_FIELD(struct core_config, member)

static const struct core_cmdline_opt options[] = {
    /*
     * ip=<a.b.c.d/N> | dhcp          default 10.0.2.15/24
     *   The guest's IPv4 address and prefix length, shared by all cores, or `dhcp` to ask a
     *   DHCP server for address and gateway (gw= is then ignored).
     */
    {.name = "ip",
     .type = CORE_CMDLINE_IPV4_PREFIX,
     FIELD(ip),
     .word = "dhcp",
     .word_flag = offsetof(struct core_config, ip_dhcp)},
    /*
     * gw=<a.b.c.d>                   default 10.0.2.2
     *   Default gateway for a static ip=.  0.0.0.0: none (only the local subnet is reached).
     */
    {.name = "gw", .type = CORE_CMDLINE_IPV4, FIELD(gw)},
    /*
     * echo=<port>                    default 0 (off), 0..65535
     *   Port of a TCP echo service (RFC 862), for network tests.
     */
    {.name = "echo", .type = CORE_CMDLINE_UINT, FIELD(echo_port), .min = 0, .max = 65535},
    /*
     * http_port=<port>               default 80, 0..65535 (0: no plain HTTP)
     */
    {.name = "http_port", .type = CORE_CMDLINE_UINT, FIELD(http_port), .min = 0, .max = 65535},
    /*
     * https_port=<port>              default 443, 0..65535 (0: no HTTPS)
     *   HTTPS is served only when the config disk holds a key and certificate.
     */
    {.name = "https_port", .type = CORE_CMDLINE_UINT, FIELD(https_port), .min = 0, .max = 65535},
    /*
     * max_conns=<n>                  default 1024, 1..65535
     *   Open connections per core; a core refuses new ones beyond it.
     */
    {.name = "max_conns", .type = CORE_CMDLINE_UINT, FIELD(max_conns), .min = 1, .max = 65535},
    /*
     * keepalive_ms=<ms>              default 5000, 0..3600000 (0: close after each response)
     *   How long an idle keep-alive connection waits for its next request.
     */
    {.name = "keepalive_ms",
     .type = CORE_CMDLINE_UINT,
     FIELD(keepalive_ms),
     .min = 0,
     .max = 3600000},
    /*
     * header_timeout_ms=<ms>         default 10000, 1..600000
     *   Time allowed from a request's first byte to the end of its headers (slow clients are
     *   closed: no slowloris).
     */
    {.name = "header_timeout_ms",
     .type = CORE_CMDLINE_UINT,
     FIELD(header_timeout_ms),
     .min = 1,
     .max = 600000},
    /*
     * max_reqs=<n>                   default 1000, 1..4294967295
     *   Requests served on one connection before it is closed (nginx's keepalive_requests).
     */
    {.name = "max_reqs", .type = CORE_CMDLINE_UINT, FIELD(max_reqs), .min = 1, .max = UINT32_MAX},
    /*
     * log=off|errors|all             default errors
     *   Which HTTP requests get a console line: none, those answered 4xx/5xx, or all (slow).
     */
    {.name = "log", .type = CORE_CMDLINE_ENUM, FIELD(log), .names = log_names},
    /*
     * idle=halt|poll                 default halt
     *   halt: an idle core polls for halt_poll_us, then halts until an interrupt, an IPI or
     *   its next timer (the host sees no CPU use).  poll: never halt (lowest latency, one busy
     *   host CPU per core).
     */
    {.name = "idle", .type = CORE_CMDLINE_ENUM, FIELD(idle), .names = idle_names},
    /*
     * halt_poll_us=<us>              default 50, 0..1000
     *   With idle=halt, how long a core keeps polling after its last work before halting.
     */
    {.name = "halt_poll_us", .type = CORE_CMDLINE_UINT, FIELD(halt_poll_us), .min = 0, .max = 1000},
    /*
     * virtio_mmio.device=<size>[K|M]@0x<base>:<irq>[:<id>]   repeated, at most 24
     *   A virtio-mmio transport.  QEMU's microvm with acpi=off appends one per device, e.g.
     *   virtio_mmio.device=512@0xfeb00e00:12; with ACPI the devices are found in the DSDT.
     */
    {.name = "virtio_mmio.device",
     .type = CORE_CMDLINE_LIST,
     .elem = CORE_CMDLINE_VIRTIO_MMIO,
     CORE_CMDLINE_LIST_FIELD(struct core_config, virtio_mmio, virtio_mmio_count)},
    /*
     * test=none|panic|wx|null|stack  default none
     *   Test only: inject a fault once boot is done (see enum core_config_test), so system
     *   tests can check that it is caught and ends the VM with a failure exit code.
     */
    {.name = "test", .type = CORE_CMDLINE_ENUM, FIELD(test), .names = test_names},
};

/* Filled by core_config_parse() on core 0 at boot; read-only once the other cores run. */
static struct core_config parsed;

const struct core_config *core_config = &core_config_defaults;

int core_config_parse(const char *cmdline)
{
    parsed = core_config_defaults;
    int errors =
        core_cmdline_parse(cmdline, options, sizeof(options) / sizeof(options[0]), &parsed);
    core_config = &parsed;
    return errors;
}
