/*
 * IDT and interrupt dispatch.
 *
 * Exceptions (vectors 0..31) are fatal: a unikernel has no process to kill, and every fault is
 * a kernel bug or an injected test fault, so they go to panic with a register dump.  NMI is
 * how panic() stops the other cores.  Everything else is an interrupt: the timer, the wake-up
 * IPI and device vectors from core_irq_alloc().
 */
#include <errno.h>
#include <stdint.h>

#include "boot/boot.h"
#include "boot/gdt.h"
#include "core/cpu.h"
#include "core/irq.h"
#include "core/lapic.h"
#include "core/panic_trap.h"
#include "core/spinlock.h"
#include "core/trap.h"

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;       /* IST slot (0: current stack) */
    uint8_t type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate (clears IF) */
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct irq_slot {
    core_irq_handler fn; /* NULL: vector free */
    void *arg;
    const char *name;
};

extern char core_trap_stubs[]; /* core/trap_entry.S: 256 stubs, 16 bytes apart */

static struct idt_gate idt[256] __attribute__((aligned(16)));
/* Written under irq_lock before the vector is handed out; read by any core afterwards. */
static struct irq_slot irq_slots[256];
static struct spinlock irq_lock;
static uint64_t irq_counts[CORE_MAX_CPUS]; /* each core increments only its own */

void core_trap_init(void)
{
    for (int v = 0; v < 256; v++) {
        uintptr_t stub = (uintptr_t)core_trap_stubs + 16 * v;
        idt[v] = (struct idt_gate){
            .offset_lo = stub & 0xffff,
            .selector = BOOT_SEL_CODE64,
            .ist = 0,
            .type_attr = 0x8e,
            .offset_mid = (stub >> 16) & 0xffff,
            .offset_hi = stub >> 32,
        };
    }
}

void core_trap_enable_ist(void)
{
    /* Exceptions that mean the current stack may be unusable run on the IST stack. */
    idt[2].ist = BOOT_IST_FATAL;  /* NMI: can arrive anywhere */
    idt[8].ist = BOOT_IST_FATAL;  /* double fault */
    idt[14].ist = BOOT_IST_FATAL; /* page fault: a stack overflow hits the guard page */
    idt[18].ist = BOOT_IST_FATAL; /* machine check */
}

void core_trap_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof(idt) - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ptr));
}

int core_irq_alloc(core_irq_handler fn, void *arg, const char *name)
{
    int vector = -ENOSPC;
    core_spin_lock(&irq_lock);
    for (int v = TRAP_VECTOR_FIRST_DYNAMIC; v <= TRAP_VECTOR_LAST_DYNAMIC; v++) {
        if (!irq_slots[v].fn) {
            irq_slots[v] = (struct irq_slot){fn, arg, name};
            vector = v;
            break;
        }
    }
    core_spin_unlock(&irq_lock);
    return vector;
}

void core_irq_msi_message(int vector, uint32_t apic_id, uint64_t *addr, uint32_t *data)
{
    /* Intel SDM vol. 3, 11.11: address 0xfee00000 | destination id << 12, physical mode;
       data: vector, fixed delivery, edge. */
    *addr = 0xfee00000u | ((apic_id & 0xff) << 12);
    *data = (uint32_t)vector & 0xff;
}

uint64_t core_irq_count(unsigned cpu)
{
    return cpu < CORE_MAX_CPUS ? irq_counts[cpu] : 0;
}

void core_trap(struct trap_frame *f)
{
    if (f->vector < 32) {
        if (f->vector == 2)
            core_panic_nmi(f); /* another core panicked, or a real NMI */
        core_panic_trap(f);
    }

    struct cpu *c = core_cpu_self();
    irq_counts[c->id]++;
    switch (f->vector) {
    case TRAP_VECTOR_SPURIOUS:
        return; /* no EOI for the spurious vector */
    case TRAP_VECTOR_TIMER:
        c->wake_cause = CORE_WAKE_TIMER;
        break;
    case TRAP_VECTOR_IPI:
        c->wake_cause = CORE_WAKE_IPI;
        break;
    default:
        c->wake_cause = CORE_WAKE_IRQ;
        if (irq_slots[f->vector].fn)
            irq_slots[f->vector].fn(irq_slots[f->vector].arg);
        break;
    }
    core_lapic_eoi();
}
