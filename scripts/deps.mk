# Third-party C sources (lwIP 2.1.3, mbedTLS 2.28.x, llhttp 8.x), fetched from Debian's archive by
# scripts/fetch-sources.  Included by the root Makefile after BUILD is set.
#
#   make sources     fetch and unpack them (idempotent: nothing happens once they are there)
#
# Defines:
#   LWIP_DIR MBEDTLS_DIR LLHTTP_DIR   the trees: $(BUILD)/deps/NAME, which is a symlink to the
#                    tree given with LWIP_SRC= / MBEDTLS_SRC= / LLHTTP_SRC= (environment or make
#                    command line) when one is, so paths under $(BUILD)/deps/ are the same either way.
#                    Layout:  $(LWIP_DIR)/src/{core,api,netif,include}
#                             $(MBEDTLS_DIR)/library/*.c, $(MBEDTLS_DIR)/include/mbedtls/*.h
#                             $(LLHTTP_DIR)/src/{api,http,llhttp}.c, $(LLHTTP_DIR)/include/llhttp.h
#   DEPS_STAMP       a file made once the trees are there and verified.  Objects compiled from the
#                    trees depend on it (a normal prerequisite: it changes exactly when a tree is
#                    replaced, e.g. by switching an override, and unpacked files keep their old
#                    mtimes), and so does anything that must not look at the trees before.

DEPS_DIR    := $(BUILD)/deps
DEPS_STAMP  := $(DEPS_DIR)/.stamp-all
LWIP_DIR    := $(DEPS_DIR)/lwip
MBEDTLS_DIR := $(DEPS_DIR)/mbedtls
LLHTTP_DIR  := $(DEPS_DIR)/llhttp

LWIP_SRC    ?=
MBEDTLS_SRC ?=
LLHTTP_SRC  ?=

# The stamp records the overrides it was made with (scripts/fetch-sources writes the same text):
# when they differ from this run's, fetch again.
_deps_want := LWIP_SRC=$(LWIP_SRC) MBEDTLS_SRC=$(MBEDTLS_SRC) LLHTTP_SRC=$(LLHTTP_SRC)
_deps_have := $(file <$(DEPS_STAMP))
ifneq ($(strip $(_deps_have)),$(strip $(_deps_want)))
_deps_force := _deps_force
endif

.PHONY: sources _deps_force
sources: $(DEPS_STAMP)

$(DEPS_STAMP): scripts/fetch-sources $(_deps_force) | deps-check
	DEPS_DIR='$(DEPS_DIR)' LWIP_SRC='$(LWIP_SRC)' MBEDTLS_SRC='$(MBEDTLS_SRC)' \
		LLHTTP_SRC='$(LLHTTP_SRC)' scripts/fetch-sources
	@touch $@

_deps_force:

# deps_patched: our changes to a third-party tree, applied at build time to a copy.
#   $(1) output folder (the copy)  $(2) the tree  $(3) its folder to copy (src, library)
#   $(4) the patch files (each starts with what it changes and why), applied in this order
# The copy is remade when the tree or a patch changes; a patch that no longer applies exactly
# (--fuzz=0) stops the build.  Patches change .c files only: everything that includes the
# library's headers reads them from the tree itself, so a header patch would reach only some
# of its users.  Defines the rule for $(1)/.stamp and makes $(1)/$(3)/*.c depend on it.
define deps_patched
$(1)/.stamp: $$(DEPS_STAMP) $(4) scripts/deps.mk
	@rm -rf $(1) && mkdir -p $(1)
	@cp -R $(2)/$(3) $(1)/$(3)
	@for p in $(4); do \
		if grep -q '^+++ .*\.h' "$$$$p"; then echo "$$$$p: patches a header (scripts/deps.mk)" >&2; exit 1; fi; \
		patch -s -p1 --fuzz=0 --no-backup-if-mismatch -d $(1) <"$$$$p" || \
			{ echo "$$$$p does not apply to $(2)" >&2; exit 1; }; \
		echo "$(notdir $(2)): applied $$$$p"; \
	done
	@touch $$@
$(1)/%.c: $(1)/.stamp ;
.PRECIOUS: $(1)/%.c
endef
