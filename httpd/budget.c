/* Per-core connection memory budget (httpd/budget.h). */
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/heap.h"
#include "core/log.h"
#include "core/pmm.h"
#include "httpd/budget.h"
#include "httpd/config.h"
#include "httpd/limits.h"

/* Set once at boot on core 0 before the other cores start; read-only afterwards. */
static size_t budget;
/* Heap each core held when its worker started (core 0's holds the content cache): what
 * connections take is counted above it.  Each entry written by its own core, once, before
 * its first connection. */
static size_t baseline[CORE_MAX_CPUS];

/* Bytes of live allocations on core cpu's heap (each as rounded up to its size class).  Not the
 * pages its slabs hold: every size class in use keeps a 64 KiB slab, so counting pages would
 * charge the first connection ~0.5 MiB for the slabs of a dozen classes. */
static size_t heap_held(unsigned cpu)
{
    struct heap_stats st;
    core_heap_stats(&core_cpus[cpu].heap, &st);
    return st.bytes_in_use;
}

void httpd_budget_boot(unsigned cores)
{
    size_t total, free_pages;
    core_pmm_stats(&total, &free_pages);
    if (cores == 0)
        cores = 1;
    uint64_t bytes = (uint64_t)free_pages * CORE_PMM_PAGE_SIZE;
    budget = (size_t)(bytes * httpd_config->conn_mem_pct / 100 / cores);
    log_info("httpd: connection memory %zu KiB per core (%u%% of %llu MiB free / %u cores); "
             "a connection holds ~%zu bytes idle and up to %u KiB (%zu at their worst per core)",
             budget >> 10, httpd_config->conn_mem_pct, (unsigned long long)(bytes >> 20), cores,
             httpd_budget_idle_cost(), HTTPD_CONN_WORST >> 10, budget / HTTPD_CONN_WORST);
}

void httpd_budget_start(void)
{
    baseline[core_cpu_id()] = heap_held(core_cpu_id());
}

size_t httpd_budget_used(unsigned cpu)
{
    size_t held = heap_held(cpu), base = __atomic_load_n(&baseline[cpu], __ATOMIC_RELAXED);
    return held > base ? held - base : 0;
}

bool httpd_budget_admit(void)
{
    return httpd_budget_used(core_cpu_id()) + HTTPD_CONN_WORST <= budget;
}

size_t httpd_budget_per_core(void)
{
    return budget;
}
