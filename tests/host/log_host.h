/* What host unit tests can inspect of the kernel log (see log_host.c). */
#ifndef TESTS_HOST_LOG_HOST_H
#define TESTS_HOST_LOG_HOST_H

extern char log_host_last[512];    /* text of the last line logged */
extern unsigned log_host_count[3]; /* lines logged per enum log_level */

#endif
