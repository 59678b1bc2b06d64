/*
 * netstack's command-line keys (the syntax of each type and the handling of bad values:
 * core/cmdline.h).
 */
#include <stddef.h>

#include "core/config.h"
#include "netstack/config.h"

#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* QEMU user networking (-netdev user): the guest is 10.0.2.15/24 behind 10.0.2.2. */
static const struct netstack_config defaults = {
    .ip_dhcp = false,
    .ip = {.addr = IPV4(10, 0, 2, 15), .len = 24},
    .gw = IPV4(10, 0, 2, 2),
    .echo_port = 0,
};

#define FIELD(member) CORE_CMDLINE_FIELD(struct netstack_config, member)

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
     .word_flag = offsetof(struct netstack_config, ip_dhcp)},
    /*
     * gw=<a.b.c.d>                   default 10.0.2.2
     *   Default gateway for a static ip=.  0.0.0.0: none (only the local subnet is reached).
     */
    {.name = "gw", .type = CORE_CMDLINE_IPV4, FIELD(gw)},
    /*
     * echo=<port>                    default 0 (off), 0..65535
     *   Port of a TCP echo service (RFC 862) on every core, for network tests.
     */
    {.name = "echo", .type = CORE_CMDLINE_UINT, FIELD(echo_port), .min = 0, .max = 65535},
};

static struct netstack_config parsed = defaults;
const struct netstack_config *const netstack_config = &parsed;

CORE_CONFIG_MODULE(netstack, options, parsed, defaults);
