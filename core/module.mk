# core/: the per-core runtime.  Sources listed explicitly; memory.mk and config.mk add theirs.
KERNEL_SRCS += \
	core/main.c \
	core/console.c \
	core/logbuf.c \
	core/log_escape.c \
	core/shell.c \
	core/stats.c \
	core/panic.c \
	core/power.c \
	core/trap_entry.S \
	core/trap.c \
	core/lapic.c \
	core/ioapic.c \
	core/platform.c \
	core/fw_cfg.c \
	core/acpi.c \
	core/mptable.c \
	core/time.c \
	core/rtc.c \
	core/timer.c \
	core/loop.c \
	core/smp.c \
	core/percpu.c \
	core/memory.c \
	core/random.c \
	core/siphash.c \
	core/drain.c \
	core/pwrbtn.c

include core/memory.mk core/config.mk
