/*
 * The virtio 1.x PCI transport (virtio spec §4.1, "modern" interface): vendor capabilities
 * locate the common, notify, ISR and device configuration structures in the function's BARs;
 * one MSI-X table entry per queue that wants an interrupt, handed out in the order queues are
 * routed (a device needs no more entries than queues with interrupts).
 */
#ifndef VIRTIO_PCI_MODERN_H
#define VIRTIO_PCI_MODERN_H

#include <stdint.h>

#include "virtio/limits.h"
#include "virtio/pci.h"
#include "virtio/virtio.h"

struct virtio_pci {
    struct virtio_dev vdev; /* what drivers see; first, so container_of is a cast */
    struct pci_dev *pci;    /* the PCI function */
    uintptr_t common;       /* common configuration structure (§4.1.4.3) */
    uintptr_t notify;       /* notification area base (§4.1.4.4) */
    uint32_t notify_mult;   /* notify_off_multiplier */
    uint32_t notify_len;    /* bytes of the notification area */
    uintptr_t isr;          /* ISR status byte (§4.1.4.5) */
    uintptr_t device;       /* device-specific configuration (§4.1.4.6) */
    uint32_t device_len;    /* its length */
    int msix_entries;       /* MSI-X table size, or negative when MSI-X is unusable */
    unsigned msix_used;     /* table entries handed out by queue_irq_route, from 0 up */
    char where[16];         /* "pci 00:03.0": vdev.where */
    uint16_t notify_off[VIRTIO_PCI_MAX_QUEUES]; /* per queue: queue_notify_off read at setup */
};

/*
 * Find virtio device `device_id` (VIRTIO_ID_*) on PCI, the `n`-th of its kind, and fill `vp`.
 * Boot, core 0, after virtio_pci_scan().  Returns 0, -ENODEV (none), or -EINVAL (a capability
 * points outside its BAR: the device is not used).  Drivers reach it through
 * virtio_dev_find().
 */
int virtio_pci_modern_probe(struct virtio_pci *vp, uint32_t device_id, unsigned n);

#endif
