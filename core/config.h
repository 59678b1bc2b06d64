/*
 * Toril's configuration: the kernel command line, parsed once for every module that reads it.
 *
 * Core 0 calls core_config_parse() once at boot, before the other cores start; afterwards every
 * module's configuration is read-only and every core reads it without locks.  Each module lists
 * (and documents) its keys, their syntax, ranges and defaults in its own config.c (core/,
 * netstack/, httpd/, virtio/); the parsing rules are in core/cmdline.h.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cmdline.h"

/* idle=: what a core does when it has no work. */
enum core_config_idle {
    CORE_CONFIG_IDLE_HALT, /* poll for halt_poll_us, then hlt until an interrupt */
    CORE_CONFIG_IDLE_POLL, /* never halt: spin on the rings (lowest latency, a busy host CPU) */
};

/* test=: a fault to inject once boot is done, so whole-system tests can check it fails safely.
 * Never set in production. */
enum core_config_test {
    CORE_CONFIG_TEST_NONE,  /* no fault */
    CORE_CONFIG_TEST_PANIC, /* call panic(): message, backtrace, failure exit */
    CORE_CONFIG_TEST_WX,    /* write to kernel text: must fault (W^X) */
    CORE_CONFIG_TEST_NULL,  /* read address 0: must fault (page 0 is unmapped) */
    CORE_CONFIG_TEST_STACK, /* recurse past the kernel stack: must fault on the guard page */
};

/* core's own keys.  Other modules register theirs (CORE_CONFIG_MODULE). */
struct core_config {
    enum core_config_idle idle; /* idle=: halt or poll when there is no work */
    uint32_t halt_poll_us;      /* halt_poll_us=: with idle=halt, microseconds a core keeps
                                   polling after its last work before it halts */
    enum core_config_test test; /* test=: fault injection for system tests */
    uint32_t drain_ms;          /* drain_ms=: how long a drain (console `drain`, the ACPI power
                                   button) waits for connections before powering off anyway */
};

/*
 * A module's command-line keys: its table, the struct the table fills, and that struct's
 * defaults (copied into it before every parse).  Each module keeps its keys, their struct and
 * their documentation in its own config.c and registers them with CORE_CONFIG_MODULE; core
 * parses the command line once for all of them, so an unknown key is one no module knows.
 */
struct core_config_module {
    const char *name;                    /* the module, for messages */
    const struct core_cmdline_opt *opts; /* its keys */
    size_t nopts;
    void *config;         /* the module's parsed configuration (read-only after boot) */
    const void *defaults; /* its defaults, same type */
    size_t size;          /* sizeof the configuration */
};

/*
 * Register a module's keys with the parser, at file scope in the module's config.c:
 *   CORE_CONFIG_MODULE(httpd, options, parsed, defaults);
 * where options is its array of struct core_cmdline_opt, parsed its configuration struct and
 * defaults a const struct of the same type.  The linker gathers the registrations (section
 * core_config_modules, see boot/linker.ld).
 */
#define CORE_CONFIG_MODULE(mod, opts_, parsed_, defaults_)                                         \
    _Static_assert(sizeof(parsed_) == sizeof(defaults_), #mod ": defaults of another type");       \
    static const struct core_config_module core_config_module_##mod = {                            \
        .name = #mod,                                                                              \
        .opts = (opts_),                                                                           \
        .nopts = sizeof(opts_) / sizeof((opts_)[0]),                                               \
        .config = &(parsed_),                                                                      \
        .defaults = &(defaults_),                                                                  \
        .size = sizeof(parsed_),                                                                   \
    };                                                                                             \
    static const struct core_config_module *const core_config_module_ptr_##mod                     \
        __attribute__((used, section("core_config_modules"), aligned(8))) =                        \
            &core_config_module_##mod

/* Modules that can register keys (a bound for the parser's table array). */
#define CORE_CONFIG_MAX_MODULES 16

/* The defaults: what a command line without any known key gives. */
extern const struct core_config core_config_defaults;

/*
 * The configuration in force: &core_config_defaults until core_config_parse() succeeds, then
 * the parsed copy.  Written only by core_config_parse() (boot, core 0, before the other cores
 * start: their startup orders the write before their reads); read-only afterwards.
 */
extern const struct core_config *core_config;

/*
 * Parse the kernel command line (NUL-terminated, NULL for none) for every registered module,
 * each over its defaults, and point core_config at core's result.  Every problem is logged (see core/cmdline.h); keys in error keep
 * their defaults.  Boot, core 0, before the other cores start; does not block.  May be called
 * again (host tests): each call starts from the defaults.
 *
 * Returns the number of errors; unknown keys are warnings and do not count.
 */
int core_config_parse(const char *cmdline);

#endif
