# core/: command line, configuration, rings.  Included by core/module.mk.
KERNEL_SRCS += core/cmdline.c core/config.c

# The parse of the whole command line: core's keys and every module's (each registers its own).
$(eval $(call host_test,core/test_cmdline,core/tests/test_cmdline.c core/cmdline.c core/config.c \
	netstack/config.c httpd/config.c virtio/config.c tests/host/log_host.c))
$(eval $(call host_test,core/test_ring,core/tests/test_ring.c))
$(eval $(call host_test,core/test_log_escape,core/tests/test_log_escape.c core/log_escape.c))

# SipHash-2-4 against the reference vectors (key 00..0f, messages 00..len-1).
$(eval $(call host_test,core/test_siphash,core/tests/test_siphash.c core/siphash.c))
