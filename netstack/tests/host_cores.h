/*
 * Host stand-in for per-core page tables (core/percpu.h): one process plays several cores, each
 * with its own copy of lwIP's state.  lwIP's .data and .bss are renamed netstack_percpu_data
 * and netstack_percpu_bss in the host build (netstack/module.mk); entering a core saves the
 * live contents of those sections as the previous core's and loads the new core's, which is
 * what switching CR3 does in the kernel, with a copy instead of a remap.
 */
#ifndef NETSTACK_TESTS_HOST_CORES_H
#define NETSTACK_TESTS_HOST_CORES_H

#define HOST_CORES_MAX 4

/* Make core `cpu` (< HOST_CORES_MAX) the current one: from now on lwIP calls act on its
 * instance.  Every core starts from lwIP's initial state. */
void host_core_enter(unsigned cpu);

/* The current core. */
unsigned host_core_current(void);

#endif
