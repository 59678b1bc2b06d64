# httpd/server.c: the connection layer on each core's lwIP instance (netstack/netstack.h) and
# the content cache.  Kept apart from module.mk (the protocol layer, which builds for host tests
# and the fuzzer without lwIP).
KERNEL_SRCS += httpd/server.c httpd/config.c httpd/budget.c httpd/log.c
$(BUILD)/kernel/httpd/server.o: KERNEL_CFLAGS += $(NETSTACK_CFLAGS)
$(BUILD)/kernel/httpd/server.o: $(DEPS_STAMP)
