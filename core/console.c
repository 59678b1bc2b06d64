/*
 * COM1 16550 driver and the kernel log (core/log.h).
 *
 * Why polled output: a log line is short, QEMU's UART never makes us wait, and a polled write
 * also works in panic() and before interrupts exist.  Its cost (two VM exits per byte) is why
 * log lines go through per-core buffers that only core 0 drains (core/logbuf.h).  Why a
 * private lock rather than core/spinlock.h: panic() must be able to give up on it after a
 * bounded wait.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/ioapic.h"
#include "core/irq.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/logbuf.h"
#include "core/ring.h"
#include "core/shell.h"
#include "core/time.h"
#include "core/x86.h"

#define COM1      0x3f8
#define UART_DATA 0 /* RBR (read) / THR (write) */
#define UART_IER  1 /* interrupt enable; bit 0: received data available */
#define UART_LCR  3 /* line control; bit 7: divisor latch access */
#define UART_MCR  4 /* modem control; OUT2 gates the interrupt line */
#define UART_LSR  5 /* line status; bit 0: data ready, bit 5: THR empty */
#define COM1_IRQ  4 /* ISA IRQ of COM1 */

#define INPUT_RING_SLOTS 256

/* Bytes from the UART interrupt (producer, core 0 interrupt context) to core 0's main loop. */
static struct core_ring input_ring;
static uint8_t input_slots[INPUT_RING_SLOTS];
/* Holder's core id + 1, 0 when free.  Taken with an atomic exchange. */
static volatile unsigned console_lock;

void core_console_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80); /* divisor latch */
    outb(COM1 + UART_DATA, 1);   /* 115200 baud */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, 0x03); /* 8N1 */
    /* The FIFO control register is left alone.  Turning the FIFOs on (or off) empties the
     * receive side, and at power-on they are off with the first byte already waiting in the
     * receive register: a command piped into the console before boot lost its first byte.
     * Without FIFOs the UART holds one byte and QEMU hands it the next once it is read, so
     * nothing is lost either way; output does not need them. */
    outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 */
    core_ring_init(&input_ring, input_slots, INPUT_RING_SLOTS, 1);
}

static void uart_putc(char c)
{
    for (unsigned spins = 0; !(inb(COM1 + UART_LSR) & 0x20) && spins < 100000; spins++)
        cpu_relax();
    outb(COM1 + UART_DATA, (uint8_t)c);
}

static void write_raw(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

static void lock(void)
{
    unsigned me = core_cpu_id() + 1;
    while (__atomic_exchange_n(&console_lock, me, __ATOMIC_ACQUIRE) != 0)
        while (console_lock)
            cpu_relax();
}

static void unlock(void)
{
    __atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

void core_console_write(const char *s, size_t n)
{
    uint64_t flags = irq_save(); /* no interrupt handler logs, but keep the hold time short */
    lock();
    write_raw(s, n);
    unlock();
    irq_restore(flags);
}

void core_console_write_panic(const char *s, size_t n)
{
    /* Wait a bounded time for a line in progress, then write regardless. */
    for (unsigned spins = 0; console_lock && spins < 10000000; spins++)
        cpu_relax();
    write_raw(s, n);
}

void core_log(enum log_level level, const char *fmt, ...)
{
    static const char *const tag[] = {"error: ", "warning: ", ""};
    static const char hex[] = "0123456789abcdef";
    char msg[CORE_LOG_LINE_MAX], line[CORE_LOG_LINE_MAX];
    uint64_t ms = core_time_ns() / 1000000;
    int n = snprintf(line, sizeof(line), "[%4llu.%03llu c%u] %s", (unsigned long long)(ms / 1000),
                     (unsigned long long)(ms % 1000), core_cpu_id(), tag[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    bool cut = (size_t)m >= sizeof(msg); /* vsnprintf cut it already */
    if (cut)
        m = sizeof(msg) - 1;
    /* Copy the message; a byte outside 0x20..0x7e (a control character or a non-ASCII byte
     * in a name read from the disk, say) becomes \xHH, so that no value can end the line,
     * move the cursor or fake a line of its own.  Callers escape '"' and '\' in the fields
     * where quoting matters (core_log_escape). */
    for (int i = 0; i < m; i++) {
        unsigned char c = (unsigned char)msg[i];
        int need = (c < 0x20 || c > 0x7e) ? 4 : 1;
        if (n + need > (int)sizeof(line) - 2) {
            cut = true;
            break;
        }
        if (need == 1) {
            line[n++] = (char)c;
        } else {
            line[n++] = '\\';
            line[n++] = 'x';
            line[n++] = hex[c >> 4];
            line[n++] = hex[c & 15];
        }
    }
    if (cut) {
        if (n > (int)sizeof(line) - 2)
            n = sizeof(line) - 2;
        line[n - 3] = line[n - 2] = line[n - 1] = '.'; /* truncated: mark it rather than drop it */
    }
    line[n++] = '\n';
    core_logbuf_put(line, n); /* this core's log buffer once core 0 drains them, else the UART */
}

/* Interrupt context, core 0: move received bytes into the ring; the main loop does the rest. */
static void uart_irq(void *arg)
{
    while (inb(COM1 + UART_LSR) & 0x01) {
        uint8_t c = inb(COM1 + UART_DATA);
        core_ring_try_push(&input_ring, &c); /* full ring: the byte is dropped (typing too fast) */
    }
}

void core_console_enable_input(void)
{
    core_logbuf_init(); /* from here on, log lines go through core 0's main loop */
    int vector = core_irq_alloc(uart_irq, NULL, "com1");
    if (vector < 0) {
        log_error("console: no interrupt vector for input");
        return;
    }
    if (core_ioapic_route_isa(COM1_IRQ, vector, core_cpus[0].apic_id) < 0) {
        log_error("console: COM1 interrupt not routable, no console input");
        return;
    }
    outb(COM1 + UART_IER, 0x01);
    uart_irq(NULL); /* bytes that came before the interrupt was enabled */
}

bool core_console_poll(void)
{
    uint8_t c;
    bool any = false;
    while (core_ring_try_pop(&input_ring, &c)) {
        core_shell_input((char)c);
        any = true;
    }
    return any;
}
