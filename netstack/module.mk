# netstack/: one lwIP 2.1.3 per core, from ONE copy of its code.
#
# lwIP keeps its state in globals.  Its code is linked once; its data is per core: every core
# sees its own copy of lwIP's globals at the same virtual address, through its own page tables
# (core/percpu.h, boot/paging.c).  How the build gets there:
#   1. lwIP's sources we use, plus the files of ours whose globals are part of an instance
#      (instance.c: netif glue and transmit backlog; timers.c: lwIP's timers), are compiled with
#      the kernel flags into $(BUILD)/netstack/lwip/*.o;
#   2. `ld -r` links them into one relocatable, lwip-all.o;
#   3. lwip-percpu.o is lwip-all.o with its .data and .bss renamed .percpu.data and
#      .percpu.bss (objcopy --rename-section; also .data.rel*, which only the position-
#      independent host build has): boot/linker.ld gathers those into the per-core
#      window, and nothing else goes there.  So the rule "only an instance's own state is per
#      core" is kept by construction, and checked after the link (scripts/check-percpu).
# Code that calls lwIP (httpd, echo) is ordinary kernel code: it runs on its own core, whose
# page tables show that core's lwIP state.
#
#   NETSTACK_OPT=-Os      optimization of the lwIP objects only (default -O2, like the kernel).
#
# Code that includes lwIP headers (httpd) needs $(NETSTACK_CFLAGS) and $(DEPS_STAMP).

NETSTACK_OPT      ?= -O2
OBJCOPY           ?= objcopy

# Include paths: our lwIP port headers (netstack/port: lwipopts.h, arch/cc.h) first, then lwIP's
# own.  The port headers have a folder of their own so that no other file of netstack/ can
# shadow a system header (netstack/limits.h would be found for <limits.h>).  Never
# $(LWIP_DIR)/port/include, which holds Debian's lwipopts.h.
NETSTACK_CFLAGS := -Inetstack/port -I$(LWIP_DIR)/src/include

# lwIP sources we link: the core, IPv4 (ARP, ICMP, DHCP), Ethernet, altcp over TCP.
# Not timeouts.c (replaced by netstack/timers.c), nor what our lwipopts.h turns off
# (raw, dns, igmp, autoip, ip4_frag, stats, the sequential API).
NETSTACK_LWIP_SRCS := \
	src/core/init.c src/core/def.c src/core/inet_chksum.c src/core/ip.c src/core/mem.c \
	src/core/memp.c src/core/netif.c src/core/pbuf.c src/core/tcp.c src/core/tcp_in.c \
	src/core/tcp_out.c src/core/udp.c src/core/altcp.c src/core/altcp_tcp.c \
	src/core/ipv4/etharp.c src/core/ipv4/icmp.c src/core/ipv4/ip4.c src/core/ipv4/ip4_addr.c \
	src/core/ipv4/dhcp.c src/netif/ethernet.c
# Ours, whose globals belong to the instance (per core, like lwIP's).
NETSTACK_INSTANCE_SRCS := netstack/instance.c netstack/timers.c
NETSTACK_INSTANCE_HDRS := netstack/port/lwipopts.h netstack/port/arch/cc.h \
	netstack/instance.h netstack/netif.h netstack/netstack.h netstack/limits.h netstack/hooks.h

# Shared by all cores (ordinary kernel sources, ordinary data): the link between each core's
# queue pair and its stack, the DHCP lease sharing, ARP replication, the echo service, glue.
NETSTACK_SHARED_SRCS := netstack/netstack.c netstack/replicate.c netstack/echo.c \
	netstack/lease.c netstack/link.c netstack/config.c netstack/tcpinfo.c netstack/tcpguard.c \
	netstack/tcpguard_stats.c
KERNEL_SRCS += $(NETSTACK_SHARED_SRCS)
NETSTACK_SHARED_OBJS := $(patsubst %.c,$(BUILD)/kernel/%.o,$(NETSTACK_SHARED_SRCS))
$(NETSTACK_SHARED_OBJS): KERNEL_CFLAGS += $(NETSTACK_CFLAGS)
$(NETSTACK_SHARED_OBJS): $(DEPS_STAMP)

KERNEL_EXTRA_OBJS += $(BUILD)/netstack/lwip-percpu.o

# lwIP's .c files appear with the stamp (make sources): without this rule a fresh checkout has
# no way to make them and the pattern rules below would not apply.
$(LWIP_DIR)/%.c: $(DEPS_STAMP) ;
.PRECIOUS: $(LWIP_DIR)/%.c # not intermediate files: make must never delete them

# Our changes to lwIP (netstack/lwip-patches/*.patch, each saying what and why) are applied at
# build time to a copy of Debian's src/ in $(LWIP_PATCHED) (scripts/deps.mk, deps_patched);
# lwIP's objects compile from the copy, Debian's tree stays as fetched.
NETSTACK_LWIP_PATCHES := $(sort $(wildcard netstack/lwip-patches/*.patch))
LWIP_PATCHED := $(BUILD)/lwip-patched
$(eval $(call deps_patched,$(LWIP_PATCHED),$(LWIP_DIR),src,$(NETSTACK_LWIP_PATCHES)))

# netstack_lwip: rules that build lwip-percpu.o for one compiler and flag set.
#   $(1) output folder  $(2) compiler  $(3) flags  $(4) the names of the renamed data sections
#   (the kernel's linker script wants .percpu.data/.percpu.bss; the host tests want names that
#   are C identifiers, so the linker provides __start_/__stop_ symbols for them)
#   $(5) more objects whose state is per core: the kernel's TLS (tls/module.mk sets
#   NETSTACK_PERCPU_EXTRA_OBJS: lwIP's altcp_tls and mbedTLS); the host tests have none
define netstack_lwip
$(1)/lwip/%.o: $$(LWIP_PATCHED)/%.c $$(LWIP_PATCHED)/.stamp $$(NETSTACK_INSTANCE_HDRS) netstack/module.mk Makefile
	@mkdir -p $$(dir $$@)
	$(2) $(3) -c $$< -o $$@
$(1)/lwip/netstack/%.o: netstack/%.c $$(DEPS_STAMP) $$(NETSTACK_INSTANCE_HDRS) netstack/module.mk Makefile
	@mkdir -p $$(dir $$@)
	$(2) $(3) -c $$< -o $$@
$(1)/lwip-all.o: $$(addprefix $(1)/lwip/,$$(NETSTACK_LWIP_SRCS:.c=.o) $$(NETSTACK_INSTANCE_SRCS:.c=.o)) $(5)
	$$(LD) -r -o $$@ $$^
$(1)/lwip-percpu.o: $(1)/lwip-all.o scripts/check-percpu
	scripts/check-percpu --sections $$<
	$$(OBJCOPY) --rename-section .data=$(word 1,$(4)) --rename-section .data.rel=$(word 1,$(4)) \
		--rename-section .data.rel.local=$(word 1,$(4)) --rename-section .bss=$(word 2,$(4)) $$< $$@
endef

NETSTACK_KERNEL_CFLAGS = $(filter-out -O%,$(KERNEL_CFLAGS)) $(NETSTACK_OPT) $(NETSTACK_CFLAGS)
$(eval $(call netstack_lwip,$(BUILD)/netstack,$(CC),$$(NETSTACK_KERNEL_CFLAGS),.percpu.data .percpu.bss,$(NETSTACK_PERCPU_EXTRA_OBJS)))

# make netstack-size: what lwIP adds to the kernel (text once; data and bss once per core).
.PHONY: netstack-size
netstack-size: $(BUILD)/netstack/lwip-percpu.o
	@size $< | tail -1 | awk '{ printf "lwIP (%s): text %d bytes once; data %d + bss %d bytes per core\n", \
		"$(NETSTACK_OPT)", $$1, $$2, $$3 }'

# --- host tests -------------------------------------------------------------------------------
# The same lwIP object with the host compiler: two instances wired back to back in one process.
# A host process has one address space, so netstack/tests/host_cores.c plays the page tables:
# entering core K copies K's saved lwIP state into the (renamed) data sections and saves the
# previous core's.  Global redzones (ASan) are left out of lwIP's objects, so those sections
# hold only lwIP's variables and can be copied whole; heap and stack checks stay on.

# (:= so that the tests' target-specific flags below do not leak into the lwIP objects.)
NETSTACK_HOST_CFLAGS := $(filter-out -Werror,$(HOST_CFLAGS)) $(NETSTACK_CFLAGS) --param asan-globals=0
$(eval $(call netstack_lwip,$(BUILD)/host/netstack,$(HOST_CC),$$(NETSTACK_HOST_CFLAGS),netstack_percpu_data netstack_percpu_bss))
NETSTACK_TEST_ENV := netstack/tests/host_env.c tests/host/log_host.c
# What lwIP's hooks (netstack/hooks.h) call: every test that links lwIP links these.
NETSTACK_HOOK_SRCS := netstack/tcpguard.c netstack/tcpinfo.c core/siphash.c

NETSTACK_INSTANCES_TEST_SRCS := netstack/tests/test_instances.c netstack/tests/host_wire.c \
	netstack/tests/host_cores.c netstack/netstack.c netstack/echo.c $(NETSTACK_TEST_ENV) \
	$(NETSTACK_HOOK_SRCS) $(BUILD)/host/netstack/lwip-percpu.o
$(eval $(call host_test,netstack/test_instances,$(NETSTACK_INSTANCES_TEST_SRCS)))
# The same over a wire that completes checksums and segments like a device: large segments.
$(eval $(call host_test,netstack/test_instances_tso,$(NETSTACK_INSTANCES_TEST_SRCS)))
$(BUILD)/host/netstack/test_instances_tso: HOST_CFLAGS += -DTEST_WIRE_OFFLOADS
$(eval $(call host_test,netstack/test_replicate,netstack/tests/test_replicate.c \
	netstack/replicate.c $(NETSTACK_TEST_ENV)))
# The link layer: link.c between the virtio-net driver on the fake device (virtio/tests/) and
# two cores' instances, with the main loop, timers and stats played by the test.
$(eval $(call host_test,netstack/test_link,netstack/tests/test_link.c netstack/link.c \
	netstack/lease.c netstack/replicate.c netstack/netstack.c netstack/echo.c netstack/config.c \
	netstack/tests/host_cores.c $(NETSTACK_TEST_ENV) virtio/net.c virtio/virtq.c virtio/virtio.c \
	virtio/tests/fake_device.c $(NETSTACK_HOOK_SRCS) netstack/tcpguard_stats.c \
	$(BUILD)/host/netstack/lwip-percpu.o))

# The send-progress rule's view of a pcb (pure: a plain struct stands in for lwIP's).
$(eval $(call host_test,netstack/test_tcpinfo,netstack/tests/test_tcpinfo.c netstack/tcpinfo.c))

NETSTACK_HOST_TESTS := $(BUILD)/host/netstack/test_instances \
	$(BUILD)/host/netstack/test_instances_tso $(BUILD)/host/netstack/test_replicate \
	$(BUILD)/host/netstack/test_link $(BUILD)/host/netstack/test_tcpinfo
$(NETSTACK_HOST_TESTS): HOST_CFLAGS += $(NETSTACK_CFLAGS)
$(NETSTACK_HOST_TESTS): $(DEPS_STAMP) $(NETSTACK_INSTANCE_HDRS) netstack/replicate.h \
	netstack/echo.h netstack/tests/host_env.h netstack/tests/host_cores.h \
	netstack/tests/host_wire.h
