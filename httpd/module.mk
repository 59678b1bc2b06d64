# httpd/: the HTTP/1.1 protocol layer -- request parsing (on llhttp), path canonicalization,
# content types, response decisions and header formatting, and the per-file response headers
# built from the content cache.  The worker and connection layer on lwIP's altcp is httpd/server.mk.

HTTPD_SRCS := httpd/request.c httpd/path.c httpd/date.c httpd/negotiate.c httpd/mime.c \
	httpd/response.c httpd/https.c
HTTPD_HDRS := httpd/limits.h httpd/request.h httpd/path.h httpd/date.h httpd/negotiate.h \
	httpd/mime.h httpd/response.h httpd/files.h httpd/https.h

KERNEL_SRCS += $(HTTPD_SRCS)

# The per-file response headers, built from the content cache at boot: apart from HTTPD_SRCS,
# which the fuzzer and its replay link without the cache.
HTTPD_FILES_SRCS := httpd/files.c
KERNEL_SRCS += $(HTTPD_FILES_SRCS)

# --- content types ----------------------------------------------------------------------------
# The extension table is generated from Debian's /etc/mime.types (media-types, a build
# dependency) into $(BUILD)/httpd/mime_table.h, included by httpd/mime.c only.

MIME_TYPES       ?= /etc/mime.types
HTTPD_MIME_TABLE := $(BUILD)/httpd/mime_table.h

$(HTTPD_MIME_TABLE): httpd/gen-mime $(MIME_TYPES) | deps-check
	@mkdir -p $(dir $@)
	$(PYTHON) httpd/gen-mime $(MIME_TYPES) > $@.tmp
	mv $@.tmp $@

$(BUILD)/kernel/httpd/mime.o: KERNEL_CFLAGS += -I$(BUILD)/httpd
$(BUILD)/kernel/httpd/mime.o: $(HTTPD_MIME_TABLE)

# --- llhttp -----------------------------------------------------------------------------------
# llhttp 8.1 (Debian's node-llhttp, unpacked by `make sources` into $(LLHTTP_DIR)), compiled in
# strict mode: it rejects what RFC 9112 says a server MUST reject (whitespace before a field's
# colon, raw non-ASCII in the target) instead of tolerating it.  Its objects depend on the stamp,
# not on the .c files: those exist only once the stamp does, and change only with it.

LLHTTP_NAMES  := api http llhttp
LLHTTP_CFLAGS := -DLLHTTP_STRICT_MODE=1 -I$(LLHTTP_DIR)/include
LLHTTP_KOBJS  := $(patsubst %,$(BUILD)/kernel/httpd/llhttp/%.o,$(LLHTTP_NAMES))
LLHTTP_HOBJS  := $(patsubst %,$(BUILD)/host/httpd/llhttp/%.o,$(LLHTTP_NAMES))

KERNEL_EXTRA_OBJS += $(LLHTTP_KOBJS)

# httpd/llhttp_compat.h stands in for the fprintf(stderr) of llhttp's debug printer.
$(LLHTTP_KOBJS): $(BUILD)/kernel/httpd/llhttp/%.o: $(DEPS_STAMP) httpd/llhttp_compat.h \
		httpd/module.mk Makefile
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) $(LLHTTP_CFLAGS) -include httpd/llhttp_compat.h \
		-c $(LLHTTP_DIR)/src/$*.c -o $@

# Host copies for the unit tests, with the sanitizers.
$(LLHTTP_HOBJS): $(BUILD)/host/httpd/llhttp/%.o: $(DEPS_STAMP) httpd/module.mk Makefile
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(LLHTTP_CFLAGS) -c $(LLHTTP_DIR)/src/$*.c -o $@

$(BUILD)/kernel/httpd/request.o: KERNEL_CFLAGS += $(LLHTTP_CFLAGS)
$(BUILD)/kernel/httpd/request.o: $(DEPS_STAMP)

# --- host tests -------------------------------------------------------------------------------

$(eval $(call host_test,httpd/test_request,httpd/tests/test_request.c httpd/request.c \
	$(LLHTTP_HOBJS)))

$(eval $(call host_test,httpd/test_path,httpd/tests/test_path.c httpd/path.c))
$(eval $(call host_test,httpd/test_https,httpd/tests/test_https.c httpd/https.c))

$(eval $(call host_test,httpd/test_negotiate,httpd/tests/test_negotiate.c httpd/negotiate.c \
	httpd/date.c))
$(eval $(call host_test,httpd/test_mime,httpd/tests/test_mime.c httpd/mime.c))
$(eval $(call host_test,httpd/test_response,httpd/tests/test_response.c httpd/response.c \
	httpd/negotiate.c httpd/date.c httpd/mime.c))

# The per-file headers over a stand-in content cache (the test defines content_cache_count()
# and content_cache_file()): no FAT image, no content/ source.
$(eval $(call host_test,httpd/test_files,httpd/tests/test_files.c $(HTTPD_FILES_SRCS) \
	httpd/response.c httpd/negotiate.c httpd/date.c httpd/mime.c tests/host/log_host.c))

HTTPD_HOST_TESTS := $(BUILD)/host/httpd/test_request $(BUILD)/host/httpd/test_path \
	$(BUILD)/host/httpd/test_https \
	$(BUILD)/host/httpd/test_negotiate $(BUILD)/host/httpd/test_mime \
	$(BUILD)/host/httpd/test_response $(BUILD)/host/httpd/test_files
HTTPD_MIME_TESTS := $(BUILD)/host/httpd/test_mime $(BUILD)/host/httpd/test_response \
	$(BUILD)/host/httpd/test_files
$(HTTPD_MIME_TESTS): HOST_CFLAGS += -I$(BUILD)/httpd
$(HTTPD_MIME_TESTS): $(HTTPD_MIME_TABLE)
$(BUILD)/host/httpd/test_files: content/cache.h content/fat.h
$(BUILD)/host/httpd/test_request: HOST_CFLAGS += $(LLHTTP_CFLAGS)
# The host_test rule lists only .c files: rebuild on header changes too.
$(HTTPD_HOST_TESTS): $(HTTPD_HDRS)

# Replays the fuzzer's seed corpus and every input it once broke (httpd/fuzz/regressions/).
# The fuzzer runs with small limits, so that every limit is reached by inputs of a few hundred
# bytes; the replay uses the same, so a kept input does what it did in the fuzzer.
HTTPD_FUZZ_LIMITS := -DHTTPD_TARGET_MAX=64 -DHTTPD_HEADER_MAX=256 -DHTTPD_FIELD_STORE_MAX=96 \
	-DHTTPD_BODY_DISCARD_MAX=512
$(eval $(call host_test,httpd/test_fuzz_regress,httpd/tests/test_fuzz_regress.c \
	httpd/fuzz/fuzz_request.c tests/host/replay.c $(HTTPD_SRCS) $(LLHTTP_HOBJS)))
$(BUILD)/host/httpd/test_fuzz_regress: HOST_CFLAGS += $(LLHTTP_CFLAGS) -I$(BUILD)/httpd \
	$(HTTPD_FUZZ_LIMITS)
$(BUILD)/host/httpd/test_fuzz_regress: $(HTTPD_HDRS) $(HTTPD_MIME_TABLE)

# --- fuzzing ----------------------------------------------------------------------------------
#   make fuzz-httpd [FUZZ_SECONDS=600]       (also run by make fuzz)
# libFuzzer (clang) feeds a connection's bytes through parser, canonicalizer and responses
# (httpd/fuzz/fuzz_request.c), from the seed corpus in httpd/fuzz/corpus/ plus what earlier runs
# found (build/fuzz/httpd/corpus/).  Crash inputs land in build/fuzz/httpd/crashes/: once fixed,
# copy them to httpd/fuzz/regressions/, where test_fuzz_regress replays them.

FUZZ_CC      ?= clang
FUZZ_TARGETS += fuzz-httpd
HTTPD_FUZZ   := $(BUILD)/fuzz/httpd/fuzz_request

$(HTTPD_FUZZ): httpd/fuzz/fuzz_request.c $(HTTPD_SRCS) $(HTTPD_HDRS) $(HTTPD_MIME_TABLE) \
		$(DEPS_STAMP) httpd/module.mk | deps-check-fuzz
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I. -I$(BUILD)/httpd $(LLHTTP_CFLAGS) \
		$(HTTPD_FUZZ_LIMITS) -DTORIL_HOST_TEST -o $@ httpd/fuzz/fuzz_request.c $(HTTPD_SRCS) \
		$(patsubst %,$(LLHTTP_DIR)/src/%.c,$(LLHTTP_NAMES))

.PHONY: fuzz-httpd
fuzz-httpd: $(HTTPD_FUZZ)
	@mkdir -p $(BUILD)/fuzz/httpd/corpus $(BUILD)/fuzz/httpd/crashes
	$(HTTPD_FUZZ) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-max_len=16384 -artifact_prefix=$(BUILD)/fuzz/httpd/crashes/ \
		$(BUILD)/fuzz/httpd/corpus httpd/fuzz/corpus
