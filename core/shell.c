/* Console commands (see shell.h). */
#include <string.h>

#include "core/console.h"
#include "core/drain.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/power.h"
#include "core/shell.h"
#include "core/stats.h"

struct command {
    const char *name;
    const char *help;
    void (*run)(void);
};

static void cmd_help(void);

static void cmd_stats(void)
{
    core_stats_print();
}

static void cmd_shutdown(void)
{
    log_info("toril: shutting down");
    core_power_off();
}

static void cmd_drain(void)
{
    core_drain_start("console");
}

static const struct command commands[] = {
    {"help", "list the commands", cmd_help},
    {"stats", "one line of counters per core", cmd_stats},
    {"shutdown", "power off (QEMU exits with status 0)", cmd_shutdown},
    {"drain", "stop accepting, finish responses, then power off (within drain_ms)", cmd_drain},
};

static void cmd_help(void)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        log_info("  %-10s %s", commands[i].name, commands[i].help);
}

/* The line being typed: core 0 only. */
static char line[CORE_CONSOLE_LINE];
static size_t line_len;
static bool line_overflow;

static void run_line(void)
{
    /* Trim surrounding blanks; the command is the whole remaining line. */
    size_t start = 0, end = line_len;
    while (start < end && (line[start] == ' ' || line[start] == '\t'))
        start++;
    while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        end--;
    if (line_overflow) {
        log_error("shell: line longer than %d bytes ignored", CORE_CONSOLE_LINE - 1);
        return;
    }
    if (start == end)
        return;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strlen(commands[i].name) == end - start &&
            memcmp(commands[i].name, line + start, end - start) == 0) {
            commands[i].run();
            return;
        }
    }
    log_error("shell: unknown command (try 'help')"); /* never echo the input back in logs */
}

void core_shell_input(char c)
{
    if (c == '\r' || c == '\n') {
        core_console_write("\n", 1);
        run_line();
        line_len = 0;
        line_overflow = false;
        return;
    }
    if (c == 0x7f || c == '\b') {
        if (line_len > 0) {
            line_len--;
            core_console_write("\b \b", 3);
        }
        return;
    }
    if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
        return; /* other control bytes and non-ASCII: ignored */
    if (line_len == sizeof(line)) {
        line_overflow = true;
        return;
    }
    line[line_len++] = c;
    core_console_write(&c, 1);
}
