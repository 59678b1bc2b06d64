/*
 * Host stand-ins for kernel services used by netstack/ and by the lwIP copies: the clock,
 * randomness, and the wake-up hook.  Log and panic come from tests/host/log_host.c; malloc and
 * memcpy from the host's libc.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/random.h"
#include "core/time.h"
#include "netstack/tests/host_env.h"
#include "tests/host/xorshift.h"

uint64_t host_env_now_ns = 1000000000ull;
unsigned host_env_kicks[16];

uint64_t core_time_ns(void)
{
    return host_env_now_ns;
}

/* Deterministic: the tests are reproducible (TCP sequence numbers, local ports). */
uint64_t core_random_u64(void)
{
    static uint64_t x = 0x9e3779b97f4a7c15ull;
    return xorshift64(&x);
}

void host_env_kick(unsigned cpu)
{
    if (cpu < 16)
        host_env_kicks[cpu]++;
}
