/* The exception side of panic (core/panic.c), called from core/trap.c only. */
#ifndef CORE_PANIC_TRAP_H
#define CORE_PANIC_TRAP_H

#include "core/trap.h"

/* An exception: report it (name, error code, CR2 and what it hit) with registers and a
 * backtrace, then power off with a failure code.  Interrupt context, any core. */
__attribute__((noreturn)) void core_panic_trap(const struct trap_frame *f);

/* NMI: if a panic is in progress this core stops here; otherwise it is reported.  */
__attribute__((noreturn)) void core_panic_nmi(const struct trap_frame *f);

#endif
