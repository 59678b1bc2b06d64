/*
 * core_main(): core 0's path from the PVH entry (boot/pvh.S, long mode, early identity map,
 * boot stack) to its main loop, as a list of steps.  The other cores start in step 9 and go
 * through boot_ap_main() (core/smp.c).
 */
#include <errno.h>
#include <stdint.h>

#include "boot/info.h"
#include "boot/paging.h"
#include "core/config.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/drain.h"
#include "core/ioapic.h"
#include "core/lapic.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/memory.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/pmm.h"
#include "core/platform.h"
#include "core/power.h"
#include "core/pwrbtn.h"
#include "core/random.h"
#include "core/smp.h"
#include "core/time.h"
#include "core/trap.h"
#include "core/x86.h"
#include "boot/boot.h"
#include "content/boot.h"
#include "content/cache.h"
#include "content/fat.h"
#include "httpd/admin.h"
#include "httpd/files.h"
#include "httpd/server.h"
#include "netstack/config.h"
#include "netstack/echo.h"
#include "netstack/limits.h"
#include "netstack/link.h"
#include "virtio/blk.h"
#include "virtio/pci.h"

__attribute__((noreturn)) void core_main(uint32_t start_info);

static bool console_poll(void *arg)
{
    return core_console_poll();
}

/* The diagnostic echo service (echo=PORT) on every core that runs a network stack. */
static void echo_start(unsigned cpu)
{
    if (netstack_config->echo_port != 0 && netstack_link_has_stack(cpu))
        netstack_echo_start(cpu, netstack_config->echo_port); /* logs its own failure */
}

/* test=...: faults injected on purpose so the system tests can see they are caught. */
static void inject_fault(enum core_config_test test);

void core_main(uint32_t start_info)
{
    /* 1. Identity: GS points at core 0's struct cpu, so the log can name the core; the stack
     *    canary gets its random value before any function with a canary returns. */
    core_cpus[0].self = &core_cpus[0];
    wrmsr(MSR_GS_BASE, (uintptr_t)&core_cpus[0]);
    core_stackprot_init();

    /* 2. Console, then what the loader handed us: memory map, command line, RSDP. */
    core_console_init();
    core_trap_init();
    core_trap_load();
    log_info("toril: booting");
    core_random_report(); /* which randomness the canary, TCP sequence numbers and cookies use */
    if (boot_info_parse(start_info) < 0) {
        log_error("toril: no usable boot information from the loader");
        core_power_fail(CORE_EXIT_BOOT);
    }
    core_config_parse(boot_info.cmdline);

    /* 3. FPU/SSE state enabled (mbedTLS's AES-NI opts into vector registers; C does not). */
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);

    /* 4. Final page tables (W^X, NULL page unmapped), then physical memory. */
    boot_paging_init();
    core_memory_init();

    /* 5. The machine: cores and interrupt controllers from ACPI or the MP table. */
    if (core_platform_discover(boot_info.rsdp) < 0) {
        log_error("toril: no ACPI MADT and no MP table: cannot find the CPUs");
        core_power_fail(CORE_EXIT_BOOT);
    }

    /* 6. Per-core structures and stacks for every core, then core 0's own GDT, IDT, LAPIC, heap. */
    core_smp_prepare();
    core_smp_init_this_cpu(&core_cpus[0]);
    core_trap_enable_ist();
    core_ioapic_init();

    /* 7. Time: TSC calibration, wall clock, LAPIC timer rate. */
    core_time_init();
    core_lapic_timer_calibrate();
    core_cpus[0].tsc_stats = rdtsc();

    /* 8. Console input (IRQ 4 to core 0) and its poller in core 0's loop. */
    core_console_enable_input();
    core_loop_add(&(struct core_poller){.poll = console_poll, .name = "console"});
    /*    The drain coordinator (console `drain`) and the ACPI power button, which starts one. */
    core_drain_init();
    core_pwrbtn_init(); /* logs which button it found, or none */

    /* 9. Devices and services: PCI; the network first (one queue pair per core: its rings and
     *    buffers are allocated now, so the site's memory check below sees what is really
     *    free); the site's disk (virtio-blk, PCI else MMIO), handed to content as a block device
     *    and read into the content cache, with room kept for httpd's per-file headers and for
     *    what allocates later; one HTTP worker per networked core, whose per-file headers
     *    httpd builds from the cache.  Each core starts its lwIP instance in step 10. */
    virtio_pci_scan();
    size_t total_pages, free_before_net, free_after_net, free_before_cores, free_after_start;
    core_pmm_stats(&total_pages, &free_before_net);
    netstack_link_boot(); /* no network device: logged, Toril serves nothing over it */
    core_pmm_stats(&total_pages, &free_after_net);

    struct content_fat_dev disk, *site = NULL;
    int rc = virtio_blk_init();
    if (rc == 0) {
        disk = (struct content_fat_dev){
            .read = virtio_blk_read_ctx, .sectors = virtio_blk_sectors(), .name = "virtio-blk"};
        site = &disk;
    } else if (rc != -ENODEV) {
        log_error("toril: the site's disk could not be brought up (%d); stopping", rc);
        core_power_fail(CORE_EXIT_BOOT);
    }
    /* Memory kept for what allocates later: the connections' buffers (CONTENT_MEM_HEADROOM)
     * and what each core still takes when it starts (NETSTACK_MEM_PER_CORE). */
    uint64_t keep = CONTENT_MEM_HEADROOM + (uint64_t)core_ncpus * NETSTACK_MEM_PER_CORE;
    rc = content_boot(site, httpd_files_mem, keep); /* site NULL: no disk, serve nothing */
    if (rc < 0 && rc != -ENODEV) {
        log_error("toril: the site could not be loaded (%d); stopping", rc);
        core_power_fail(CORE_EXIT_BOOT);
    }
    if (httpd_server_boot() < 0) {
        log_error("toril: the HTTP server could not be set up; stopping");
        core_power_fail(CORE_EXIT_BOOT);
    }
    httpd_admin_boot(); /* admin_port=: /metrics and /healthz; logs its own failure */
    core_loop_on_each_cpu(echo_start);

    /* 10. The other cores, each with its own copy of the per-core window (lwIP's state) and
     *     page tables that show it; the page tables are final from here on.  Each core runs its
     *     per-core initialisers (stack, httpd worker, echo) as it enters its main loop. */
    core_pmm_stats(&total_pages, &free_before_cores);
    if (core_percpu_init() < 0)
        core_power_fail(CORE_EXIT_BOOT);
    unsigned online = core_smp_start();
    core_cpus[0].online = true;
    core_percpu_check_after_start(online);
    /* What the network took (queue rings and buffers, per-core windows and page tables, the
     * other cores' lwIP start-up): a figure to size MEM= by (NETSTACK_MEM_PER_CORE). */
    core_pmm_stats(&total_pages, &free_after_start);
    size_t net_kib = ((free_before_net - free_after_net) + (free_before_cores - free_after_start)) *
                     (CORE_PMM_PAGE_SIZE / 1024);
    log_info("memory: network and cores took %zu KiB (%zu KiB per core); %zu MiB free",
             net_kib, net_kib / online, free_after_start * CORE_PMM_PAGE_SIZE >> 20);
    log_info("toril: %u cpus online", online);

    /* 11. Test-only fault injection, then serve forever. */
    if (core_config->test != CORE_CONFIG_TEST_NONE)
        inject_fault(core_config->test);
    core_loop_run();
}

/* Recursion that the compiler cannot turn into a loop: each frame keeps a live array. */
static volatile unsigned recurse_limit = ~0u; /* volatile: the recursion is not provably endless */
static __attribute__((noinline)) unsigned recurse(unsigned depth)
{
    volatile char frame[256];
    frame[0] = (char)depth;
    if (depth == recurse_limit)
        return 0;
    return recurse(depth + 1) + frame[0];
}

static void inject_fault(enum core_config_test test)
{
    extern char __text_start[];
    switch (test) {
    case CORE_CONFIG_TEST_PANIC:
        panic("test: panic requested on the command line");
    case CORE_CONFIG_TEST_WX:
        log_info("test: writing to kernel text at %p", (void *)__text_start);
        *(volatile char *)__text_start = 0x90;
        break;
    case CORE_CONFIG_TEST_NULL:
        log_info("test: reading address 0");
        (void)*(volatile int *)0;
        break;
    case CORE_CONFIG_TEST_STACK:
        log_info("test: overflowing the kernel stack");
        recurse(0);
        break;
    case CORE_CONFIG_TEST_NONE:
        return;
    }
    panic("test: fault %d was not caught", (int)test);
}
