/*
 * The virtio 1.x PCI transport (virtio spec §4.1, "modern" interface): vendor capabilities
 * locate the common, notify, ISR and device configuration structures in the function's BARs;
 * one MSI-X vector per queue.
 */
#ifndef VIRTIO_PCI_MODERN_H
#define VIRTIO_PCI_MODERN_H

#include <stdint.h>

#include "virtio/pci.h"
#include "virtio/virtio.h"

struct virtio_pci {
    struct virtio_dev vdev; /* what drivers see; first, so container_of is a cast */
    struct pci_dev *pci;
    uintptr_t common;        /* common configuration structure (§4.1.4.3) */
    uintptr_t notify;        /* notification area base (§4.1.4.4) */
    uint32_t notify_mult;    /* notify_off_multiplier */
    uint32_t notify_len;     /* bytes of the notification area */
    uintptr_t isr;           /* ISR status byte (§4.1.4.5) */
    uintptr_t device;        /* device-specific configuration (§4.1.4.6) */
    uint32_t device_len;     /* its length */
    uint16_t notify_off[64]; /* per queue: queue_notify_off read at setup */
    int msix_entries;        /* MSI-X table size, or negative when MSI-X is unusable */
};

/*
 * Find virtio device `device_id` (VIRTIO_ID_*) on PCI, the `n`-th of its kind, and fill `vp`.
 * Boot, core 0, after virtio_pci_scan().  Returns 0, -ENODEV (none), or -EINVAL (a capability
 * points outside its BAR: the device is not used).
 */
int virtio_pci_modern_probe(struct virtio_pci *vp, uint32_t device_id, unsigned n);

/*
 * Point MSI-X table entry `entry` at `vector` on the core with LAPIC id `apic_id`.  The queue
 * is then told the entry number through queue_setup.  Boot.  Returns 0 or a negative errno.
 */
int virtio_pci_modern_route(struct virtio_pci *vp, unsigned entry, int vector, uint32_t apic_id);

#endif
