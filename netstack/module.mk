# netstack/: one lwIP 2.1.3 per core (DESIGN.md "One lwIP per core").
#
# lwIP keeps its state in globals, so every core links its own copy:
#   1. lwIP's sources we use, plus the files of ours that belong inside a copy (instance.c:
#      netif glue and entry tables; timers.c: lwIP's timers), are compiled once with the kernel
#      flags into $(BUILD)/netstack/lwip/*.o;
#   2. `ld -r` links them into one relocatable, lwip-all.o, whose defined global symbols
#      (nm --defined-only -g) are listed in lwip-all.syms;
#   3. copy K is lwip-all.o with every one of those symbols renamed SYM -> netstack_cpuK_SYM
#      (objcopy --redefine-syms), for K = 0 .. NETSTACK_MAX_CPUS-1.  Undefined references
#      (memcpy, malloc, panic, core_time_ns, core_random_u64, sys_now, netstack_errno) are not
#      renamed: every copy shares the one kernel definition.
# netstack.c finds the copies' tables (netstack_cpuK_instance_ops, ..._if_ops) by name.
#
#   NETSTACK_MAX_CPUS=N   number of copies (default 8, at most 16 = CORE_MAX_CPUS); cores
#                         beyond it get no network stack.  Each copy costs its text and data
#                         again: see `make netstack-size`.
#   NETSTACK_OPT=-Os      optimization of the copies only (default -O2, like the kernel).
#
# Code that includes netstack/netstack.h (httpd) needs $(NETSTACK_CFLAGS) and $(DEPS_STAMP).

NETSTACK_MAX_CPUS ?= 8
NETSTACK_OPT      ?= -O2
OBJCOPY           ?= objcopy

# Include paths: our lwIP port headers (netstack/port: lwipopts.h, arch/cc.h) first, then lwIP's
# own.  The port headers have a folder of their own so that no other file of netstack/ can
# shadow a system header (netstack/limits.h would be found for <limits.h>).  Never
# $(LWIP_DIR)/port/include, which holds Debian's lwipopts.h.
NETSTACK_CFLAGS := -Inetstack/port -I$(LWIP_DIR)/src/include

# lwIP sources in every copy: the core, IPv4 (ARP, ICMP, DHCP), Ethernet, altcp over TCP.
# Not timeouts.c (replaced by netstack/timers.c), nor what our lwipopts.h turns off
# (raw, dns, igmp, autoip, ip4_frag, stats, the sequential API).
NETSTACK_LWIP_SRCS := \
	src/core/init.c src/core/def.c src/core/inet_chksum.c src/core/ip.c src/core/mem.c \
	src/core/memp.c src/core/netif.c src/core/pbuf.c src/core/tcp.c src/core/tcp_in.c \
	src/core/tcp_out.c src/core/udp.c src/core/altcp.c src/core/altcp_tcp.c \
	src/core/ipv4/etharp.c src/core/ipv4/icmp.c src/core/ipv4/ip4.c src/core/ipv4/ip4_addr.c \
	src/core/ipv4/dhcp.c src/netif/ethernet.c
# Ours, compiled into every copy.
NETSTACK_COPY_SRCS := netstack/instance.c netstack/timers.c
NETSTACK_COPY_HDRS := netstack/port/lwipopts.h netstack/port/arch/cc.h netstack/instance.h \
	netstack/netif.h netstack/netstack.h netstack/limits.h netstack/replicate.h netstack/echo.h \
	netstack/start.h

# Shared by all cores (ordinary kernel sources): copy lookup, sys_now, replication, echo.
NETSTACK_SHARED_SRCS := netstack/netstack.c netstack/replicate.c netstack/echo.c \
	netstack/start.c netstack/link.c
KERNEL_SRCS += $(NETSTACK_SHARED_SRCS)
NETSTACK_SHARED_OBJS := $(patsubst %.c,$(BUILD)/kernel/%.o,$(NETSTACK_SHARED_SRCS))
$(NETSTACK_SHARED_OBJS): KERNEL_CFLAGS += $(NETSTACK_CFLAGS) \
	-DNETSTACK_MAX_CPUS=$(NETSTACK_MAX_CPUS)
$(NETSTACK_SHARED_OBJS): $(DEPS_STAMP) $(BUILD)/netstack/max-cpus

# The copy count is baked into netstack.o and the list of copies: remember it, so that changing
# NETSTACK_MAX_CPUS rebuilds what depends on it.
$(BUILD)/netstack/max-cpus: _netstack_force
	@mkdir -p $(dir $@)
	@echo $(NETSTACK_MAX_CPUS) | cmp -s - $@ || echo $(NETSTACK_MAX_CPUS) > $@
.PHONY: _netstack_force
_netstack_force:

NETSTACK_IDS := $(shell seq 0 $$(( $(NETSTACK_MAX_CPUS) - 1 )))
NETSTACK_COPIES := $(foreach k,$(NETSTACK_IDS),$(BUILD)/netstack/copy/lwip$(k).o)
KERNEL_EXTRA_OBJS += $(NETSTACK_COPIES)

# lwIP's .c files appear with the stamp (make sources): without this rule a fresh checkout has
# no way to make them and the pattern rules below would not apply.
$(LWIP_DIR)/%.c: $(DEPS_STAMP) ;
.PRECIOUS: $(LWIP_DIR)/%.c # not intermediate files: make must never delete them

# netstack_copies: rules that build the copies for one compiler and flag set.
#   $(1) output folder  $(2) compiler  $(3) flags  $(4) the copies to build ($(1)/copy/lwipK.o)
# (A static pattern rule for the copies: a plain pattern would also offer to make the .d files
# the root Makefile -includes for every kernel object, through make's built-in link rule.)
define netstack_copies
$(1)/lwip/%.o: $$(LWIP_DIR)/%.c $$(DEPS_STAMP) $$(NETSTACK_COPY_HDRS) netstack/module.mk Makefile
	@mkdir -p $$(dir $$@)
	$(2) $(3) -c $$< -o $$@
$(1)/lwip/netstack/%.o: netstack/%.c $$(DEPS_STAMP) $$(NETSTACK_COPY_HDRS) netstack/module.mk Makefile
	@mkdir -p $$(dir $$@)
	$(2) $(3) -c $$< -o $$@
$(1)/lwip-all.o: $$(addprefix $(1)/lwip/,$$(NETSTACK_LWIP_SRCS:.c=.o) $$(NETSTACK_COPY_SRCS:.c=.o))
	$$(LD) -r -o $$@ $$^
$(1)/lwip-all.syms: $(1)/lwip-all.o
	$$(NM) --defined-only -g $$< | awk '{ print $$$$3 }' > $$@
$(4): $(1)/copy/lwip%.o: $(1)/lwip-all.o $(1)/lwip-all.syms
	@mkdir -p $$(dir $$@)
	awk -v p=netstack_cpu$$*_ '{ print $$$$1, p $$$$1 }' $(1)/lwip-all.syms > $$@.map
	$$(OBJCOPY) --redefine-syms=$$@.map $$< $$@
endef

# Kernel copies: the kernel's flags (the optimization level may differ: NETSTACK_OPT).
NETSTACK_KERNEL_CFLAGS = $(filter-out -O%,$(KERNEL_CFLAGS)) $(NETSTACK_OPT) $(NETSTACK_CFLAGS)
$(eval $(call netstack_copies,$(BUILD)/netstack,$(CC),$$(NETSTACK_KERNEL_CFLAGS),$(NETSTACK_COPIES)))

# make netstack-size: what each copy adds to the kernel (text, data, bss).
.PHONY: netstack-size
netstack-size: $(BUILD)/netstack/copy/lwip0.o
	@size $< | tail -1 | awk '{ printf "lwIP copy (%s): text %d, data %d, bss %d bytes; x %d copies\n", \
		"$(NETSTACK_OPT)", $$1, $$2, $$3, $(NETSTACK_MAX_CPUS) }'

# --- host tests -------------------------------------------------------------------------------
# The same copy mechanism with the host compiler: two instances wired back to back.

# (:= so that the tests' target-specific flags below do not leak into the copies.)
NETSTACK_HOST_CFLAGS := $(filter-out -Werror,$(HOST_CFLAGS)) $(NETSTACK_CFLAGS)
NETSTACK_HOST_COPIES := $(BUILD)/host/netstack/copy/lwip0.o $(BUILD)/host/netstack/copy/lwip1.o
$(eval $(call netstack_copies,$(BUILD)/host/netstack,$(HOST_CC),$$(NETSTACK_HOST_CFLAGS),$(NETSTACK_HOST_COPIES)))
NETSTACK_TEST_ENV := netstack/tests/host_env.c tests/host/log_host.c

$(eval $(call host_test,netstack/test_instances,netstack/tests/test_instances.c \
	netstack/netstack.c netstack/echo.c $(NETSTACK_TEST_ENV) $(NETSTACK_HOST_COPIES)))
$(eval $(call host_test,netstack/test_replicate,netstack/tests/test_replicate.c \
	netstack/replicate.c $(NETSTACK_TEST_ENV)))

NETSTACK_HOST_TESTS := $(BUILD)/host/netstack/test_instances $(BUILD)/host/netstack/test_replicate
$(NETSTACK_HOST_TESTS): HOST_CFLAGS += $(NETSTACK_CFLAGS)
# Two copies are linked into test_instances; the rings are tested with four cores.
$(BUILD)/host/netstack/test_instances: HOST_CFLAGS += -DNETSTACK_MAX_CPUS=2
$(BUILD)/host/netstack/test_replicate: HOST_CFLAGS += -DNETSTACK_MAX_CPUS=4
$(NETSTACK_HOST_TESTS): $(DEPS_STAMP) $(NETSTACK_COPY_HDRS) netstack/replicate.h \
	netstack/echo.h netstack/tests/host_env.h
