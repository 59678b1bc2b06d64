/*
 * Intel MultiProcessor Specification 1.4 tables: the fallback when there is no ACPI.
 * Floating pointer "_MP_" (section 4.1) in the EBDA, the last KiB of base memory or the BIOS
 * ROM; configuration table "PCMP" (section 4.2).  microvm's table says it has 0 entries in its
 * header while holding several (QEMU 7.2), so entries are parsed by the table's length.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "boot/info.h"
#include "core/log.h"
#include "core/platform.h"
#include "core/x86.h"

struct mp_floating {
    char signature[4]; /* "_MP_" */
    uint32_t config;   /* physical address of the configuration table */
    uint8_t length;    /* in 16-byte units: 1 */
    uint8_t revision;
    uint8_t checksum;
    uint8_t features[5];
} __attribute__((packed));

struct mp_config {
    char signature[4]; /* "PCMP" */
    uint16_t length;   /* base table length, header included */
    uint8_t revision;
    uint8_t checksum;
    char oem[8];
    char product[12];
    uint32_t oem_table;
    uint16_t oem_size;
    uint16_t entries; /* unreliable on microvm: not used */
    uint32_t lapic;
    uint16_t ext_length;
    uint8_t ext_checksum;
    uint8_t reserved;
} __attribute__((packed));

static bool sum_ok(const void *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += ((const uint8_t *)p)[i];
    return s == 0;
}

static const struct mp_floating *scan(uint64_t base, uint64_t len)
{
    for (uint64_t a = base; a + sizeof(struct mp_floating) <= base + len; a += 16) {
        const struct mp_floating *f = (const void *)(uintptr_t)a;
        if (memcmp(f->signature, "_MP_", 4) == 0 && f->length == 1 && sum_ok(f, 16))
            return f;
    }
    return NULL;
}

int core_mptable_parse(struct platform *p)
{
    uint64_t ebda = boot_info.ebda;
    const struct mp_floating *f = NULL;
    if (ebda)
        f = scan(ebda, 1024);
    if (!f)
        f = scan(0x9fc00, 1024);
    if (!f)
        f = scan(0xf0000, 0x10000);
    if (!f || f->config == 0 || f->config >= 0x100000)
        return -ENODEV;

    const struct mp_config *c = (const void *)(uintptr_t)f->config;
    if (memcmp(c->signature, "PCMP", 4) != 0 || c->length < sizeof(*c) ||
        f->config + c->length > 0x100000)
        return -ENODEV;
    if (!sum_ok(c, c->length))
        log_warn("mptable: bad checksum, parsing anyway");
    p->lapic_base = c->lapic;

    const uint8_t *t = (const uint8_t *)c;
    for (uint32_t off = sizeof(*c); off < c->length;) {
        uint8_t type = t[off];
        uint32_t len = type == 0 ? 20 : 8; /* processor entries are 20 bytes, the rest 8 */
        if (type > 4 || off + len > c->length)
            break;
        const uint8_t *e = t + off;
        if (type == 0 && (e[3] & 1)) /* processor: apic id, version, flags (bit 0 enabled) */
            core_platform_add_cpu(p, e[1]);
        if (type == 2 && (e[3] & 1) && p->nioapics < PLATFORM_MAX_IOAPICS) {
            /* IOAPIC: id, version, flags, address; GSI bases follow in table order (24 each). */
            struct platform_ioapic *io = &p->ioapics[p->nioapics];
            io->id = e[1];
            memcpy(&io->base, e + 4, 4);
            io->base &= 0xffffffffu;
            io->gsi_base = p->nioapics ? p->ioapics[p->nioapics - 1].gsi_base + 24 : 0;
            p->nioapics++;
        }
        off += len;
    }
    p->source = "MP table";
    return p->ncpus ? 0 : -ENODEV;
}
