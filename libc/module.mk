# libc/: the kernel's small freestanding C library.  Its headers (libc/include) are on the
# kernel's -isystem path; malloc and free are core/heap's, abort() is core's.

KERNEL_SRCS += \
	libc/string.c \
	libc/printf.c \
	libc/stdlib.c

# gcc recognizes copy and fill loops and replaces them with calls to memcpy/memmove/memset, even
# with -ffreestanding: inside string.c that would be a call to the function being defined.
LIBC_NO_LDIST := -fno-tree-loop-distribute-patterns
$(BUILD)/kernel/libc/string.o: KERNEL_CFLAGS += $(LIBC_NO_LDIST)

# Host tests call the implementations as toril_memcpy, toril_vsnprintf... (libc/host_names.h).
$(eval $(call host_test,libc/test_printf,libc/tests/test_printf.c libc/printf.c libc/string.c))
$(eval $(call host_test,libc/test_string,libc/tests/test_string.c libc/string.c libc/stdlib.c))
$(eval $(call host_test,libc/test_ctype,libc/tests/test_ctype.c libc/tests/ctype_glibc.c))

LIBC_HOST_TESTS := $(BUILD)/host/libc/test_printf $(BUILD)/host/libc/test_string \
	$(BUILD)/host/libc/test_ctype
$(LIBC_HOST_TESTS): HOST_CFLAGS += $(LIBC_NO_LDIST)
# The host_test rule lists only .c files: rebuild the tests when a header they use changes.
$(LIBC_HOST_TESTS): libc/host_names.h libc/tests/libc_host.h libc/tests/ctype_glibc.h \
	libc/include/ctype.h libc/include/errno.h libc/include/stdio.h libc/include/stdlib.h \
	libc/include/string.h
