/*
 * Toril's configuration: the kernel command line parsed into a struct core_config.
 *
 * Core 0 calls core_config_parse() once at boot, before the other cores start; afterwards the
 * configuration is read-only and every core reads it through core_config without locks.  The
 * keys, their syntax, ranges and defaults are listed (and documented) in core/config.c, which
 * is the configuration reference; the parsing rules are in core/cmdline.h.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cmdline.h"

/* virtio_mmio.device= entries kept: QEMU's microvm has 24 virtio-mmio transports. */
#define CORE_CONFIG_MAX_VIRTIO_MMIO 24

/* log=: which HTTP requests get a line on the console. */
enum core_config_log {
    CORE_CONFIG_LOG_OFF,    /* none */
    CORE_CONFIG_LOG_ERRORS, /* requests answered with an error status (4xx, 5xx) */
    CORE_CONFIG_LOG_ALL,    /* every request (costly: one console line each) */
};

/* idle=: what a core does when it has no work. */
enum core_config_idle {
    CORE_CONFIG_IDLE_HALT, /* poll for halt_poll_us, then hlt until an interrupt */
    CORE_CONFIG_IDLE_POLL, /* never halt: spin on the rings (lowest latency, a busy host CPU) */
};

/* test=: a fault to inject once boot is done, so whole-system tests can check it fails safely.
 * Never set in production. */
enum core_config_test {
    CORE_CONFIG_TEST_NONE,  /* no fault */
    CORE_CONFIG_TEST_PANIC, /* call panic(): message, backtrace, failure exit */
    CORE_CONFIG_TEST_WX,    /* write to kernel text: must fault (W^X) */
    CORE_CONFIG_TEST_NULL,  /* read address 0: must fault (page 0 is unmapped) */
    CORE_CONFIG_TEST_STACK, /* recurse past the kernel stack: must fault on the guard page */
};

struct core_config {
    /* Network (shared by every core: one MAC, one IP). */
    bool ip_dhcp;               /* ip=dhcp: get address and gateway by DHCP; `ip` and `gw`
                                   are then unused */
    struct core_ipv4_prefix ip; /* ip=a.b.c.d/N: static address and prefix length */
    uint32_t gw;                /* gw=a.b.c.d: default gateway, host byte order; 0.0.0.0 = none */
    uint16_t echo_port;         /* echo=: TCP echo service (RFC 862) port, 0 = off */

    /* HTTP(S) server, per core. */
    uint16_t http_port;         /* http_port=: TCP port of plain HTTP, 0 = off */
    uint16_t https_port;        /* https_port=: TCP port of HTTPS, 0 = off (HTTPS also needs
                                   keys on the config disk) */
    uint32_t max_conns;         /* max_conns=: open connections per core; more are refused */
    uint32_t keepalive_ms;      /* keepalive_ms=: idle time after a response before an idle
                                   keep-alive connection is closed; 0 = close after each
                                   response */
    uint32_t header_timeout_ms; /* header_timeout_ms=: time from the first byte of a request to
                                   the end of its headers before the connection is closed */
    uint32_t max_reqs;          /* max_reqs=: requests served on one connection, then close */
    enum core_config_log log;   /* log=: which requests are logged */

    /* Cores. */
    enum core_config_idle idle; /* idle=: halt or poll when there is no work */
    uint32_t halt_poll_us;      /* halt_poll_us=: with idle=halt, microseconds a core keeps
                                   polling after its last work before it halts */

    /* Devices. */
    unsigned virtio_mmio_count; /* entries used in virtio_mmio[] */
    /* virtio_mmio.device= entries, in command line order (duplicates are kept). */
    struct core_virtio_mmio virtio_mmio[CORE_CONFIG_MAX_VIRTIO_MMIO];

    enum core_config_test test; /* test=: fault injection for system tests */
};

/* The defaults: what a command line without any known key gives. */
extern const struct core_config core_config_defaults;

/*
 * The configuration in force: &core_config_defaults until core_config_parse() succeeds, then
 * the parsed copy.  Written only by core_config_parse() (boot, core 0, before the other cores
 * start: their startup orders the write before their reads); read-only afterwards.
 */
extern const struct core_config *core_config;

/*
 * Parse the kernel command line (NUL-terminated, NULL for none) over the defaults and point
 * core_config at the result.  Every problem is logged (see core/cmdline.h); keys in error keep
 * their defaults.  Boot, core 0, before the other cores start; does not block.  May be called
 * again (host tests): each call starts from the defaults.
 *
 * Returns the number of errors; unknown keys are warnings and do not count.
 */
int core_config_parse(const char *cmdline);

#endif
