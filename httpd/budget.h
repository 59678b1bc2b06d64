/*
 * Connection memory, accounted per core (httpd/budget.c).
 *
 * Every core's connections (httpd's own state and lwIP's buffers for them) live on that core's
 * heap.  Each core gets an equal share of the memory free at boot:
 *     budget per core = free pages at boot * 4 KiB * conn_mem_pct / 100 / cores
 * and admits a new connection only while what its heap holds above its level when the worker
 * started is at most budget - HTTPD_CONN_WORST (bytes of live allocations as rounded to their
 * size class; core 0's level includes the content cache).  The heap's slabs add a fixed amount
 * per core on top (one 64 KiB slab per size class in use, CORE_HEAP_NCLASSES at most), which the
 * memory outside the budgets covers.  Running out refuses
 * new connections (reset, counted in refused_mem=); established ones keep their memory.
 */
#ifndef HTTPD_BUDGET_H
#define HTTPD_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

/* Compute the per-core budget for `cores` cores from the page allocator's free memory now, and
 * log it with its formula.  Boot, core 0, after the content cache is loaded. */
void httpd_budget_boot(unsigned cores);

/* Note this core's heap level as the zero of its connection memory.  The core's worker start,
 * before it accepts anything. */
void httpd_budget_start(void);

/* Bytes an idle keep-alive connection holds (struct conn and lwIP's pcb, as heap classes);
 * conn.c provides it. */
size_t httpd_budget_idle_cost(void);

/* Whether this core may admit one more connection.  Main loop, any core. */
bool httpd_budget_admit(void);

/* Bytes core `cpu`'s heap holds now above its level at worker start (approximate when read
 * from another core). */
size_t httpd_budget_used(unsigned cpu);

/* The per-core budget in bytes (0 before httpd_budget_boot). */
size_t httpd_budget_per_core(void);

#endif
