/* IOAPIC (82093AA datasheet): index/data window, one 64-bit redirection entry per pin. */
#include <errno.h>

#include "core/ioapic.h"
#include "core/log.h"
#include "core/platform.h"
#include "core/x86.h"

#define IOREGSEL  0x00
#define IOWIN     0x10
#define IOAPICVER 0x01 /* bits 16-23: highest redirection entry */
#define IOREDTBL  0x10 /* entry i: registers 0x10 + 2i (low), 0x11 + 2i (high) */

#define RED_MASKED     (1u << 16)
#define RED_LEVEL      (1u << 15)
#define RED_ACTIVE_LOW (1u << 13)

static uint32_t rd(uint64_t base, uint32_t reg)
{
    mmio_write32(base + IOREGSEL, reg);
    return mmio_read32(base + IOWIN);
}

static void wr(uint64_t base, uint32_t reg, uint32_t v)
{
    mmio_write32(base + IOREGSEL, reg);
    mmio_write32(base + IOWIN, v);
}

static unsigned pins(const struct platform_ioapic *io)
{
    return ((rd(io->base, IOAPICVER) >> 16) & 0xff) + 1;
}

void core_ioapic_init(void)
{
    for (unsigned i = 0; i < core_platform.nioapics; i++) {
        const struct platform_ioapic *io = &core_platform.ioapics[i];
        unsigned n = pins(io);
        for (unsigned pin = 0; pin < n; pin++)
            wr(io->base, IOREDTBL + 2 * pin, RED_MASKED);
    }
}

int core_ioapic_route_gsi(uint32_t gsi, int vector, uint32_t apic_id, bool level, bool active_low)
{
    for (unsigned i = 0; i < core_platform.nioapics; i++) {
        const struct platform_ioapic *io = &core_platform.ioapics[i];
        if (gsi < io->gsi_base || gsi >= io->gsi_base + pins(io))
            continue;
        unsigned pin = gsi - io->gsi_base;
        uint32_t low =
            (uint32_t)vector | (level ? RED_LEVEL : 0) | (active_low ? RED_ACTIVE_LOW : 0);
        wr(io->base, IOREDTBL + 2 * pin + 1, apic_id << 24); /* physical destination */
        wr(io->base, IOREDTBL + 2 * pin, low);               /* fixed delivery, unmasked */
        return 0;
    }
    log_error("ioapic: no IOAPIC serves GSI %u", gsi);
    return -ENODEV;
}

int core_ioapic_route_isa(unsigned irq, int vector, uint32_t apic_id)
{
    /* ISA default: GSI = IRQ, edge, active high, unless the MADT overrides it. */
    uint32_t gsi = irq;
    bool level = false, active_low = false;
    for (unsigned i = 0; i < core_platform.nisos; i++) {
        const struct platform_iso *iso = &core_platform.isos[i];
        if (iso->irq != irq)
            continue;
        gsi = iso->gsi;
        active_low = (iso->flags & 3) == 3;
        level = ((iso->flags >> 2) & 3) == 3;
    }
    return core_ioapic_route_gsi(gsi, vector, apic_id, level, active_low);
}
