/* Host stand-ins for the kernel services the netstack code calls (see host_env.c). */
#ifndef NETSTACK_TESTS_HOST_ENV_H
#define NETSTACK_TESTS_HOST_ENV_H

#include <stdint.h>

/* The fake clock behind core_time_ns() (and so lwIP's sys_now()): starts at 1 s, moves only
 * when a test moves it. */
extern uint64_t host_env_now_ns;

/* Cores kicked through host_env_kick() (replicate.c's wake-up hook), per core. */
extern unsigned host_env_kicks[16];
void host_env_kick(unsigned cpu);

#endif
