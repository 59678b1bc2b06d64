/*
 * The virtio-mmio transport, version 2 (virtio 1.2 §4.2.2): a register window per device,
 * announced on the kernel command line by `virtio_mmio.device=<size>@<base>:<irq>` entries
 * (QEMU's microvm with acpi=off adds one per transport; core/config.h keeps them).  One wired
 * interrupt line per device, routed through the IOAPIC.  Legacy devices (version 1) are
 * refused: QEMU needs `-global virtio-mmio.force-legacy=false` to offer version 2.
 *
 * The command-line entries are not trusted: an entry whose window is misaligned, too small for
 * the registers and the configuration space, or not below 4 GiB, or whose interrupt is not a
 * plausible GSI, is skipped with a log line; so is a window without the magic value.
 *
 * Context: probe and routing at boot on core 0, before the other cores start; the device's
 * queues are then driven by their owning cores through struct virtio_transport_ops.
 */
#ifndef VIRTIO_MMIO_H
#define VIRTIO_MMIO_H

#include <stdint.h>

#include "virtio/virtio.h"

struct virtio_mmio {
    struct virtio_dev vdev; /* what drivers see; first, so container_of is a cast */
    uintptr_t base;         /* register window (identity-mapped, uncached) */
    uint32_t config_len;    /* bytes of device configuration space at base + 0x100 */
    uint32_t gsi;           /* the interrupt line, as the command line gave it */
    unsigned entry;         /* index of the entry in core_config->virtio_mmio[] */
    char name[32];          /* "virtio-mmio@0xfeb00e00": vdev.name until a driver sets its own */
};

/*
 * Find the `n`-th (from 0, in command-line order) version-2 virtio-mmio device of type
 * `device_id` (VIRTIO_ID_*) and fill `m`.  Empty transports (DeviceID 0) are skipped silently;
 * bad entries and legacy devices of the wanted type get a log line.  Does not touch the
 * device's status.  Boot, core 0.  Returns 0 or -ENODEV (no such device).
 */
int virtio_mmio_probe(struct virtio_mmio *m, uint32_t device_id, unsigned n);

/*
 * Route the device's interrupt line to the core with LAPIC id `apic_id`: allocates a vector
 * whose handler acknowledges InterruptStatus (and does nothing else: the interrupt itself
 * wakes the halted core, whose main loop then looks at the rings), and programs the IOAPIC
 * pin (level-triggered, active high: QEMU holds the line up while InterruptStatus is not 0).
 * Boot, core 0; before the device's DRIVER_OK is best.  Returns the vector, or -ENOSPC (no
 * vector) or -ENODEV (no IOAPIC serves the GSI); the device then has to be polled.
 */
int virtio_mmio_route_irq(struct virtio_mmio *m, uint32_t apic_id);

#ifdef TORIL_HOST_TEST
/* Host tests: register accesses go to these (virtio/tests/test_mmio.c models a device). */
uint32_t virtio_mmio_host_read(uintptr_t addr, unsigned width);
void virtio_mmio_host_write(uintptr_t addr, unsigned width, uint32_t value);
#endif

#endif
