/*
 * ACPI table parsing: RSDP → XSDT (or RSDT) → MADT (cores, IOAPICs, interrupt overrides) and
 * MCFG (PCIe ECAM).  Firmware tables are input like any other: every length is checked
 * against the table and the table against the early identity map, and checksums are verified.
 * FADT (power button and S5: see struct platform_acpi_pm).
 * Layouts: ACPI 6.4, sections 5.2.5 (RSDP), 5.2.7-8 (RSDT/XSDT), 5.2.9 (FADT), 5.2.12 (MADT); PCI
 * Firmware spec 3.2, 4.1.2 (MCFG).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "boot/info.h"
#include "core/log.h"
#include "core/platform.h"
#include "core/x86.h"

#define MAPPED_LIMIT (4ull << 30) /* ACPI tables sit below 4 GiB on every QEMU machine */

struct acpi_header {
    char signature[4];
    uint32_t length; /* whole table, header included */
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* first 20 bytes */
    char oem_id[6];
    uint8_t revision; /* 0: ACPI 1.0 (RSDT only); 2: has XSDT */
    uint32_t rsdt;
    uint32_t length; /* revision 2: whole structure */
    uint64_t xsdt;
    uint8_t ext_checksum;
    uint8_t reserved[3];
} __attribute__((packed));

static bool mapped(uint64_t phys, uint64_t len)
{
    return phys != 0 && phys < MAPPED_LIMIT && len <= MAPPED_LIMIT - phys;
}

static bool checksum_ok(const void *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

/* A table at `phys` with a valid header, length and checksum, or NULL. */
static const struct acpi_header *table_at(uint64_t phys)
{
    if (!mapped(phys, sizeof(struct acpi_header)))
        return NULL;
    const struct acpi_header *h = (const void *)(uintptr_t)phys;
    if (h->length < sizeof(*h) || h->length > (1u << 20) || !mapped(phys, h->length))
        return NULL;
    if (!checksum_ok(h, h->length)) {
        log_warn("acpi: table %.4s at %#llx has a bad checksum, ignored", h->signature,
                 (unsigned long long)phys);
        return NULL;
    }
    return h;
}

static const struct acpi_rsdp *rsdp_valid(uint64_t phys)
{
    if (!mapped(phys, sizeof(struct acpi_rsdp)))
        return NULL;
    const struct acpi_rsdp *r = (const void *)(uintptr_t)phys;
    if (memcmp(r->signature, "RSD PTR ", 8) != 0 || !checksum_ok(r, 20))
        return NULL;
    return r;
}

/* Legacy search (ACPI 5.2.5.1): first KiB of the EBDA, then 0xe0000..0xfffff. */
static const struct acpi_rsdp *rsdp_search(void)
{
    uint64_t ebda = boot_info.ebda;
    if (ebda)
        for (uint64_t a = ebda; a < ebda + 1024; a += 16)
            if (rsdp_valid(a))
                return rsdp_valid(a);
    for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
        if (rsdp_valid(a))
            return rsdp_valid(a);
    return NULL;
}

static void parse_madt(const struct acpi_header *h, struct platform *p)
{
    const uint8_t *t = (const uint8_t *)h;
    if (h->length < sizeof(*h) + 8)
        return;
    uint32_t lapic;
    memcpy(&lapic, t + sizeof(*h), 4);
    p->lapic_base = lapic;
    for (uint32_t off = sizeof(*h) + 8; off + 2 <= h->length;) {
        uint8_t type = t[off], len = t[off + 1];
        if (len < 2 || off + len > h->length) {
            log_warn("acpi: MADT entry at offset %u has bad length %u, rest ignored", off, len);
            break;
        }
        const uint8_t *e = t + off;
        uint32_t flags, v32;
        switch (type) {
        case 0: /* processor local APIC: acpi id, apic id, flags (bit 0 enabled, 1 online-capable)
                 */
            if (len >= 8) {
                memcpy(&flags, e + 4, 4);
                if (flags & 3)
                    core_platform_add_cpu(p, e[3]);
            }
            break;
        case 1: /* IOAPIC: id, reserved, address, GSI base */
            if (len >= 12 && p->nioapics < PLATFORM_MAX_IOAPICS) {
                struct platform_ioapic *io = &p->ioapics[p->nioapics++];
                io->id = e[2];
                memcpy(&v32, e + 4, 4);
                io->base = v32;
                memcpy(&io->gsi_base, e + 8, 4);
            }
            break;
        case 2: /* interrupt source override: bus, source IRQ, GSI, flags */
            if (len >= 10 && p->nisos < PLATFORM_MAX_ISOS) {
                struct platform_iso *iso = &p->isos[p->nisos++];
                iso->irq = e[3];
                memcpy(&iso->gsi, e + 4, 4);
                memcpy(&iso->flags, e + 8, 2);
            }
            break;
        case 5: /* LAPIC address override (64-bit) */
            if (len >= 12)
                memcpy(&p->lapic_base, e + 4, 8);
            break;
        case 9: /* processor local x2APIC: reserved, x2apic id, flags, uid */
            if (len >= 16) {
                memcpy(&v32, e + 4, 4);
                memcpy(&flags, e + 8, 4);
                if (flags & 3)
                    core_platform_add_cpu(p, v32);
            }
            break;
        default:
            break;
        }
        off += len;
    }
}

static void parse_mcfg(const struct acpi_header *h, struct platform *p)
{
    const uint8_t *t = (const uint8_t *)h;
    /* Header, 8 reserved bytes, then 16-byte allocation entries. */
    for (uint32_t off = sizeof(*h) + 8; off + 16 <= h->length; off += 16) {
        if (p->necam == PLATFORM_MAX_ECAM)
            break;
        struct platform_ecam *ec = &p->ecam[p->necam];
        memcpy(&ec->base, t + off, 8);
        memcpy(&ec->segment, t + off + 8, 2);
        ec->bus_start = t[off + 10];
        ec->bus_end = t[off + 11];
        if (ec->bus_end >= ec->bus_start && ec->base)
            p->necam++;
    }
}

/* ---- power management: FADT (ACPI 6.4, 5.2.9) and what the DSDT's AML says about S5 and the
 * GED.  The DSDT is not interpreted: two byte patterns QEMU's AML generator emits are looked
 * up, each bounded by the table, and anything that does not match leaves the feature off. */

#define FADT_SCI_INT      46
#define FADT_SMI_CMD      48
#define FADT_ACPI_ENABLE  52
#define FADT_PM1A_EVT     56
#define FADT_PM1A_CNT     64
#define FADT_PM1_EVT_LEN  88
#define FADT_FLAGS        112
#define FADT_X_DSDT       140
#define FADT_SLEEP_CTL    244 /* a Generic Address Structure: space, width, offset, size, addr */
#define FADT_DSDT         40
#define FADT_HW_REDUCED   (1u << 20)
#define GAS_SYSTEM_MEMORY 0
#define GED_SCAN_BYTES    512 /* the GED's _CRS and OperationRegion follow its _HID closely */

static uint32_t rd32(const uint8_t *t, uint32_t off)
{
    uint32_t v;
    memcpy(&v, t + off, 4);
    return v;
}

/* Offset of `pat` in t[from, end), or 0 (never at offset 0: the header is there). */
static uint32_t find(const uint8_t *t, uint32_t from, uint32_t end, const void *pat, uint32_t n)
{
    for (uint32_t i = from; i + n <= end; i++)
        if (memcmp(t + i, pat, n) == 0)
            return i;
    return 0;
}

/* An AML integer (ZeroOp, OneOp, BytePrefix, WordPrefix, DWordPrefix, QWordPrefix) at t[off]:
 * its value in *v and its size in bytes, or 0 when it is none of them or runs past end. */
static uint32_t aml_int(const uint8_t *t, uint32_t off, uint32_t end, uint64_t *v)
{
    static const uint8_t sizes[] = {[0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8};
    if (off >= end)
        return 0;
    uint8_t op = t[off];
    if (op == 0x00 || op == 0x01) {
        *v = op;
        return 1;
    }
    if (op >= sizeof(sizes) || !sizes[op] || off + 1 + sizes[op] > end)
        return 0;
    *v = 0;
    memcpy(v, t + off + 1, sizes[op]);
    return 1 + sizes[op];
}

/* Name(_S5, Package(){SLP_TYPa, ...}): NameSeg, PackageOp, PkgLength, NumElements, element. */
static void parse_s5(const uint8_t *t, uint32_t len, struct platform_acpi_pm *pm)
{
    uint32_t at = find(t, sizeof(struct acpi_header), len, "_S5_\x12", 5);
    if (!at || at + 6 >= len)
        return;
    uint32_t off = at + 5;
    off += 1 + (t[off] >> 6); /* PkgLength: lead byte, bits 7-6 count the bytes that follow */
    off += 1;                 /* NumElements */
    uint64_t v;
    if (off < len && aml_int(t, off, len, &v) && v <= 7) {
        pm->s5_typ = (uint8_t)v;
        pm->s5_valid = true;
    }
}

/* Device with _HID "ACPI0013": its first Extended Interrupt descriptor (0x89) and its first
 * SystemMemory OperationRegion (the event selector, ESEL). */
static void parse_ged(const uint8_t *t, uint32_t len, struct platform_acpi_pm *pm)
{
    uint32_t at = find(t, sizeof(struct acpi_header), len, "\x0d" "ACPI0013", 10);
    if (!at)
        return;
    uint32_t end = len - at > GED_SCAN_BYTES ? at + GED_SCAN_BYTES : len;
    /* Extended Interrupt: 0x89, length (2), flags, count (>= 1), then 32-bit interrupts. */
    uint32_t irq_at = 0;
    for (uint32_t i = at; i + 9 <= end; i++)
        if (t[i] == 0x89 && t[i + 1] >= 6 && t[i + 2] == 0 && t[i + 4] >= 1) {
            irq_at = i;
            break;
        }
    /* OperationRegion: ExtOpPrefix 0x5b, 0x80, NameSeg (4), RegionSpace, offset, length. */
    uint32_t reg_at = 0;
    for (uint32_t i = at; i + 8 <= end; i++)
        if (t[i] == 0x5b && t[i + 1] == 0x80 && t[i + 6] == GAS_SYSTEM_MEMORY) {
            reg_at = i;
            break;
        }
    uint64_t base;
    if (!irq_at || !reg_at || !aml_int(t, reg_at + 7, end, &base) || !base ||
        base >= MAPPED_LIMIT)
        return;
    pm->ged_gsi = rd32(t, irq_at + 5);
    pm->ged_esel = base;
    pm->ged_valid = true;
}

static void parse_fadt(const struct acpi_header *h, struct platform_acpi_pm *pm)
{
    const uint8_t *t = (const uint8_t *)h;
    if (h->length < FADT_FLAGS + 4)
        return;
    pm->hw_reduced = rd32(t, FADT_FLAGS) & FADT_HW_REDUCED;
    if (!pm->hw_reduced) {
        memcpy(&pm->sci_irq, t + FADT_SCI_INT, 2);
        pm->smi_cmd = rd32(t, FADT_SMI_CMD);
        pm->acpi_enable = t[FADT_ACPI_ENABLE];
        uint32_t evt = rd32(t, FADT_PM1A_EVT), cnt = rd32(t, FADT_PM1A_CNT);
        if (evt <= 0xfffc && cnt <= 0xfffe && t[FADT_PM1_EVT_LEN] >= 4) {
            pm->pm1a_evt = (uint16_t)evt;
            pm->pm1a_cnt = (uint16_t)cnt;
            pm->pm1_evt_len = t[FADT_PM1_EVT_LEN];
        }
    } else if (h->length >= FADT_SLEEP_CTL + 12 && t[FADT_SLEEP_CTL] == GAS_SYSTEM_MEMORY) {
        uint64_t addr;
        memcpy(&addr, t + FADT_SLEEP_CTL + 4, 8);
        if (addr < MAPPED_LIMIT)
            pm->sleep_ctl = addr;
    }
    uint64_t dsdt = 0;
    if (h->length >= FADT_X_DSDT + 8)
        memcpy(&dsdt, t + FADT_X_DSDT, 8);
    if (!dsdt)
        dsdt = rd32(t, FADT_DSDT);
    const struct acpi_header *d = table_at(dsdt);
    if (!d || memcmp(d->signature, "DSDT", 4) != 0)
        return;
    parse_s5((const uint8_t *)d, d->length, pm);
    parse_ged((const uint8_t *)d, d->length, pm);
}

int core_acpi_parse(uint64_t rsdp_phys, struct platform *p)
{
    const struct acpi_rsdp *r = rsdp_phys ? rsdp_valid(rsdp_phys) : NULL;
    if (!r)
        r = rsdp_search();
    if (!r)
        return -ENODEV;

    /* XSDT (64-bit entries) when the RSDP is revision 2 and has one, else RSDT. */
    const struct acpi_header *root = NULL;
    unsigned entry_size = 4;
    if (r->revision >= 2 && checksum_ok(r, sizeof(*r)) && r->xsdt) {
        root = table_at(r->xsdt);
        entry_size = 8;
    }
    if (!root) {
        root = table_at(r->rsdt);
        entry_size = 4;
    }
    if (!root)
        return -ENODEV;

    const uint8_t *entries = (const uint8_t *)root + sizeof(*root);
    unsigned n = (root->length - sizeof(*root)) / entry_size;
    for (unsigned i = 0; i < n; i++) {
        uint64_t addr = 0;
        memcpy(&addr, entries + i * entry_size, entry_size);
        const struct acpi_header *h = table_at(addr);
        if (!h)
            continue;
        if (memcmp(h->signature, "APIC", 4) == 0)
            parse_madt(h, p);
        else if (memcmp(h->signature, "MCFG", 4) == 0)
            parse_mcfg(h, p);
        else if (memcmp(h->signature, "FACP", 4) == 0)
            parse_fadt(h, &p->pm);
    }
    p->source = "ACPI";
    return p->ncpus ? 0 : -ENODEV;
}
