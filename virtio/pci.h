/*
 * PCI(e) bus access for the virtio PCI transport: configuration space through ECAM (ACPI MCFG:
 * q35, microvm,pcie=on) or the 0xcf8/0xcfc ports (q35 without MCFG), enumeration of bus 0..N,
 * BAR decoding (and assignment where firmware left BARs empty), capability walking and MSI-X
 * table programming.  Boot, core 0, unless a function says otherwise.
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_DEVICES 32 /* functions remembered from enumeration */

struct pci_dev {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint8_t class, subclass;
    uint64_t bar[6];      /* physical base of each memory BAR (0: none or I/O) */
    uint64_t bar_size[6]; /* its size in bytes */
};

/* Scan the buses the platform describes.  Returns the number of functions found (>= 0). */
int virtio_pci_scan(void);

/* The n-th function found with this vendor (and device id range [lo, hi]), or NULL. */
struct pci_dev *virtio_pci_find(uint16_t vendor, uint16_t dev_lo, uint16_t dev_hi, unsigned n);

uint32_t virtio_pci_read32(const struct pci_dev *d, unsigned off);
uint16_t virtio_pci_read16(const struct pci_dev *d, unsigned off);
uint8_t virtio_pci_read8(const struct pci_dev *d, unsigned off);
void virtio_pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void virtio_pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/* Offset of the first capability with id `cap` after offset `after` (0: from the start), or 0.
 * The walk is bounded (a looping list ends it). */
unsigned virtio_pci_find_cap(const struct pci_dev *d, uint8_t cap, unsigned after);

/* Enable memory decoding and bus mastering. */
void virtio_pci_enable(const struct pci_dev *d);

/*
 * MSI-X: enable with every vector masked off function-wide until the table is written;
 * virtio_pci_msix_set(entry) points table entry `entry` at (addr, data) and unmasks it.
 * Returns the table size, or a negative errno when the function has no usable MSI-X.
 */
int virtio_pci_msix_enable(struct pci_dev *d);
int virtio_pci_msix_set(struct pci_dev *d, unsigned entry, uint64_t addr, uint32_t data);

#endif
