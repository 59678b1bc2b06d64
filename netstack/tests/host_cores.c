/* Several cores' lwIP state in one process (see host_cores.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/panic.h"
#include "netstack/tests/host_cores.h"

/* Provided by the linker for the renamed sections (names that are C identifiers). */
extern char __start_netstack_percpu_data[], __stop_netstack_percpu_data[];
extern char __start_netstack_percpu_bss[], __stop_netstack_percpu_bss[];

struct section {
    char *start, *stop;
    char *saved[HOST_CORES_MAX]; /* each core's contents while it is not current */
};

static struct section sections[2];
static unsigned current;
static bool ready;

static void setup(void)
{
    sections[0] = (struct section){__start_netstack_percpu_data, __stop_netstack_percpu_data, {0}};
    sections[1] = (struct section){__start_netstack_percpu_bss, __stop_netstack_percpu_bss, {0}};
    for (unsigned s = 0; s < 2; s++) {
        size_t len = (size_t)(sections[s].stop - sections[s].start);
        for (unsigned c = 0; c < HOST_CORES_MAX; c++) {
            sections[s].saved[c] = malloc(len ? len : 1);
            if (!sections[s].saved[c])
                panic("%s: out of memory", __func__);
            memcpy(sections[s].saved[c], sections[s].start, len); /* the initial state */
        }
    }
    ready = true;
}

void host_core_enter(unsigned cpu)
{
    if (cpu >= HOST_CORES_MAX)
        panic("%s: no core %u", __func__, cpu);
    if (!ready)
        setup();
    if (cpu == current)
        return;
    for (unsigned s = 0; s < 2; s++) {
        size_t len = (size_t)(sections[s].stop - sections[s].start);
        memcpy(sections[s].saved[current], sections[s].start, len);
        memcpy(sections[s].start, sections[s].saved[cpu], len);
    }
    current = cpu;
}

unsigned host_core_current(void)
{
    return current;
}
