/*
 * virtio's command-line keys (the syntax of each type and the handling of bad values:
 * core/cmdline.h).
 */
#include "core/config.h"
#include "virtio/config.h"

static const struct virtio_config defaults = {.virtio_mmio_count = 0};

static const struct core_cmdline_opt options[] = {
    /*
     * virtio_mmio.device=<size>[K|M]@0x<base>:<irq>[:<id>]   repeated, at most 24
     *   A virtio-mmio transport.  QEMU's microvm with acpi=off appends one per device, e.g.
     *   virtio_mmio.device=512@0xfeb00e00:12; with ACPI the devices are found in the DSDT.
     */
    {.name = "virtio_mmio.device",
     .type = CORE_CMDLINE_LIST,
     .elem = CORE_CMDLINE_VIRTIO_MMIO,
     CORE_CMDLINE_LIST_FIELD(struct virtio_config, virtio_mmio, virtio_mmio_count)},
};

static struct virtio_config parsed = defaults;
const struct virtio_config *const virtio_config = &parsed;

CORE_CONFIG_MODULE(virtio, options, parsed, defaults);
