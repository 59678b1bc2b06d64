/* Named limits of the per-core runtime. */
#ifndef CORE_LIMITS_H
#define CORE_LIMITS_H

#define CORE_MAX_CPUS     64          /* cores Toril brings up; more are left halted */
#define CORE_STACK_SIZE   (32 * 1024) /* kernel stack per core, a guard page below it */
#define CORE_IST_SIZE     (8 * 1024)  /* stack for fatal exceptions, a guard page below it */
#define CORE_CMDLINE_MAX  2048        /* bytes of kernel command line kept */
#define CORE_CONSOLE_LINE 256         /* bytes of one console input line */

/* The log (core/logbuf.h): bytes of one log line (longer ones are cut and marked "..."),
 * lines each core may have waiting for the UART (more are dropped and counted), and bytes
 * core 0 writes to the UART per pass of its main loop (two VM exits per byte under QEMU: this
 * bounds the time a flood of lines takes from core 0's other work). */
#define CORE_LOG_LINE_MAX     320
#define CORE_LOG_LINES_QUEUED 64
#define CORE_LOG_DRAIN_BYTES  2048

#endif
