/*
 * panic(): report and power off.  Also the report for fatal exceptions (core/trap.c).
 *
 * Order of events: claim the panic (the first core wins; a second panicking core stops), stop
 * the other cores with an NMI so they cannot keep changing state or interleave output, print
 * the message, registers and a frame-pointer backtrace with symbol names from the kernel's
 * own symbol table (scripts/gen-ksyms), then exit QEMU with a failure code.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/lapic.h"
#include "core/panic.h"
#include "core/panic_trap.h"
#include "core/power.h"
#include "core/x86.h"

#define BACKTRACE_MAX 24

/* Kernel symbol table (scripts/gen-ksyms), sorted by address. */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __kernel_end[];
extern char boot_stack_guard[];

/* Core id + 1 of the core that is panicking, 0 while none is. */
static volatile unsigned panic_owner;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    if (n > 0)
        core_console_write_panic(buf, n);
}

/* Name and offset of the function containing `pc`, or NULL. */
static const char *symbolize(uint64_t pc, uint64_t *off)
{
    uint64_t lo = 0, hi = ksyms_count;
    if (pc < (uintptr_t)__text_start || pc >= (uintptr_t)__text_end || hi == 0)
        return NULL;
    while (hi - lo > 1) { /* largest i with ksyms_addr[i] <= pc */
        uint64_t mid = (lo + hi) / 2;
        if (ksyms_addr[mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if (ksyms_addr[lo] > pc)
        return NULL;
    *off = pc - ksyms_addr[lo];
    return ksyms_names + ksyms_name_off[lo];
}

static void print_pc(const char *prefix, uint64_t pc)
{
    uint64_t off;
    const char *name = symbolize(pc, &off);
    if (name)
        out("%s%016llx %s+%#llx\n", prefix, (unsigned long long)pc, name, (unsigned long long)off);
    else
        out("%s%016llx ?\n", prefix, (unsigned long long)pc);
}

/* Walk the frame-pointer chain.  Every frame is checked before it is read: a corrupt chain
 * must not fault inside panic. */
static void backtrace(uint64_t rbp)
{
    out("backtrace:\n");
    for (int i = 0; i < BACKTRACE_MAX && rbp; i++) {
        if (rbp & 7 || rbp < (uintptr_t)__rodata_end || rbp + 16 > (uintptr_t)__kernel_end)
            break; /* stacks live in the kernel's .bss */
        uint64_t ret = ((uint64_t *)rbp)[1];
        if (ret == 0)
            break;
        print_pc("  ", ret);
        uint64_t next = ((uint64_t *)rbp)[0];
        if (next <= rbp)
            break; /* stacks grow down: the chain must go up */
        rbp = next;
    }
}

/* First core to get here owns the panic; others stop.  Returns false on a nested panic of the
 * owner (then only the exit remains). */
static bool claim(void)
{
    irq_disable();
    unsigned me = core_cpu_id() + 1;
    unsigned prev = 0;
    if (!__atomic_compare_exchange_n(&panic_owner, &prev, me, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        if (prev == me)
            return false;
        for (;;)
            __asm__ volatile("hlt"); /* someone else is reporting; the machine goes down */
    }
    core_lapic_nmi_others();
    return true;
}

void panic(const char *fmt, ...)
{
    if (!claim()) {
        out("\nnested panic\n");
        core_power_fail(CORE_EXIT_PANIC);
    }
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    out("\nPANIC on cpu%u: %s\n", core_cpu_id(), msg);
    backtrace((uintptr_t)__builtin_frame_address(0));
    core_power_fail(CORE_EXIT_PANIC);
}

static const char *const exception_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 floating point",
    "alignment check",
    "machine check",
    "SIMD floating point",
    "virtualization",
    "control protection",
};

/* What a page-fault address is, in words a reader of the report needs. */
static const char *fault_region(uint64_t addr)
{
    if (addr < 4096)
        return "NULL page";
    if (addr >= (uintptr_t)__text_start && addr < (uintptr_t)__text_end)
        return "kernel text (read-only)";
    if (addr >= (uintptr_t)__rodata_start && addr < (uintptr_t)__rodata_end)
        return "kernel rodata (read-only)";
    if (addr >= (uintptr_t)boot_stack_guard && addr < (uintptr_t)boot_stack_guard + 4096)
        return "stack guard page (stack overflow)";
    for (unsigned i = 0; i < core_ncpus; i++) {
        uint64_t top = (uintptr_t)core_cpus[i].stack_top;
        if (top && addr < top - CORE_STACK_SIZE && addr >= top - CORE_STACK_SIZE - 4096)
            return "stack guard page (stack overflow)";
    }
    return "unmapped or protected memory";
}

static void dump_registers(const struct trap_frame *f)
{
    out("rip %016llx rsp %016llx rflags %#llx\n", (unsigned long long)f->rip,
        (unsigned long long)f->rsp, (unsigned long long)f->rflags);
    out("rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)f->rax,
        (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    out("rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)f->rsi,
        (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
    out("r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", (unsigned long long)f->r9,
        (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
    out("r13 %016llx r14 %016llx r15 %016llx cr3 %016llx\n", (unsigned long long)f->r13,
        (unsigned long long)f->r14, (unsigned long long)f->r15, (unsigned long long)read_cr3());
}

void core_panic_trap(const struct trap_frame *f)
{
    if (!claim()) {
        out("\nnested exception %llu\n", (unsigned long long)f->vector);
        core_power_fail(CORE_EXIT_PANIC);
    }
    const char *name = exception_names[f->vector] ? exception_names[f->vector] : "exception";
    out("\nPANIC on cpu%u: %s (vector %llu, error %#llx)\n", core_cpu_id(), name,
        (unsigned long long)f->vector, (unsigned long long)f->error);
    if (f->vector == 14) {
        uint64_t cr2 = read_cr2();
        /* Page-fault error code: bit 0 present, 1 write, 4 instruction fetch. */
        const char *access = f->error & 16 ? "execute" : f->error & 2 ? "write" : "read";
        out("page fault: %s of %#llx (%s, %s)\n", access, (unsigned long long)cr2,
            f->error & 1 ? "protection violation" : "not present", fault_region(cr2));
    }
    dump_registers(f);
    print_pc("at ", f->rip);
    backtrace(f->rbp);
    core_power_fail(CORE_EXIT_PANIC);
}

void core_panic_nmi(const struct trap_frame *f)
{
    if (panic_owner != 0) {
        for (;;) /* stopped by the panicking core; the machine is about to go down */
            __asm__ volatile("cli; hlt");
    }
    core_panic_trap(f);
}
