# httpd/server.c: the connection layer on the per-core lwIP copies (netstack/netstack.h) and the
# content cache.  Kept apart from module.mk (the protocol layer, which builds for host tests and
# the fuzzer without lwIP).
KERNEL_SRCS += httpd/server.c
$(BUILD)/kernel/httpd/server.o: KERNEL_CFLAGS += $(NETSTACK_CFLAGS) \
	-DNETSTACK_MAX_CPUS=$(NETSTACK_MAX_CPUS)
$(BUILD)/kernel/httpd/server.o: $(DEPS_STAMP) $(BUILD)/netstack/max-cpus
