# boot/: PVH entry, long mode, page tables, GDT, AP trampoline.
KERNEL_SRCS += \
	boot/pvh.S \
	boot/trampoline.S \
	boot/info.c \
	boot/paging.c \
	boot/gdt.c
