/* RDSEED / RDRAND / TSC-jitter randomness, and the stack-protector canary. */
#include <stdint.h>

#include "core/log.h"
#include "core/panic.h"
#include "core/random.h"
#include "core/x86.h"

#define HW_RETRIES 32 /* Intel recommends retrying RDRAND ~10 times; be generous */

static int has_rdseed = -1, has_rdrand = -1; /* -1: not probed yet (idempotent race) */

static void probe(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    has_rdrand = (c >> 30) & 1;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        has_rdseed = (b >> 18) & 1;
    } else {
        has_rdseed = 0;
    }
}

static int rdseed(uint64_t *v)
{
    unsigned char ok;
    __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
    return ok;
}

static int rdrand(uint64_t *v)
{
    unsigned char ok;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
    return ok;
}

/* Fallback: fold the low bits of many TSC reads around port I/O, whose timing jitters. */
static uint64_t tsc_jitter(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 256; i++) {
        inb(0x80);
        x = (x ^ rdtsc()) * 0xff51afd7ed558ccdull;
        x ^= x >> 33;
    }
    return x;
}

uint64_t core_random_u64(void)
{
    uint64_t v;
    if (has_rdrand < 0)
        probe();
    for (int i = 0; has_rdseed && i < HW_RETRIES; i++)
        if (rdseed(&v))
            return v;
    for (int i = 0; has_rdrand && i < HW_RETRIES; i++)
        if (rdrand(&v))
            return v;
    return tsc_jitter();
}

void core_random_report(void)
{
    if (has_rdrand < 0)
        probe();
    if (has_rdseed)
        log_info("random: RDSEED (RDRAND as fallback)");
    else if (has_rdrand)
        log_info("random: RDRAND (no RDSEED)");
    else
        log_warn("random: no RDRAND or RDSEED on this CPU: falling back to TSC jitter, which is "
                 "WEAK (predictable TCP sequence numbers and SYN cookies; no TLS keys from it)");
}

/* -fstack-protector-strong -mstack-protector-guard=global: the canary every protected
 * function compares on return.  Seeded by core_stackprot_init() first thing at boot. */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

__attribute__((no_stack_protector)) void core_stackprot_init(void)
{
    uint64_t v = core_random_u64();
    v &= ~0xffull; /* a zero low byte stops string overflows from copying the canary */
    __stack_chk_guard = v;
}

__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
    panic("stack protector: stack smashed in a function that called %p",
          __builtin_return_address(0));
}
