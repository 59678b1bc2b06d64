# libc/: the kernel's small freestanding C library.  Its headers (libc/include) are on the
# kernel's -isystem path; malloc and free are core/heap's, abort() is core's.

$(eval $(call host_test,libc/test_ctype,libc/tests/test_ctype.c libc/tests/ctype_glibc.c))

LIBC_HOST_TESTS := $(BUILD)/host/libc/test_ctype
# The host_test rule lists only .c files: rebuild the tests when a header they use changes.
$(LIBC_HOST_TESTS): libc/host_names.h libc/tests/libc_host.h libc/tests/ctype_glibc.h \
	libc/include/ctype.h libc/include/errno.h libc/include/stdio.h libc/include/stdlib.h \
	libc/include/string.h
