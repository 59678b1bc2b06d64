/*
 * PCI configuration access, enumeration, BARs and MSI-X (see pci.h).  PCI Local Bus 3.0 and
 * PCIe 4.0 chapter 7: config header type 0, capabilities list (status bit 4, pointer at 0x34),
 * MSI-X capability (id 0x11).
 */
#include <errno.h>
#include <stddef.h>

#include "boot/paging.h"
#include "core/log.h"
#include "core/platform.h"
#include "core/x86.h"
#include "virtio/pci.h"

#define PCI_COMMAND       0x04
#define PCI_CMD_MEM       (1u << 1)
#define PCI_CMD_MASTER    (1u << 2)
#define PCI_CMD_INTX_OFF  (1u << 10)
#define PCI_STATUS        0x06
#define PCI_STATUS_CAPS   (1u << 4)
#define PCI_HEADER_TYPE   0x0e
#define PCI_BAR0          0x10
#define PCI_CAP_PTR       0x34
#define PCI_CAP_MSIX      0x11
#define MSIX_CTRL_ENABLE  (1u << 15)
#define MSIX_CTRL_MASKALL (1u << 14)

/*
 * QEMU 7.2's microvm,pcie=on has no MCFG table: its ECAM (0xe0000000, 256 buses) and 32-bit
 * MMIO window (0xc0000000..0xdfffffff) are described only in the DSDT, and we have no AML
 * interpreter.  So without an MCFG we look for QEMU's PCIe host bridge (1b36:0008) at that
 * ECAM address (checked with `info mtree`).  qboot does not assign BARs there: we place them
 * in the window ourselves.
 */
#define MICROVM_MMIO32_BASE 0xc0000000ull
#define MICROVM_ECAM_BASE   0xe0000000ull
#define MICROVM_ECAM_BUSES  256
#define QEMU_PCIE_HOST_ID   0x00081b36 /* device 0x0008, vendor 0x1b36 (Red Hat) */

static struct pci_dev devs[PCI_MAX_DEVICES];
static unsigned ndevs;
static uint64_t ecam_base; /* 0: use ports 0xcf8/0xcfc */
static unsigned bus_end;
static uint64_t bar_next = MICROVM_MMIO32_BASE; /* assignment cursor */

static volatile void *ecam(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
    return (volatile void *)(uintptr_t)(ecam_base + ((uint64_t)bus << 20) + ((uint64_t)dev << 15) +
                                        ((uint64_t)fn << 12) + (off & 0xfff));
}

static uint32_t cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
    if (ecam_base)
        return *(volatile uint32_t *)ecam(bus, dev, fn, off & ~3u);
    outl(0xcf8, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
    return inl(0xcfc);
}

static void cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, uint32_t v)
{
    if (ecam_base) {
        *(volatile uint32_t *)ecam(bus, dev, fn, off & ~3u) = v;
        return;
    }
    outl(0xcf8, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
    outl(0xcfc, v);
}

uint32_t virtio_pci_read32(const struct pci_dev *d, unsigned off)
{
    return cfg_read32(d->bus, d->dev, d->fn, off);
}

uint16_t virtio_pci_read16(const struct pci_dev *d, unsigned off)
{
    return (uint16_t)(cfg_read32(d->bus, d->dev, d->fn, off) >> (8 * (off & 2)));
}

uint8_t virtio_pci_read8(const struct pci_dev *d, unsigned off)
{
    return (uint8_t)(cfg_read32(d->bus, d->dev, d->fn, off) >> (8 * (off & 3)));
}

void virtio_pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
    cfg_write32(d->bus, d->dev, d->fn, off, v);
}

void virtio_pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
    uint32_t old = cfg_read32(d->bus, d->dev, d->fn, off);
    unsigned shift = 8 * (off & 2);
    old = (old & ~(0xffffu << shift)) | ((uint32_t)v << shift);
    cfg_write32(d->bus, d->dev, d->fn, off, old);
}

/* Size and (if needed) place the memory BARs of a function.  64-bit BARs take two slots. */
static void setup_bars(struct pci_dev *d)
{
    for (unsigned i = 0; i < 6; i++) {
        unsigned off = PCI_BAR0 + 4 * i;
        uint32_t lo = virtio_pci_read32(d, off);
        if (lo & 1)
            continue; /* I/O BAR: not used by virtio modern */
        bool is64 = ((lo >> 1) & 3) == 2 && i < 5;
        uint32_t hi = is64 ? virtio_pci_read32(d, off + 4) : 0;
        /* Size: write all ones, read back the mask, restore. */
        virtio_pci_write32(d, off, 0xffffffffu);
        uint32_t mlo = virtio_pci_read32(d, off) & ~0xfu;
        uint32_t mhi = 0xffffffffu;
        if (is64) {
            virtio_pci_write32(d, off + 4, 0xffffffffu);
            mhi = virtio_pci_read32(d, off + 4);
            virtio_pci_write32(d, off + 4, hi);
        }
        virtio_pci_write32(d, off, lo);
        uint64_t mask = ((uint64_t)mhi << 32) | mlo;
        uint64_t size = mask ? (~mask + 1) & (is64 ? ~0ull : 0xffffffffull) : 0;
        uint64_t base = ((uint64_t)hi << 32) | (lo & ~0xfu);
        if (size && base == 0 && ecam_base == MICROVM_ECAM_BASE) {
            uint64_t at = (bar_next + size - 1) & ~(size - 1);
            if (at + size <= MICROVM_ECAM_BASE) {
                base = at;
                bar_next = at + size;
                virtio_pci_write32(d, off, (uint32_t)base | (lo & 0xf));
                if (is64)
                    virtio_pci_write32(d, off + 4, (uint32_t)(base >> 32));
            }
        }
        if (size && base) {
            d->bar[i] = base;
            d->bar_size[i] = size;
            if (base + size > (4ull << 30) && boot_paging_map_mmio(base, size) < 0) {
                log_error("pci: %02x:%02x.%u BAR%u at %#llx cannot be mapped", d->bus, d->dev,
                          d->fn, i, (unsigned long long)base);
                d->bar[i] = 0;
            }
        }
        if (is64)
            i++;
    }
}

int virtio_pci_scan(void)
{
    if (core_platform.necam) {
        ecam_base = core_platform.ecam[0].base + ((uint64_t)core_platform.ecam[0].bus_start << 20);
        bus_end = core_platform.ecam[0].bus_end - core_platform.ecam[0].bus_start;
        if (bus_end > 7)
            bus_end = 7; /* QEMU puts its devices on bus 0; a few buses are plenty */
    } else if (*(volatile uint32_t *)(uintptr_t)MICROVM_ECAM_BASE == QEMU_PCIE_HOST_ID) {
        ecam_base = MICROVM_ECAM_BASE;
        bus_end = 7;
    } else {
        bus_end = 0; /* port I/O configuration access, bus 0 */
    }
    ndevs = 0;
    for (unsigned bus = 0; bus <= bus_end; bus++) {
        for (unsigned dev = 0; dev < 32; dev++) {
            for (unsigned fn = 0; fn < 8; fn++) {
                uint32_t id = cfg_read32(bus, dev, fn, 0);
                if ((id & 0xffff) == 0xffff) {
                    if (fn == 0)
                        break;
                    continue;
                }
                if (ndevs == PCI_MAX_DEVICES) {
                    log_warn("pci: more than %d functions, rest ignored", PCI_MAX_DEVICES);
                    return ndevs;
                }
                struct pci_dev *d = &devs[ndevs++];
                *d = (struct pci_dev){
                    .bus = bus, .dev = dev, .fn = fn, .vendor = id & 0xffff, .device = id >> 16};
                uint32_t class = cfg_read32(bus, dev, fn, 8);
                d->class = class >> 24;
                d->subclass = (class >> 16) & 0xff;
                if (((cfg_read32(bus, dev, fn, 0x0c) >> 16) & 0x7f) == 0)
                    setup_bars(d); /* type 0 header only: bridges are left alone */
                if (fn == 0 && !((cfg_read32(bus, dev, 0, 0x0c) >> 16) & 0x80))
                    break; /* single-function device */
            }
        }
    }
    return ndevs;
}

struct pci_dev *virtio_pci_find(uint16_t vendor, uint16_t lo, uint16_t hi, unsigned n)
{
    for (unsigned i = 0; i < ndevs; i++)
        if (devs[i].vendor == vendor && devs[i].device >= lo && devs[i].device <= hi && n-- == 0)
            return &devs[i];
    return NULL;
}

unsigned virtio_pci_find_cap(const struct pci_dev *d, uint8_t cap, unsigned after)
{
    if (!(virtio_pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
        return 0;
    unsigned off = after ? virtio_pci_read8(d, after + 1) : virtio_pci_read8(d, PCI_CAP_PTR);
    for (int steps = 0; off >= 0x40 && off < 0x100 && steps < 48; steps++) {
        off &= ~3u;
        if (virtio_pci_read8(d, off) == cap)
            return off;
        off = virtio_pci_read8(d, off + 1);
    }
    return 0;
}

void virtio_pci_enable(const struct pci_dev *d)
{
    uint16_t cmd = virtio_pci_read16(d, PCI_COMMAND);
    virtio_pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
}

/* MSI-X table location: BAR (BIR) and offset from the capability. */
static volatile uint32_t *msix_table(struct pci_dev *d, unsigned cap, unsigned *size)
{
    uint16_t ctrl = virtio_pci_read16(d, cap + 2);
    uint32_t table = virtio_pci_read32(d, cap + 4);
    unsigned bir = table & 7, n = (ctrl & 0x7ff) + 1;
    uint64_t off = table & ~7u;
    if (bir > 5 || !d->bar[bir] || off + 16ull * n > d->bar_size[bir])
        return NULL;
    *size = n;
    return (volatile uint32_t *)(uintptr_t)(d->bar[bir] + off);
}

int virtio_pci_msix_enable(struct pci_dev *d)
{
    unsigned cap = virtio_pci_find_cap(d, PCI_CAP_MSIX, 0), n;
    if (!cap || !msix_table(d, cap, &n))
        return -ENODEV;
    volatile uint32_t *t = msix_table(d, cap, &n);
    for (unsigned i = 0; i < n; i++)
        t[4 * i + 3] = 1; /* vector control: masked */
    uint16_t ctrl = virtio_pci_read16(d, cap + 2);
    virtio_pci_write16(d, cap + 2, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
    return (int)n;
}

int virtio_pci_msix_set(struct pci_dev *d, unsigned entry, uint64_t addr, uint32_t data)
{
    unsigned cap = virtio_pci_find_cap(d, PCI_CAP_MSIX, 0), n;
    volatile uint32_t *t = cap ? msix_table(d, cap, &n) : NULL;
    if (!t || entry >= n)
        return -EINVAL;
    t[4 * entry + 0] = (uint32_t)addr;
    t[4 * entry + 1] = (uint32_t)(addr >> 32);
    t[4 * entry + 2] = data;
    t[4 * entry + 3] = 0; /* unmasked */
    return 0;
}
