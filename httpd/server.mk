# httpd/server.c: the connection layer on each core's lwIP instance (netstack/netstack.h) and
# the content cache.  Kept apart from module.mk (the protocol layer, which builds for host tests
# and the fuzzer without lwIP).
KERNEL_SRCS += httpd/server.c httpd/config.c httpd/budget.c httpd/log.c
$(BUILD)/kernel/httpd/server.o: KERNEL_CFLAGS += $(NETSTACK_CFLAGS)
$(BUILD)/kernel/httpd/server.o: $(DEPS_STAMP)


# httpd/admin.c: the admin endpoint (admin_port=: /metrics, /healthz), its own listener on each
# core, apart from the HTTP worker.
KERNEL_SRCS += httpd/admin.c
$(BUILD)/kernel/httpd/admin.o: KERNEL_CFLAGS += $(NETSTACK_CFLAGS)
$(BUILD)/kernel/httpd/admin.o: $(DEPS_STAMP)
# The version /metrics reports (toril_build_info): git describe of the tree built.
TORIL_VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/kernel/httpd/admin.o: KERNEL_CFLAGS += -DTORIL_VERSION='"$(TORIL_VERSION)"'
