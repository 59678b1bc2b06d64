/* Named limits of the per-core runtime. */
#ifndef CORE_LIMITS_H
#define CORE_LIMITS_H

#define CORE_MAX_CPUS     64          /* cores Toril brings up; more are left halted */
#define CORE_STACK_SIZE   (32 * 1024) /* kernel stack per core, a guard page below it */
#define CORE_IST_SIZE     (8 * 1024)  /* stack for fatal exceptions, a guard page below it */
#define CORE_CMDLINE_MAX  2048        /* bytes of kernel command line kept */
#define CORE_CONSOLE_LINE 256         /* bytes of one console input line */

#endif
