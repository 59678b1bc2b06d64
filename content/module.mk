# content/: the FAT reader, the content cache and its boot path (disk -> cache).

CONTENT_FAT_SRCS := content/fat.c content/fat_walk.c
CONTENT_FAT_HDRS := content/fat.h content/fat_priv.h content/limits.h

KERNEL_SRCS += $(CONTENT_FAT_SRCS)

CONTENT_CACHE_SRCS := content/cache.c
CONTENT_CACHE_HDRS := content/cache.h content/boot.h

KERNEL_SRCS += $(CONTENT_CACHE_SRCS) content/boot.c

# --- host tests -------------------------------------------------------------------------------
# They build FAT images at run time with mkfs.fat and mcopy (dosfstools, mtools).

CONTENT_TEST_UTIL := content/tests/fat_test_util.c tests/host/log_host.c

$(eval $(call host_test,content/test_fat,content/tests/test_fat.c \
	$(CONTENT_TEST_UTIL) $(CONTENT_FAT_SRCS)))
$(eval $(call host_test,content/test_fat_corrupt,content/tests/test_fat_corrupt.c \
	content/tests/fat_small.c $(CONTENT_TEST_UTIL) $(CONTENT_FAT_SRCS)))
$(eval $(call host_test,content/test_fat_mount,content/tests/test_fat_mount.c \
	content/tests/fat_small.c $(CONTENT_TEST_UTIL) $(CONTENT_FAT_SRCS)))
$(eval $(call host_test,content/test_fat_limits,content/tests/test_fat_limits.c \
	$(CONTENT_TEST_UTIL) $(CONTENT_FAT_SRCS)))
# Replays the fuzzer's seed corpus and every crash it found (content/fuzz/regressions/).
$(eval $(call host_test,content/test_fat_regress,content/tests/test_fat_regress.c \
	content/fuzz/fuzz_fat.c tests/host/replay.c $(CONTENT_TEST_UTIL) $(CONTENT_FAT_SRCS)))

# Small limits, so that the limit paths are reachable with small images.
$(BUILD)/host/content/test_fat_limits: HOST_CFLAGS += -DCONTENT_MAX_FILES=10 \
	-DCONTENT_MAX_DEPTH=4 -DCONTENT_MAX_PATH=64

# The host_test rule lists only .c files: rebuild on header changes too.
$(BUILD)/host/content/test_fat $(BUILD)/host/content/test_fat_corrupt \
$(BUILD)/host/content/test_fat_mount $(BUILD)/host/content/test_fat_limits \
$(BUILD)/host/content/test_fat_regress: \
	$(CONTENT_FAT_HDRS) content/tests/fat_test_util.h content/tests/fat_small.h

# The cache on images made at test time, read through a file-backed block device; its memory
# comes from core/pmm.c over host memory.  Nothing of httpd is linked: content knows no HTTP.
CONTENT_CACHE_TEST_SRCS := content/tests/test_cache.c $(CONTENT_CACHE_SRCS) core/siphash.c \
	$(CONTENT_TEST_UTIL) $(CONTENT_FAT_SRCS) core/pmm.c
$(eval $(call host_test,content/test_cache,$(CONTENT_CACHE_TEST_SRCS)))
$(BUILD)/host/content/test_cache: $(CONTENT_CACHE_HDRS) $(CONTENT_FAT_HDRS) \
	content/tests/fat_test_util.h

# --- fuzzing ----------------------------------------------------------------------------------
#   make fuzz-content [FUZZ_SECONDS=600]      (also run by make fuzz; FUZZ_SECONDS defaults to 60)
# libFuzzer (clang) mounts, walks and reads in-memory images; it starts from the seed corpus in
# content/fuzz/corpus/ plus what earlier runs found (build/fuzz/content/corpus/).  Crash inputs
# land in build/fuzz/content/crashes/: once fixed, copy them to content/fuzz/regressions/, where
# test_fat_regress replays them.

FUZZ_CC      ?= clang
FUZZ_TARGETS += fuzz-content
CONTENT_FUZZ := $(BUILD)/fuzz/content/fuzz_fat

$(CONTENT_FUZZ): content/fuzz/fuzz_fat.c $(CONTENT_FAT_SRCS) $(CONTENT_FAT_HDRS) \
		tests/host/log_host.c | deps-check-fuzz
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I. -DTORIL_HOST_TEST -o $@ \
		content/fuzz/fuzz_fat.c $(CONTENT_FAT_SRCS) tests/host/log_host.c

.PHONY: fuzz-content
fuzz-content: $(CONTENT_FUZZ)
	@mkdir -p $(BUILD)/fuzz/content/corpus $(BUILD)/fuzz/content/crashes
	$(CONTENT_FUZZ) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(BUILD)/fuzz/content/crashes/ \
		$(BUILD)/fuzz/content/corpus content/fuzz/corpus

# content/mkimage and content/check-site, tested from the shell (prints "N passed, M failed").
HOST_TESTS += $(BUILD)/host/content/test_mkimage
$(BUILD)/host/content/test_mkimage: content/tests/test_mkimage.sh content/mkimage content/check-site
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec %s "$$@"\n' "$(abspath $<)" >$@
	chmod +x $@
