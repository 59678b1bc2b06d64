/*
 * netstack's command-line keys (documented in netstack/config.c): the guest's address, shared
 * by every core's stack (one MAC, one IP), and the diagnostic echo service.  Parsed at boot by
 * core_config_parse() on core 0; read-only afterwards, any core.
 */
#ifndef NETSTACK_CONFIG_H
#define NETSTACK_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cmdline.h"

struct netstack_config {
    bool ip_dhcp;               /* ip=dhcp: address and gateway by DHCP (ip, gw unused) */
    struct core_ipv4_prefix ip; /* ip=a.b.c.d/N: static address and prefix length */
    uint32_t gw;                /* gw=a.b.c.d: default gateway, host byte order; 0 = none */
    uint16_t echo_port;         /* echo=: TCP echo service (RFC 862) port, 0 = off */
};

extern const struct netstack_config *const netstack_config;

#endif
