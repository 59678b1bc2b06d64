/* The drain coordinator (see drain.h): core 0's poller and its deadline. */
#include <stdint.h>

#include "core/config.h"
#include "core/cpu.h"
#include "core/drain.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/panic.h"
#include "core/power.h"
#include "core/time.h"
#include "core/timer.h"

#define DRAIN_MAX_PARTICIPANTS 4
#define DRAIN_CHECK_MS         10  /* how often core 0 looks at the participants while draining:
                                      the other cores do not wake it when they finish */
#define DRAIN_LINGER_MS        20  /* after the last connection closed: time for its FIN frame to
                                      leave through QEMU before the VM stops */

/* Filled at boot on core 0; read-only afterwards. */
static const struct core_drain_participant *participants[DRAIN_MAX_PARTICIPANTS];
static unsigned nparticipants;

/* Written by core 0 only, read by any core (core_drain_active) with atomics. */
static bool active;
/* Set from interrupt context (any core), consumed by core 0's poller: atomics. */
static bool irq_request;
/* Core 0 only. */
static uint64_t deadline_ns, started_ns, done_ns;
static struct core_timer check_timer;

void core_drain_register(const struct core_drain_participant *p)
{
    if (nparticipants == DRAIN_MAX_PARTICIPANTS)
        panic("%s: more than %d participants", __func__, DRAIN_MAX_PARTICIPANTS);
    participants[nparticipants++] = p;
}

bool core_drain_active(void)
{
    return __atomic_load_n(&active, __ATOMIC_ACQUIRE);
}

void core_drain_request_from_irq(void)
{
    __atomic_store_n(&irq_request, true, __ATOMIC_RELEASE);
    core_loop_kick(0);
}

/* Only wakes core 0: its poller does the work. */
static void on_check_timer(void *arg)
{
}

void core_drain_start(const char *why)
{
    if (core_drain_active())
        return;
    started_ns = core_time_ns();
    deadline_ns = started_ns + (uint64_t)core_config->drain_ms * 1000000ull;
    __atomic_store_n(&active, true, __ATOMIC_RELEASE);
    log_info("drain: started (%s); powering off once connections are done, within %u ms", why,
             core_config->drain_ms);
    for (unsigned i = 0; i < nparticipants; i++)
        participants[i]->begin();
    core_timer_add(&check_timer, started_ns + DRAIN_CHECK_MS * 1000000ull, on_check_timer, NULL);
}

static bool all_done(void)
{
    for (unsigned i = 0; i < nparticipants; i++)
        if (!participants[i]->done())
            return false;
    return true;
}

static bool drain_poll(void *arg)
{
    if (__atomic_exchange_n(&irq_request, false, __ATOMIC_ACQ_REL))
        core_drain_start("ACPI power button");
    if (!core_drain_active())
        return false;
    uint64_t now = core_time_ns();
    if (!done_ns && all_done())
        done_ns = now;
    if (done_ns && now - done_ns >= DRAIN_LINGER_MS * 1000000ull) {
        log_info("drain: done in %llu ms; powering off",
                 (unsigned long long)((now - started_ns) / 1000000));
        core_power_off();
    }
    if (now >= deadline_ns) {
        for (unsigned i = 0; i < nparticipants; i++)
            if (!participants[i]->done())
                log_warn("drain: %s still busy after drain_ms=%u; powering off anyway",
                         participants[i]->name, core_config->drain_ms);
        core_power_off();
    }
    core_timer_add(&check_timer, now + DRAIN_CHECK_MS * 1000000ull, on_check_timer, NULL);
    return false;
}

void core_drain_init(void)
{
    core_loop_add(&(struct core_poller){.poll = drain_poll, .name = "drain"});
}
