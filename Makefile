# Toril — top-level build.
#
#   make            build build/toril.elf (the kernel QEMU boots with -kernel)
#   make run        boot it in QEMU, serial console on this terminal
#   make test       host unit tests, then whole-system tests under QEMU (TCG)
#   make fuzz       run the fuzz targets for a while (not part of make test)
#   make bench      benchmarks (loadtest/), not part of make test
#
# Each folder contributes a module.mk that lists its sources explicitly (no wildcards) and its
# host tests.  Variables a module.mk may append to:
#   KERNEL_SRCS   .c and .S files linked into the kernel
#   HOST_TESTS    host test binaries under $(BUILD)/host/ (rules made with the host_test macro)
#   KERNEL_EXTRA_OBJS  prebuilt objects linked into the kernel (e.g. lwIP, whose data sections
#                 go to the per-core window),
#                 with their own rules in the module.mk
#   FUZZ_TARGETS  phony targets that `make fuzz` runs (each bounded by FUZZ_SECONDS)

BUILD   ?= build
KERNEL  := $(BUILD)/toril.elf
.DEFAULT_GOAL := all

CC      := gcc
LD      := ld
NM      := nm
HOST_CC ?= gcc
# Debian's interpreter, where python3-pytest is installed (a pyenv or venv python3 earlier in
# PATH would not see it).
PYTHON  ?= /usr/bin/python3

GCC_INC := $(shell $(CC) -print-file-name=include)

# Kernel compiler flags, each with its reason.
KERNEL_CFLAGS := \
	-std=gnu11 -O2 -g \
	-ffreestanding \
	-nostdinc -isystem $(GCC_INC) -isystem libc/include -I. \
	-fno-pie -fno-pic -mcmodel=small \
	-mno-red-zone \
	-mgeneral-regs-only \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fstack-protector-strong -mstack-protector-guard=global \
	-fno-common \
	-fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -Wno-unused-parameter
# -ffreestanding         no hosted libc: our own libc/ subset provides what we use
# -nostdinc ...          only gcc's freestanding headers (stdint.h, stdarg.h, ...) and libc/include
# -fno-pie -mcmodel=small  the kernel is linked at a fixed low address (identity mapped, < 2 GiB)
# -mno-red-zone          interrupts and exceptions push onto the interrupted stack
# -mgeneral-regs-only    SSE policy: C code never touches vector registers, so interrupt and
#                        exception entry need not save them (code that wants AES-NI/SSE,
#                        mbedTLS's aesni.c and tls/aes_ctr.c, opts in per file and runs only
#                        in the main loop)
# -fno-omit-frame-pointer  panic() walks the frame-pointer chain for its backtrace
# -fstack-protector-strong -mstack-protector-guard=global  one canary (__stack_chk_guard),
#                        seeded from RDRAND/RDSEED before any protected function returns
# -fno-common            a tentative definition in two files is a link error, not a merge
# -fno-asynchronous-unwind-tables  no .eh_frame: nothing unwinds with it, it only costs space

KERNEL_ASFLAGS := -D__ASSEMBLY__ -I. -g

# libgcc: helpers gcc may call even freestanding (128-bit division in mbedTLS's bignum).
LIBGCC := $(shell $(CC) -print-libgcc-file-name)

KERNEL_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments -T boot/linker.ld
# -z max-page-size=4096  segments page-aligned for W^X, without 2 MiB padding in the file

HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -I. \
	-DTORIL_HOST_TEST
# -fno-sanitize-recover=undefined  undefined behaviour ends the test with a failure instead of a
#                        line in its output that nobody reads
HOST_LDLIBS := -lcmocka -lpthread

KERNEL_SRCS :=
HOST_TESTS  :=
KERNEL_EXTRA_OBJS :=
FUZZ_TARGETS :=
FUZZ_SECONDS ?= 60

# host_test NAME, SOURCES: build $(BUILD)/host/NAME from SOURCES with the host compiler and cmocka.
define host_test
HOST_TESTS += $(BUILD)/host/$(1)
$(BUILD)/host/$(1): $(2) | deps-check
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) -MMD -MP -MF $$@.d -o $$@ $(2) $$(HOST_LDLIBS)
-include $(BUILD)/host/$(1).d
endef

include scripts/deps.mk

# tls before netstack: it adds the objects netstack links into the per-core window.
MODULES := boot core libc virtio tls netstack content httpd
include $(foreach m,$(MODULES),$(wildcard $(m)/module.mk))
include httpd/server.mk

KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(basename $(KERNEL_SRCS))) $(KERNEL_EXTRA_OBJS)

.PHONY: all run test unit-test system-test fuzz bench clean deps deps-check sources
all: $(KERNEL)

# --- kernel -----------------------------------------------------------------------------------

$(BUILD)/kernel/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/kernel/%.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) $(KERNEL_ASFLAGS) -MMD -MP -c $< -o $@

-include $(KERNEL_OBJS:.o=.d)

# panic() prints symbol names, so the kernel carries its own symbol table.  Link once with an
# empty table, generate the table from that image, link again.  The table lives at the end of
# .rodata, after all code, so no function moves between the two links; the build checks that.
$(BUILD)/kernel/ksyms-empty.S: scripts/gen-ksyms
	@mkdir -p $(dir $@)
	scripts/gen-ksyms /dev/null > $@

$(BUILD)/toril-pass1.elf: $(KERNEL_OBJS) $(BUILD)/kernel/ksyms-empty.o boot/linker.ld
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/kernel/ksyms-empty.o $(LIBGCC)

$(BUILD)/kernel/ksyms.S: $(BUILD)/toril-pass1.elf scripts/gen-ksyms
	$(NM) -n $< | scripts/gen-ksyms - > $@

$(BUILD)/kernel/ksyms.o: $(BUILD)/kernel/ksyms.S
	$(CC) $(KERNEL_CFLAGS) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/kernel/ksyms-empty.o: $(BUILD)/kernel/ksyms-empty.S
	$(CC) $(KERNEL_CFLAGS) $(KERNEL_ASFLAGS) -c $< -o $@

$(KERNEL): $(BUILD)/toril-pass1.elf $(BUILD)/kernel/ksyms.o
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/kernel/ksyms.o $(LIBGCC)
	@$(NM) -n $@ | grep -i ' t ' > $@.text-syms
	@$(NM) -n $< | grep -i ' t ' | cmp -s - $@.text-syms || \
		{ echo "ksyms: function addresses moved between link passes" >&2; rm -f $@; exit 1; }
	scripts/check-percpu --image $@ $(BUILD)/netstack/lwip-percpu.o
	@size -A $@ | awk '$$1 == ".percpu" { w = $$2 } $$1 == ".text" { t = $$2 } \
		$$1 ~ /^\.(rodata|note|data)$$/ { d += $$2 } $$1 == ".bss" { b = $$2 } \
		END { printf "toril.elf: text %d, rodata+data %d, bss %d bytes; text+data %d KiB at any core count, plus a %d KiB per-core window per core beyond the first\n", t, d, b, (t + d + w) / 1024, w / 1024 }'

# --- running ----------------------------------------------------------------------------------

run: deps-check $(KERNEL)
	KERNEL=$(KERNEL) scripts/run-qemu

# --- tests ------------------------------------------------------------------------------------

# Every host test must run: a cmocka skip() fails the run as surely as a failed assertion (a
# test that skips because a tool is missing hides exactly the machine it was meant to check).
unit-test: deps-check $(HOST_TESTS)
	@for t in $(HOST_TESTS); do echo "== $$t"; \
		$$t > $$t.log 2>&1; rc=$$?; cat $$t.log; \
		[ $$rc -eq 0 ] || exit $$rc; \
		if grep -q '^\[  SKIPPED \]' $$t.log; then \
			echo "$$t: a test was skipped; every test must run (scripts/deps installs what they need)" >&2; \
			exit 1; fi; \
	done

system-test: deps-check $(KERNEL)
	KERNEL=$(abspath $(KERNEL)) $(PYTHON) -m pytest -q tests/ $(PYTEST_ARGS)

test: unit-test system-test loadtest-test

fuzz: deps-check-fuzz $(FUZZ_TARGETS)

bench: deps-check-bench $(KERNEL)
	@if [ -x loadtest/run ]; then loadtest/run; else \
		echo "make bench: no benchmarks yet (loadtest/ arrives with the network issues)"; exit 1; fi

# --- dependencies -----------------------------------------------------------------------------

# Installs missing Debian packages when root, or prints the apt-get line and stops.
deps:
	scripts/deps

deps-check:
	@scripts/deps --check-quiet || scripts/deps

deps-check-%:
	@scripts/deps --check-quiet $* || scripts/deps $*

clean:
	rm -rf $(BUILD)

# --- load-test tools and a tap for make run NET=tap -------------------------------------------
# (kept together at the end: the tools live in loadtest/ and scripts/tap)
#
#   make tap [CPUS=N] [TAP=tap0] [TAP_ADDR=10.77.0.1/24]   a tap with N queue pairs (root);
#                                          prints the `make run NET=tap ...` line to use
#   make tap-down [TAP=tap0]               removes it
#   make loadtest [URL=http://...] [LOADTEST_ARGS=...]   loadtest/toril-bench against URL, or
#                                          against a Toril it boots itself when URL is empty
#   make idle-watch [PID=...] [WATCH_SECONDS=...]  the running VM's host CPU, live
#   make loadtest-test                     the tools' unit tests and a short end-to-end run
#                                          (part of make test)
TAP      ?= tap0
TAP_ADDR ?= 10.77.0.1/24
export TAP # make run NET=tap uses the same default tap as make tap
URL      ?=
PID      ?=
WATCH_SECONDS ?=
LOADTEST_ARGS ?=

.PHONY: tap tap-down loadtest idle-watch loadtest-test
tap:
	scripts/tap up --name $(TAP) --queues $(or $(CPUS),2) --addr $(TAP_ADDR)

tap-down:
	scripts/tap down --name $(TAP)

loadtest: deps-check $(if $(URL),,$(KERNEL))
	loadtest/toril-bench $(if $(URL),$(URL),--boot --kernel $(KERNEL)) $(LOADTEST_ARGS)

idle-watch: deps-check
	loadtest/idle-watch $(if $(PID),--pid $(PID)) $(if $(WATCH_SECONDS),--seconds $(WATCH_SECONDS))

loadtest-test: deps-check $(KERNEL)
	KERNEL=$(abspath $(KERNEL)) $(PYTHON) -m pytest -q loadtest/tests/ $(LOADTEST_PYTEST_ARGS)
