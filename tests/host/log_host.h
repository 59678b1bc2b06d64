/* What host unit tests can inspect of the kernel log (see log_host.c). */
#ifndef TESTS_HOST_LOG_HOST_H
#define TESTS_HOST_LOG_HOST_H

extern char log_host_last[512];    /* text of the last line logged */
extern unsigned log_host_count[3]; /* lines logged per enum log_level */
extern char log_host_all[8192];    /* every line since log_host_reset(), '\n'-terminated
                                      (cut when full) */

/* Forget what was logged (last line, counts, all lines). */
void log_host_reset(void);

#endif
