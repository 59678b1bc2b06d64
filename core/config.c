/*
 * core's command-line keys, and the parse of the whole command line for every module.
 *
 * Pass keys with QEMU's -append (make run ARGS=...), space-separated, e.g.
 *   -append "ip=192.168.100.2/24 gw=192.168.100.1 http_port=8080 log=all"
 * Each module documents its own keys: netstack/config.c (ip, gw, echo), httpd/config.c
 * (http_port, max_conns, timeouts, log, ...), virtio/config.c (virtio_mmio.device), and this
 * file (idle, halt_poll_us, test, drain_ms).
 * Syntax of each type and the handling of bad input: core/cmdline.h.  A key with a bad value
 * is logged as an error and keeps its default (or an earlier valid value of the same key); an
 * unknown key is logged as a warning and ignored; when a key is repeated the last one wins.
 */
#include <stddef.h>
#include <string.h>

#include "core/config.h"
#include "core/panic.h"

const struct core_config core_config_defaults = {
    .idle = CORE_CONFIG_IDLE_HALT,
    .halt_poll_us = 50,
    .test = CORE_CONFIG_TEST_NONE,
    .drain_ms = 5000,
};

static const char *const idle_names[] = {
    [CORE_CONFIG_IDLE_HALT] = "halt",
    [CORE_CONFIG_IDLE_POLL] = "poll",
    NULL,
};

static const char *const test_names[] = {
    [CORE_CONFIG_TEST_NONE] = "none",   [CORE_CONFIG_TEST_PANIC] = "panic",
    [CORE_CONFIG_TEST_WX] = "wx",       [CORE_CONFIG_TEST_NULL] = "null",
    [CORE_CONFIG_TEST_STACK] = "stack", NULL,
};

#define FIELD(member) CORE_CMDLINE_FIELD(struct core_config, member)

static const struct core_cmdline_opt options[] = {
    /*
     * idle=halt|poll                 default halt
     *   halt: an idle core polls for halt_poll_us, then halts until an interrupt, an IPI or
     *   its next timer (the host sees no CPU use).  poll: never halt (lowest latency, one busy
     *   host CPU per core).
     */
    {.name = "idle", .type = CORE_CMDLINE_ENUM, FIELD(idle), .names = idle_names},
    /*
     * halt_poll_us=<us>              default 50, 0..1000
     *   With idle=halt, how long a core keeps polling after its last work before halting.
     */
    {.name = "halt_poll_us", .type = CORE_CMDLINE_UINT, FIELD(halt_poll_us), .min = 0, .max = 1000},
    /*
     * test=none|panic|wx|null|stack  default none
     *   Test only: inject a fault once boot is done (see enum core_config_test), so system
     *   tests can check that it is caught and ends the VM with a failure exit code.
     */
    {.name = "test", .type = CORE_CMDLINE_ENUM, FIELD(test), .names = test_names},
    /*
     * drain_ms=<ms>                  default 5000, 0..600000
     *   A drain (the console command `drain`, the ACPI power button) stops accepting
     *   connections, lets responses in flight finish and powers off once none is left, or after
     *   this long at most.
     */
    {.name = "drain_ms", .type = CORE_CMDLINE_UINT, FIELD(drain_ms), .min = 0, .max = 600000},
};

/* Filled by core_config_parse() on core 0 at boot; read-only once the other cores run. */
static struct core_config parsed;

const struct core_config *core_config = &core_config_defaults;

CORE_CONFIG_MODULE(core, options, parsed, core_config_defaults);

/* The registrations, gathered by the linker (boot/linker.ld; host tests: GNU ld's own). */
extern const struct core_config_module *const __start_core_config_modules[],
    *const __stop_core_config_modules[];

int core_config_parse(const char *cmdline)
{
    struct core_cmdline_table tables[CORE_CONFIG_MAX_MODULES];
    size_t n = 0;

    for (const struct core_config_module *const *m = __start_core_config_modules;
         m < __stop_core_config_modules; m++) {
        if (n == CORE_CONFIG_MAX_MODULES)
            panic("%s: more than %d modules register keys", __func__, CORE_CONFIG_MAX_MODULES);
        memcpy((*m)->config, (*m)->defaults, (*m)->size);
        tables[n++] = (struct core_cmdline_table){(*m)->opts, (*m)->nopts, (*m)->config};
    }
    int errors = core_cmdline_parse_tables(cmdline, tables, n);
    core_config = &parsed;
    return errors;
}
