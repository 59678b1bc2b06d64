/*
 * The virtio-mmio transport, version 2 (virtio 1.2 §4.2.2): a register window per device,
 * announced on the kernel command line by `virtio_mmio.device=<size>@<base>:<irq>` entries
 * (QEMU's microvm with acpi=off adds one per transport; core/config.h keeps them).  One wired
 * interrupt line per device, shared by all its queues, routed through the IOAPIC
 * (level-triggered, active high: QEMU holds the line up while InterruptStatus is not 0) to one
 * core by the transport op queue_irq_route.  Legacy devices (version 1) are
 * refused: QEMU needs `-global virtio-mmio.force-legacy=false` to offer version 2.
 *
 * The command-line entries are not trusted: an entry whose window is misaligned, too small for
 * the registers and the configuration space, or not below 4 GiB, or whose interrupt is not a
 * plausible GSI, is skipped with a log line; so is a window without the magic value.
 *
 * Context: probe and routing at boot on core 0, before the other cores start; the device's
 * queues are then driven by their owning cores through struct virtio_transport_ops.  Drivers
 * reach it through virtio_dev_find().
 */
#ifndef VIRTIO_MMIO_H
#define VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtio.h"

struct virtio_mmio {
    struct virtio_dev vdev; /* what drivers see; first, so container_of is a cast */
    uintptr_t base;         /* register window (identity-mapped, uncached) */
    uint32_t config_len;    /* bytes of device configuration space at base + 0x100 */
    uint32_t gsi;           /* the interrupt line, as the command line gave it */
    unsigned entry;         /* index of the entry in virtio_config->virtio_mmio[] */
    char name[32];          /* "virtio-mmio@0xfeb00e00": vdev.where, and vdev.name until a
                               driver sets its own */
    bool irq_routed;        /* the line is aimed (queue_irq_route): at irq_apic_id */
    uint32_t irq_apic_id;   /* LAPIC id of the core the line wakes */
    int irq_vector;         /* CPU vector of the line, when routed */
};

/*
 * Find the `n`-th (from 0, in command-line order) version-2 virtio-mmio device of type
 * `device_id` (VIRTIO_ID_*) and fill `m`.  Empty transports (DeviceID 0) are skipped silently;
 * bad entries and legacy devices of the wanted type get a log line.  Does not touch the
 * device's status.  Boot, core 0.  Returns 0 or -ENODEV (no such device).
 */
int virtio_mmio_probe(struct virtio_mmio *m, uint32_t device_id, unsigned n);

#ifdef TORIL_HOST_TEST
/* Host tests: register accesses go to these (virtio/tests/test_mmio.c models a device). */
uint32_t virtio_mmio_host_read(uintptr_t addr, unsigned width);
void virtio_mmio_host_write(uintptr_t addr, unsigned width, uint32_t value);
#endif

#endif
