/*
 * SMP bring-up.  Core 0 copies boot/trampoline.S below 1 MiB, then for each AP: fills the
 * mailbox (early page tables, stack, struct cpu, entry point), sends INIT, waits 10 ms, sends
 * STARTUP (and a second one if the first is not answered, per the MP spec's universal start-up
 * algorithm), and waits for the AP to report online before the next (the mailbox is single).
 */
#include <stdint.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/gdt.h"
#include "boot/paging.h"
#include "core/cpu.h"
#include "core/lapic.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/platform.h"
#include "core/pmm.h"
#include "core/smp.h"
#include "core/time.h"
#include "core/trap.h"
#include "core/x86.h"

#define AP_START_TIMEOUT_MS 2000 /* TCG on a loaded host can take a while to start a vCPU */

/* One core's stacks, each with a guard page below it (unmapped: an overflow faults).  Taken
 * from the page allocator for the cores that exist, so the image does not carry stacks for
 * CORE_MAX_CPUS cores. */
struct cpu_stacks {
    char guard[4096];
    char stack[CORE_STACK_SIZE];
    char ist_guard[4096];
    char ist[CORE_IST_SIZE];
};
_Static_assert(sizeof(struct cpu_stacks) % 4096 == 0, "stacks must be whole pages");

struct cpu core_cpus[CORE_MAX_CPUS];
unsigned core_ncpus = 1;

extern char boot_trampoline_start[], boot_trampoline_end[], boot_stack_top[], boot_stack_guard[],
    boot_pml4[];

/* This core's APIC id from CPUID (the LAPIC itself is not mapped yet): leaf 0xb gives the
 * 32-bit x2APIC id where it exists, leaf 1 the 8-bit initial APIC id. */
static uint32_t boot_apic_id(void)
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a >= 0xb) {
        cpuid(0xb, 0, &a, &b, &c, &d);
        if (b != 0)
            return d;
    }
    cpuid(1, 0, &a, &b, &c, &d);
    return b >> 24;
}

void core_smp_prepare(void)
{
    uint32_t bsp = boot_apic_id();
    unsigned next = 1;
    unsigned n = core_platform.ncpus + 1; /* + 1: the BSP may be missing from the list */
    struct cpu_stacks *stacks = core_pmm_alloc(n * sizeof(struct cpu_stacks) / 4096);
    if (stacks == NULL)
        panic("%s: no memory for the stacks of %u cores (%zu KiB each)", __func__, n,
              sizeof(struct cpu_stacks) / 1024);
    /* Core 0 is the one running this (the BSP), whatever its place in the MADT. */
    core_cpus[0].apic_id = bsp;
    core_cpus[0].stack_top = boot_stack_top; /* it keeps the boot stack */
    for (unsigned i = 0; i < core_platform.ncpus; i++) {
        if (core_platform.apic_ids[i] == bsp)
            continue;
        if (next == CORE_MAX_CPUS)
            break;
        core_cpus[next].id = next;
        core_cpus[next].apic_id = core_platform.apic_ids[i];
        core_cpus[next].stack_top = stacks[next].stack + CORE_STACK_SIZE;
        next++;
    }
    for (unsigned i = 0; i < next; i++) {
        core_cpus[i].self = &core_cpus[i];
        core_cpus[i].ist_top = stacks[i].ist + CORE_IST_SIZE;
        boot_paging_unmap_guard(stacks[i].guard);
        boot_paging_unmap_guard(stacks[i].ist_guard);
    }
    boot_paging_unmap_guard(boot_stack_guard); /* core 0's stack is the boot stack */
    core_ncpus = next;
    boot_gdt_init(core_ncpus);
}

void core_smp_init_this_cpu(struct cpu *c)
{
    wrmsr(MSR_GS_BASE, (uintptr_t)c);
    boot_gdt_load(c);
    core_trap_load();
    core_lapic_init(core_platform.lapic_base);
    core_heap_init(&c->heap, c->id);
}

/* The AP's first C code, on its own stack, still on the early page tables. */
__attribute__((noreturn)) void boot_ap_main(struct cpu *c);
void boot_ap_main(struct cpu *c)
{
    write_cr3(c->cr3); /* the master tables with this core's own per-core window */
    /* Same SSE/FPU state as core 0: see core_main(). */
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    core_smp_init_this_cpu(c);
    core_percpu_check_this_cpu();
    c->tsc_stats = rdtsc();
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    core_loop_run();
}

static bool wait_online(struct cpu *c, uint64_t ms)
{
    uint64_t until = core_time_ns() + ms * 1000000;
    while (core_time_ns() < until) {
        if (__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
            return true;
        cpu_relax();
    }
    return false;
}

static void delay_us(uint64_t us)
{
    uint64_t until = core_time_ns() + us * 1000;
    while (core_time_ns() < until)
        cpu_relax();
}

unsigned core_smp_start(void)
{
    size_t len = boot_trampoline_end - boot_trampoline_start;
    if (len > BOOT_MAILBOX - BOOT_TRAMPOLINE_BASE)
        panic("%s: trampoline of %zu bytes overlaps its mailbox", __func__, len);
    memcpy((void *)BOOT_TRAMPOLINE_BASE, boot_trampoline_start, len);
    volatile uint8_t *mb = (volatile uint8_t *)BOOT_MAILBOX;
    *(volatile uint32_t *)(mb + BOOT_MB_CR3) = (uint32_t)(uintptr_t)boot_pml4;
    *(volatile uint64_t *)(mb + BOOT_MB_ENTRY) = (uintptr_t)boot_ap_main;

    unsigned online = 1;
    for (unsigned i = 1; i < core_ncpus; i++) {
        struct cpu *c = &core_cpus[i];
        *(volatile uint64_t *)(mb + BOOT_MB_STACK) = (uintptr_t)c->stack_top;
        *(volatile uint64_t *)(mb + BOOT_MB_CPU) = (uintptr_t)c;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        core_lapic_send_init(c->apic_id);
        delay_us(1000); /* INIT settles at once under QEMU; real hardware wanted 10 ms */
        core_lapic_send_startup(c->apic_id, BOOT_TRAMPOLINE_BASE >> 12);
        if (!wait_online(c, 10)) {
            core_lapic_send_startup(c->apic_id, BOOT_TRAMPOLINE_BASE >> 12);
            if (!wait_online(c, AP_START_TIMEOUT_MS)) {
                /* It may still wake up later and use the mailbox: start no more cores. */
                log_error("smp: cpu%u (apic id %u) did not start; running on %u cpus", i,
                          c->apic_id, i);
                core_ncpus = i;
                break;
            }
        }
        online++;
    }
    return online;
}
