/* E820 map → page allocator (see memory.h). */
#include <stdint.h>

#include "boot/info.h"
#include "boot/paging.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/pmm.h"

extern char __kernel_start[], __kernel_end[];

#define LOW_MEMORY_END 0x100000ull

static void add(uint64_t base, uint64_t end)
{
    if (end > base && core_pmm_add_range(base, end - base) < 0)
        log_error("memory: RAM %#llx..%#llx left unused", (unsigned long long)base,
                  (unsigned long long)end); /* core_pmm has logged why */
}

void core_memory_init(void)
{
    uint64_t kstart = (uintptr_t)__kernel_start, kend = (uintptr_t)__kernel_end;
    uint64_t limit = boot_paging_ram_limit();
    for (unsigned i = 0; i < boot_info.nmem; i++) {
        const struct boot_mem_range *r = &boot_info.mem[i];
        if (r->type != BOOT_MEM_RAM)
            continue;
        uint64_t base = r->base < LOW_MEMORY_END ? LOW_MEMORY_END : r->base;
        uint64_t end = r->base + r->len > limit ? limit : r->base + r->len;
        if (end <= base)
            continue;
        /* Split around the kernel image. */
        if (kend <= base || kstart >= end) {
            add(base, end);
        } else {
            add(base, kstart);
            add(kend, end);
        }
    }
    size_t total, free;
    core_pmm_stats(&total, &free);
    log_info("memory: %zu MiB free for allocation, kernel image %zu KiB", free / 256,
             (size_t)(kend - kstart) / 1024);
}
