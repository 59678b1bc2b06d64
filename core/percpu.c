/* The per-core window: copies, page tables and the separation check (see percpu.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "boot/paging.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/pmm.h"
#include "core/x86.h"

/*
 * A variable of the window itself, for the separation check: core 0 writes each core's id into
 * that core's copy before it starts; each core must then read its own id, and core 0 still 0.
 * (The one variable of the window that is not lwIP's; scripts/check-percpu allows it by name.)
 */
static volatile uint32_t probe __attribute__((section(".percpu.data"))) = 0;
#define PROBE_WRITTEN 0x10000u /* or-ed in by the owning core once it has checked */

static size_t window_bytes(void)
{
    return (size_t)(__percpu_end - __percpu_start);
}

static void *alloc_table_page(void)
{
    return core_pmm_alloc(1);
}

int core_percpu_init(void)
{
    size_t len = window_bytes(), pages = len / CORE_PMM_PAGE_SIZE;
    uint64_t va = (uintptr_t)__percpu_start;

    core_percpu_assert_shared(core_cpus, sizeof(struct cpu) * CORE_MAX_CPUS, "core_cpus");
    core_cpus[0].cr3 = boot_paging_cr3();
    core_cpus[0].percpu_phys = va;
    if (probe != 0)
        panic("%s: the window was written before the copies were made", __func__);

    for (unsigned i = 1; i < core_ncpus; i++) {
        struct cpu *c = &core_cpus[i];
        uint8_t *copy = core_pmm_alloc(pages);
        if (copy == NULL ||
            boot_paging_clone(va, len, (uintptr_t)copy, alloc_table_page, &c->cr3) < 0) {
            log_error("percpu: no memory for cpu%u's window (%zu KiB and 16 KiB of tables per "
                      "core)",
                      i, len / 1024);
            return -ENOMEM;
        }
        memcpy(copy, __percpu_start, len);
        /* Through the identity map: this is cpu i's copy of the probe. */
        *(volatile uint32_t *)(copy + ((uintptr_t)&probe - va)) = i;
        c->percpu_phys = (uintptr_t)copy;
    }
    core_percpu_check_this_cpu();
    log_info("percpu: window of %zu KiB per core at %#llx, %u cores", len / 1024,
             (unsigned long long)va, core_ncpus);
    return 0;
}

void core_percpu_check_this_cpu(void)
{
    unsigned id = core_cpu_id();
    if (read_cr3() != core_cpu_self()->cr3)
        panic("%s: cpu%u runs on the wrong page tables", __func__, id);
    uint32_t seen = probe;
    if (seen != id)
        panic("%s: cpu%u sees the window of cpu%u%s", __func__, id, seen & ~PROBE_WRITTEN,
              seen & PROBE_WRITTEN ? " (written by that core)" : "");
    /* What a device would be given for the probe (core_percpu_phys, as virtio_dma_addr uses
     * it) must be this core's copy: read it back through the identity map. */
    uint64_t phys = core_percpu_phys((const void *)&probe);
    if (*(volatile uint32_t *)(uintptr_t)phys != id)
        panic("%s: cpu%u: the physical address of its window (%#llx) is another core's",
              __func__, id, (unsigned long long)phys);
    /* A write through this core's mapping: the next cores to start, and core 0 at the end
     * (core_percpu_check_after_start), must not see it. */
    probe = id | PROBE_WRITTEN;
}

void core_percpu_check_after_start(unsigned online)
{
    if (probe != PROBE_WRITTEN)
        panic("%s: cpu0's window shows %#x: another core's write reached it", __func__, probe);
    log_info("percpu: %u cores, each sees only its own window (checked)", online);
}

void core_percpu_assert_shared(const void *p, size_t len, const char *what)
{
    if (core_percpu_overlaps(p, len))
        panic("%s: %s (%p) is shared between cores but lies in the per-core window", __func__,
              what, p);
}
