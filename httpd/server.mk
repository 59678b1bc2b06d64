# httpd/worker.c (each core's worker: listeners, drain, stats) and httpd/conn.c (its connections)
# on each core's lwIP instance (netstack/netstack.h) and the content cache.  Kept apart from
# module.mk (the protocol layer, which builds for host tests and the fuzzer without lwIP).
HTTPD_SERVER_SRCS := httpd/worker.c httpd/conn.c
KERNEL_SRCS += $(HTTPD_SERVER_SRCS) httpd/config.c httpd/budget.c httpd/log.c
$(BUILD)/kernel/httpd/worker.o $(BUILD)/kernel/httpd/conn.o: KERNEL_CFLAGS += $(NETSTACK_CFLAGS)
$(BUILD)/kernel/httpd/worker.o $(BUILD)/kernel/httpd/conn.o: $(DEPS_STAMP)


# httpd/admin.c: the admin endpoint (admin_port=: /metrics, /healthz), its own listener on each
# core, apart from the HTTP worker.
KERNEL_SRCS += httpd/admin.c
$(BUILD)/kernel/httpd/admin.o: KERNEL_CFLAGS += $(NETSTACK_CFLAGS)
$(BUILD)/kernel/httpd/admin.o: $(DEPS_STAMP)
# The version /metrics reports (toril_build_info): git describe of the tree built.
TORIL_VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/kernel/httpd/admin.o: KERNEL_CFLAGS += -DTORIL_VERSION='"$(TORIL_VERSION)"'

# Host test of the worker and its connections: worker.c and conn.c (with the rest of httpd/) on
# core 0's lwIP instance, clients on core 1's, wired back to back (netstack/tests/host_wire.c) on
# a fake clock, over a stand-in content cache.  The link wraps malloc and friends (each live block
# is booked to the core that made it: the per-core heap statistics httpd/budget.c reads) and
# host_core_enter (which then also sets the GS base that core_cpu_id() reads).
HTTPD_SERVER_TEST_SRCS := httpd/tests/test_server.c $(HTTPD_SERVER_SRCS) httpd/config.c \
	httpd/budget.c httpd/log.c $(HTTPD_FILES_SRCS) $(HTTPD_SRCS) core/config.c core/cmdline.c \
	core/log_escape.c netstack/netstack.c $(NETSTACK_HOOK_SRCS) netstack/tests/host_wire.c \
	netstack/tests/host_cores.c $(NETSTACK_TEST_ENV) $(LLHTTP_HOBJS) \
	$(BUILD)/host/netstack/lwip-percpu.o
$(eval $(call host_test,httpd/test_server,$(HTTPD_SERVER_TEST_SRCS)))
$(BUILD)/host/httpd/test_server: HOST_CFLAGS += $(LLHTTP_CFLAGS) $(NETSTACK_CFLAGS) -I$(BUILD)/httpd
$(BUILD)/host/httpd/test_server: HOST_LDLIBS += -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
	-Wl,--wrap=free,--wrap=host_core_enter
$(BUILD)/host/httpd/test_server: $(HTTPD_MIME_TABLE) $(DEPS_STAMP) $(HTTPD_HDRS) httpd/server.h \
	httpd/worker.h httpd/budget.h httpd/log.h httpd/config.h $(NETSTACK_INSTANCE_HDRS) \
	netstack/tcpinfo.h netstack/tests/host_wire.h netstack/tests/host_cores.h \
	netstack/tests/host_env.h tls/tls.h
