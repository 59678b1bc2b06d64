/*
 * Local APIC driver (Intel SDM vol. 3, chapter 11).  Register offsets are the xAPIC MMIO
 * offsets; in x2APIC mode register r is MSR 0x800 + (r >> 4).
 */
#include <stdbool.h>

#include "core/cpu.h"
#include "core/lapic.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/time.h"
#include "core/trap.h"
#include "core/x86.h"

#define CALIBRATE_SHORT_NS    2000000ull  /* one short timer calibration window */
#define CALIBRATE_SHORT_TRIES 4           /* short windows before falling back to a long one */
#define CALIBRATE_LONG_NS     20000000ull /* the fallback window */

#define LAPIC_ID         0x020
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0 /* spurious vector; bit 8 enables the APIC */
#define LAPIC_ICR_LO     0x300
#define LAPIC_ICR_HI     0x310
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_LVT_LINT0  0x350
#define LAPIC_LVT_LINT1  0x360
#define LAPIC_LVT_ERROR  0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0

#define MSR_APIC_BASE    0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)

#define ICR_INIT         (5u << 8)
#define ICR_STARTUP      (6u << 8)
#define ICR_NMI          (4u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_PENDING      (1u << 12) /* xAPIC only: delivery status */
#define ICR_ALL_BUT_SELF (3u << 18)
#define LVT_MASKED       (1u << 16)

#define TIMER_DIV_16 0x3 /* divide configuration: bus clock / 16 */

/* Set by core 0 at boot before the APs start, then read-only. */
static bool x2apic;
static uintptr_t mmio;
static uint64_t timer_hz; /* LAPIC timer ticks per second at divide 16 */

static uint32_t lapic_read(uint32_t reg)
{
    return x2apic ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : mmio_read32(mmio + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + (reg >> 4), v);
    else
        mmio_write32(mmio + reg, v);
}

void core_lapic_init(uint64_t mmio_base)
{
    uint32_t a, b, c, d;
    if (core_cpu_self()->id == 0) {
        cpuid(1, 0, &a, &b, &c, &d);
        x2apic = c & (1u << 21);
        mmio = mmio_base;
    }
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
    if (x2apic)
        base |= APIC_BASE_X2APIC;
    wrmsr(MSR_APIC_BASE, base);

    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TRAP_VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_SVR, 0x100 | TRAP_VECTOR_SPURIOUS);
    lapic_write(LAPIC_EOI, 0);
}

uint32_t core_lapic_id(void)
{
    uint32_t id = lapic_read(LAPIC_ID);
    return x2apic ? id : id >> 24;
}

void core_lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

static void send_icr(uint32_t apic_id, uint32_t low)
{
    uint64_t flags = irq_save();
    if (x2apic) {
        wrmsr(0x830, ((uint64_t)apic_id << 32) | low);
    } else {
        lapic_write(LAPIC_ICR_HI, apic_id << 24);
        lapic_write(LAPIC_ICR_LO, low);
        for (unsigned spins = 0; lapic_read(LAPIC_ICR_LO) & ICR_PENDING && spins < 1000000; spins++)
            cpu_relax();
    }
    irq_restore(flags);
}

void core_lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    send_icr(apic_id, vector);
}

void core_lapic_send_init(uint32_t apic_id)
{
    send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void core_lapic_send_startup(uint32_t apic_id, uint8_t page)
{
    send_icr(apic_id, ICR_STARTUP | ICR_LEVEL_ASSERT | page);
}

void core_lapic_nmi_others(void)
{
    if (!mmio && !x2apic)
        return; /* too early: there are no other cores yet */
    send_icr(0, ICR_NMI | ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
}

/* The LAPIC timer's rate over `window_ns` of TSC time (the TSC is calibrated already). */
static uint64_t measure_timer_hz(uint64_t window_ns)
{
    lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
    uint64_t t0 = core_time_ns();
    while (core_time_ns() - t0 < window_ns)
        cpu_relax();
    uint32_t left = lapic_read(LAPIC_TIMER_CUR);
    uint64_t t1 = core_time_ns();
    lapic_write(LAPIC_TIMER_INIT, 0);
    return (0xffffffffu - (uint64_t)left) * 1000000000ull / (t1 - t0);
}

void core_lapic_timer_calibrate(void)
{
    /* QEMU's LAPIC runs at a 1 GHz bus clock, real hardware at anything: measure rather than
     * assume.  Against the TSC, 2 ms windows give the rate to well under 1 %; two in a row
     * that agree within 1 % are taken (about 4 ms of boot), and a host too busy for that gets
     * one long 20 ms window instead.  The timer only arms timeouts of milliseconds and more. */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TRAP_VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    uint64_t prev = measure_timer_hz(CALIBRATE_SHORT_NS);
    timer_hz = 0;
    for (int i = 0; i < CALIBRATE_SHORT_TRIES && !timer_hz; i++) {
        uint64_t hz = measure_timer_hz(CALIBRATE_SHORT_NS);
        uint64_t diff = hz > prev ? hz - prev : prev - hz;
        if (diff * 100 <= hz)
            timer_hz = (hz + prev) / 2;
        prev = hz;
    }
    if (!timer_hz)
        timer_hz = measure_timer_hz(CALIBRATE_LONG_NS);
    if (timer_hz < 1000000)
        panic("%s: LAPIC timer runs at %llu Hz, implausible", __func__,
              (unsigned long long)timer_hz);
    log_info("lapic: %s, timer %llu kHz", x2apic ? "x2apic" : "xapic",
             (unsigned long long)(timer_hz / 1000));
}

void core_lapic_timer_oneshot(uint64_t ns)
{
    if (ns == 0) {
        lapic_write(LAPIC_TIMER_INIT, 0);
        return;
    }
    if (ns > 10000000000ull)
        ns = 10000000000ull; /* 10 s at most per arming: keeps the product below in 64 bits */
    uint64_t ticks = ns * (timer_hz / 1000) / 1000000;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffu)
        ticks = 0xffffffffu; /* fires early; the caller re-arms for the rest */
    lapic_write(LAPIC_LVT_TIMER, TRAP_VECTOR_TIMER); /* one-shot, unmasked */
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
}
