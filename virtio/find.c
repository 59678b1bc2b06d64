/*
 * Finding a device on whichever transport has it, so drivers (net.c, blk.c) deal only with
 * struct virtio_dev and never with a transport.  PCI first: it has MSI-X (one interrupt per
 * queue) and is the common case (q35, microvm,pcie=on); virtio-mmio otherwise (microvm).
 * Boot, core 0: the transport state handed out here is then frozen and read by every core.
 */
#include <errno.h>
#include <stddef.h>

#include "core/log.h"
#include "virtio/limits.h"
#include "virtio/mmio.h"
#include "virtio/pci_modern.h"
#include "virtio/virtio.h"

/* Transport state of the devices handed out, never reused (a driver keeps its device). */
static struct virtio_pci pci_devs[VIRTIO_FIND_MAX_DEVICES];
static struct virtio_mmio mmio_devs[VIRTIO_FIND_MAX_DEVICES];
static unsigned pci_used, mmio_used;

/* Counts `n` down over the usable PCI devices of the type; the one where it reaches 0, or NULL
 * with `*n` reduced by the number of usable devices seen. */
static struct virtio_dev *find_pci(uint32_t device_id, unsigned *n)
{
    static struct virtio_pci scratch; /* probe target for the devices we pass over */

    for (unsigned k = 0;; k++) {
        struct virtio_pci *vp =
            *n == 0 && pci_used < VIRTIO_FIND_MAX_DEVICES ? &pci_devs[pci_used] : &scratch;
        int err = virtio_pci_modern_probe(vp, device_id, k);
        if (err == -ENODEV)
            return NULL;
        if (err < 0)
            continue; /* found but unusable (logged by the probe): not counted */
        if (*n > 0) {
            (*n)--;
            continue;
        }
        if (vp == &scratch) {
            log_error("virtio: %s: more than %u PCI devices wanted: not used", scratch.where,
                      VIRTIO_FIND_MAX_DEVICES);
            return NULL;
        }
        pci_used++;
        return &vp->vdev;
    }
}

static struct virtio_dev *find_mmio(uint32_t device_id, unsigned n)
{
    struct virtio_mmio *m;
    static struct virtio_mmio scratch;

    m = mmio_used < VIRTIO_FIND_MAX_DEVICES ? &mmio_devs[mmio_used] : &scratch;
    if (virtio_mmio_probe(m, device_id, n) < 0)
        return NULL;
    if (m == &scratch) {
        log_error("virtio: %s: more than %u virtio-mmio devices wanted: not used", scratch.name,
                  VIRTIO_FIND_MAX_DEVICES);
        return NULL;
    }
    mmio_used++;
    return &m->vdev;
}

struct virtio_dev *virtio_dev_find(uint32_t device_id, unsigned n)
{
    struct virtio_dev *dev = find_pci(device_id, &n);
    return dev ? dev : find_mmio(device_id, n);
}
