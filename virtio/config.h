/*
 * virtio's command-line keys (documented in virtio/config.c): the virtio-mmio transports the
 * command line announces.  Parsed at boot by core_config_parse() on core 0; read-only
 * afterwards, any core.
 */
#ifndef VIRTIO_CONFIG_H
#define VIRTIO_CONFIG_H

#include "core/cmdline.h"

/* virtio_mmio.device= entries kept: QEMU's microvm has 24 virtio-mmio transports. */
#define VIRTIO_CONFIG_MAX_MMIO 24

struct virtio_config {
    unsigned virtio_mmio_count; /* entries used in virtio_mmio[] */
    /* virtio_mmio.device= entries, in command line order (duplicates are kept). */
    struct core_virtio_mmio virtio_mmio[VIRTIO_CONFIG_MAX_MMIO];
};

extern const struct virtio_config *const virtio_config;

#endif
