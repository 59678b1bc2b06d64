# httpd/: the HTTP/1.1 protocol layer -- request parsing (on llhttp), path canonicalization,
# content types, response decisions and header formatting.  Connection handling on lwIP's altcp
# joins later.

HTTPD_SRCS := httpd/request.c httpd/path.c httpd/date.c httpd/negotiate.c httpd/mime.c \
	httpd/response.c
HTTPD_HDRS := httpd/limits.h httpd/request.h httpd/path.h httpd/date.h httpd/negotiate.h \
	httpd/mime.h httpd/response.h

KERNEL_SRCS += $(HTTPD_SRCS)

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

$(eval $(call host_test,httpd/test_negotiate,httpd/tests/test_negotiate.c httpd/negotiate.c \
	httpd/date.c))
$(eval $(call host_test,httpd/test_mime,httpd/tests/test_mime.c httpd/mime.c))
$(eval $(call host_test,httpd/test_response,httpd/tests/test_response.c httpd/response.c \
	httpd/negotiate.c httpd/date.c httpd/mime.c))

HTTPD_HOST_TESTS := $(BUILD)/host/httpd/test_request $(BUILD)/host/httpd/test_path \
	$(BUILD)/host/httpd/test_negotiate $(BUILD)/host/httpd/test_mime \
	$(BUILD)/host/httpd/test_response
$(BUILD)/host/httpd/test_mime $(BUILD)/host/httpd/test_response: HOST_CFLAGS += -I$(BUILD)/httpd
$(BUILD)/host/httpd/test_mime $(BUILD)/host/httpd/test_response: $(HTTPD_MIME_TABLE)
$(BUILD)/host/httpd/test_request: HOST_CFLAGS += $(LLHTTP_CFLAGS)
# The host_test rule lists only .c files: rebuild on header changes too.
$(HTTPD_HOST_TESTS): $(HTTPD_HDRS)
