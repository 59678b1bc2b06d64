/*
 * The console shell: a line editor over the serial input and a few commands (help, stats,
 * shutdown).  Core 0, main loop.
 */
#ifndef CORE_SHELL_H
#define CORE_SHELL_H

/* One received character (echoed; backspace edits; CR or LF ends the line). */
void core_shell_input(char c);

#endif
