/*
 * TSC calibration and the clocks (see time.h).
 *
 * Under TCG there are no TSC frequency leaves and microvm has no HPET or ACPI PM
 * timer, and a short PIT calibration is what makes Linux guests hang there.  So: read the
 * PIT's channel 0 counter back (no speaker-port gate needed, microvm has no port 0x61 logic),
 * measure 5 windows of 10 ms, require them to agree within 1 %, and retry otherwise.
 */
#include <stdbool.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/rtc.h"
#include "core/time.h"
#include "core/x86.h"

#define PIT_HZ       1193182
#define PIT_CH0      0x40
#define PIT_CMD      0x43
#define PIT_WINDOW   5966 /* PIT ticks: 5 ms */
#define WINDOWS      3    /* median3() below takes exactly three */
#define MAX_ATTEMPTS 5

/* Written by core 0 in core_time_init() before other cores start; read-only afterwards. */
static uint64_t tsc_hz;
static uint64_t tsc_boot;
static uint64_t ns_mult; /* ns = ticks * ns_mult >> 32 */
static int64_t wall_boot;

static uint16_t pit_read(void)
{
    outb(PIT_CMD, 0x00); /* latch channel 0 */
    uint8_t lo = inb(PIT_CH0);
    uint8_t hi = inb(PIT_CH0);
    return (uint16_t)(lo | hi << 8);
}

/* One window: TSC ticks while the PIT counts PIT_WINDOW ticks down.  0 on a glitch. */
static uint64_t pit_window(void)
{
    outb(PIT_CMD, 0x30); /* channel 0, lobyte/hibyte, mode 0 (count down once) */
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);
    /* Start on a counter edge, so both ends of the window are measured the same way. */
    uint16_t c0 = pit_read(), c;
    unsigned spins = 0;
    while ((c = pit_read()) == c0)
        if (++spins > 10000000)
            return 0;
    uint64_t t0 = rdtsc();
    uint16_t start = c;
    for (spins = 0;; spins++) {
        c = pit_read();
        if (c > start)
            return 0; /* wrapped: cannot happen in 10 ms of a 55 ms count, treat as glitch */
        if ((uint16_t)(start - c) >= PIT_WINDOW)
            break;
        if (spins > 100000000)
            return 0;
    }
    uint64_t t1 = rdtsc();
    return (t1 - t0) * PIT_HZ / (uint64_t)(start - c);
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if (a > b) {
        uint64_t t = a;
        a = b;
        b = t;
    }
    return c < a ? a : c > b ? b : c;
}

static bool plausible(uint64_t hz)
{
    return hz >= 100000000ull && hz <= 20000000000ull; /* 100 MHz .. 20 GHz */
}

static uint64_t calibrate_pit(void)
{
    uint64_t median = 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        uint64_t w[WINDOWS];
        uint64_t lo = ~0ull, hi = 0;
        for (int i = 0; i < WINDOWS; i++) {
            w[i] = pit_window();
            lo = w[i] < lo ? w[i] : lo;
            hi = w[i] > hi ? w[i] : hi;
        }
        median = median3(w[0], w[1], w[2]);
        if (plausible(lo) && plausible(hi) && (hi - lo) * 100 <= lo)
            return median;
        log_warn("time: TSC calibration attempt %d inconsistent (%llu..%llu Hz), retrying",
                 attempt + 1, (unsigned long long)lo, (unsigned long long)hi);
    }
    if (!plausible(median))
        return 0;
    log_warn("time: TSC calibration never agreed within 1 %%; using %llu Hz",
             (unsigned long long)median);
    return median;
}

/* A hypervisor's TSC frequency leaf (KVM and VMware define 0x40000010: EAX = kHz). */
static uint64_t hypervisor_tsc_hz(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 31)))
        return 0; /* no hypervisor */
    cpuid(0x40000000, 0, &a, &b, &c, &d);
    if (a < 0x40000010)
        return 0;
    cpuid(0x40000010, 0, &a, &b, &c, &d);
    return (uint64_t)a * 1000;
}

void core_time_init(void)
{
    const char *source = "hypervisor leaf";
    uint64_t hz = hypervisor_tsc_hz();
    if (!hz) {
        source = "PIT";
        hz = calibrate_pit();
    }
    if (!hz)
        panic("%s: cannot calibrate the TSC", __func__);
    /* 1e9 << 32 fits in 64 bits (4.3e18); the division happens once. */
    ns_mult = (1000000000ull << 32) / hz;
    tsc_hz = hz;
    tsc_boot = rdtsc();
    wall_boot = core_rtc_read();
    log_info("time: TSC %llu.%03llu MHz (%s), wall clock %lld", (unsigned long long)(hz / 1000000),
             (unsigned long long)(hz / 1000 % 1000), source, (long long)wall_boot);
}

uint64_t core_time_tsc_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * ns_mult) >> 32);
}

uint64_t core_time_ns(void)
{
    if (!tsc_hz)
        return 0;
    return core_time_tsc_to_ns(rdtsc() - tsc_boot);
}

uint64_t core_time_tsc_hz(void)
{
    return tsc_hz;
}

int64_t core_time_wall(void)
{
    return wall_boot + (int64_t)(core_time_ns() / 1000000000ull);
}
