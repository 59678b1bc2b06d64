# Physical pages and the per-core heap; included from core/module.mk.
#   pmm.c     physical page allocator (bitmap per E820 range, one spinlock)
#   heap.c    per-core size-class slabs, large blocks, lock-free remote frees
#   malloc.c  malloc/calloc/realloc/free/abort on the calling core's heap (kernel only)

KERNEL_SRCS += core/pmm.c core/heap.c core/malloc.c

CORE_TEST_PMM_SRCS  := core/tests/test_pmm.c core/pmm.c tests/host/log_host.c \
	tests/host/expect_panic.c
CORE_TEST_HEAP_SRCS := core/tests/test_heap.c core/heap.c core/pmm.c tests/host/log_host.c \
	tests/host/expect_panic.c

$(eval $(call host_test,core/test_pmm,$(CORE_TEST_PMM_SRCS)))
$(eval $(call host_test,core/test_heap,$(CORE_TEST_HEAP_SRCS)))
