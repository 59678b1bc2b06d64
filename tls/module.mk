# tls/: HTTPS underneath httpd -- mbedTLS 2.28 (Debian's source, unpacked by `make sources`)
# built with our own configuration (tls/mbedtls_config.h), lwIP's altcp_tls_mbedtls on top,
# and our glue: entropy (RDRAND), keys and certificates from QEMU fw_cfg, one TLS
# configuration per core.
#
# Where the state goes.  mbedTLS and altcp_tls keep some state in globals (altcp_tls: the
# entropy/CTR_DRBG context; mbedTLS: a few lazily set flags such as the AES-NI probe).  Their
# objects are linked into netstack's lwip-all.o (NETSTACK_PERCPU_EXTRA_OBJS), so all of their
# .data and .bss land in the per-core window with lwIP's (core/percpu.h): every core has its
# own CTR_DRBG, its own ticket keys, its own TLS configuration, and no lock is needed.
# scripts/check-percpu checks that nothing writable escapes.  Their code and constant tables
# (AES ROM tables, curve constants, OIDs) are ordinary read-only kernel text and rodata.
#
# SSE policy (Makefile: the kernel is built with -mgeneral-regs-only): mbedTLS's aesni.c is
# compiled with SSE, AES-NI and PCLMULQDQ, and so is our tls/aes_ctr.c (AES counter mode), which
# holds nothing else.  Both run only in a core's main loop (lwIP and httpd never run in
# interrupt context), and interrupt handlers never touch vector registers, so nothing needs
# saving.

# Everest: mbedTLS's bundled X25519 (HACL*, 3rdparty/everest in its source), which its ECDH
# uses for X25519 when MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED is set (tls/mbedtls_config.h).
TLS_EVEREST_DIR = $(MBEDTLS_DIR)/3rdparty/everest
# tls/alt: our replacement of mbedTLS's GCM context (MBEDTLS_GCM_ALT, tls/gcm.c).
MBEDTLS_CFLAGS := -I$(MBEDTLS_DIR)/include -I$(TLS_EVEREST_DIR)/include -Itls/alt \
	'-DMBEDTLS_CONFIG_FILE="tls/mbedtls_config.h"'

# The mbedTLS library files our configuration needs (each is empty without its MBEDTLS_*_C).
# Not gcm.c: GCM is ours (tls/gcm.c, MBEDTLS_GCM_ALT).
TLS_MBEDTLS_NAMES := aes aesni asn1parse asn1write base64 bignum chacha20 chachapoly cipher \
	cipher_wrap constant_time ctr_drbg ecdh ecdsa ecp ecp_curves entropy entropy_poll md \
	oid pem pk pk_wrap pkparse platform_util poly1305 rsa rsa_internal sha256 sha512 \
	ssl_ciphersuites ssl_msg ssl_srv ssl_ticket ssl_tls x509 x509_crt
TLS_MBEDTLS_OBJS := $(patsubst %,$(BUILD)/tls/mbedtls/%.o,$(TLS_MBEDTLS_NAMES))

# Third-party code: the kernel's flags, warnings shown but not fatal (we do not edit it).
TLS_MBEDTLS_KFLAGS = $(filter-out -Werror,$(KERNEL_CFLAGS)) $(MBEDTLS_CFLAGS)
# aesni.c: allowed vector registers (see above).
TLS_AESNI_KFLAGS = $(filter-out -mgeneral-regs-only,$(TLS_MBEDTLS_KFLAGS)) -msse2 -maes -mpclmul

$(TLS_MBEDTLS_OBJS): $(BUILD)/tls/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c $(DEPS_STAMP) \
		tls/mbedtls_config.h tls/alt/gcm_alt.h tls/ghash.h tls/module.mk Makefile
	@mkdir -p $(dir $@)
	$(CC) $(if $(filter aesni,$*),$(TLS_AESNI_KFLAGS),$(TLS_MBEDTLS_KFLAGS)) -c $< -o $@

# lwIP's TLS layer, compiled by netstack/module.mk's lwIP rule (same flags as lwIP, plus ours).
NETSTACK_LWIP_TLS_SRCS := src/apps/altcp_tls/altcp_tls_mbedtls.c \
	src/apps/altcp_tls/altcp_tls_mbedtls_mem.c
TLS_ALTCP_OBJS := $(addprefix $(BUILD)/netstack/lwip/,$(NETSTACK_LWIP_TLS_SRCS:.c=.o))
$(TLS_ALTCP_OBJS): NETSTACK_KERNEL_CFLAGS += $(MBEDTLS_CFLAGS) -Wno-error
$(TLS_ALTCP_OBJS): tls/mbedtls_config.h

# Into the per-core window with lwIP (netstack/module.mk links these into lwip-all.o).
NETSTACK_PERCPU_EXTRA_OBJS += $(TLS_ALTCP_OBJS) $(TLS_MBEDTLS_OBJS)

# Everest's three files, built like mbedTLS's.  Its headers pick <endian.h> when __linux__ is
# defined (gcc's Linux target defines it even freestanding); without it they use their own
# little-endian macros.  Its type header names stdio's FILE in typedefs nothing here uses (our
# libc has no FILE): -DFILE=void.  (Hacl_Curve25519_joined.c takes the 128-bit code.)
TLS_EVEREST_NAMES := everest x25519 Hacl_Curve25519_joined
TLS_EVEREST_OBJS := $(patsubst %,$(BUILD)/tls/everest/%.o,$(TLS_EVEREST_NAMES))
TLS_EVEREST_KFLAGS = $(TLS_MBEDTLS_KFLAGS) -U__linux__ -DFILE=void \
	-I$(TLS_EVEREST_DIR)/include/everest \
	-I$(TLS_EVEREST_DIR)/include/everest/kremlib -I$(MBEDTLS_DIR)/library
$(TLS_EVEREST_OBJS): $(BUILD)/tls/everest/%.o: $(DEPS_STAMP) tls/mbedtls_config.h tls/module.mk \
		Makefile
	@mkdir -p $(dir $@)
	$(CC) $(TLS_EVEREST_KFLAGS) -c $(TLS_EVEREST_DIR)/library/$*.c -o $@
NETSTACK_PERCPU_EXTRA_OBJS += $(TLS_EVEREST_OBJS)

# Our glue: ordinary kernel sources (their few variables are shared, written at boot only).
TLS_SRCS := tls/entropy.c tls/keys.c tls/tls.c tls/platform.c tls/sign.c tls/tickets.c \
	tls/gcm.c tls/ghash.c tls/ghash_choose.c tls/aes_ctr.c tls/ecp_p256.c tls/p256_field.c
KERNEL_SRCS += $(TLS_SRCS)
TLS_KOBJS := $(patsubst %.c,$(BUILD)/kernel/%.o,$(TLS_SRCS))
$(TLS_KOBJS): KERNEL_CFLAGS += $(NETSTACK_CFLAGS) $(MBEDTLS_CFLAGS)
$(TLS_KOBJS): $(DEPS_STAMP)
$(BUILD)/kernel/tls/aes_ctr.o: KERNEL_CFLAGS := \
	$(filter-out -mgeneral-regs-only,$(KERNEL_CFLAGS)) -msse2 -maes

# make tls-size: what mbedTLS and altcp_tls add to the kernel.
.PHONY: tls-size
tls-size: $(TLS_MBEDTLS_OBJS) $(TLS_EVEREST_OBJS) $(TLS_ALTCP_OBJS)
	@size -t $^ | tail -1 | awk '{ printf "mbedTLS + altcp_tls: text %d, data %d, bss %d bytes\n", $$1, $$2, $$3 }'

# --- host tests -------------------------------------------------------------------------------

# tls/sign.c against mbedTLS built for the host from the same configuration (only the files
# ECDSA keys and signatures need).  Third-party code: warnings shown, not fatal.
TLS_SIGN_TEST_MBEDTLS := aes aesni asn1parse asn1write base64 bignum cipher cipher_wrap \
	chacha20 chachapoly constant_time ctr_drbg ecdsa ecp ecp_curves md oid pem pk pk_wrap pkparse \
	platform_util poly1305 rsa rsa_internal sha256 sha512
# GCM is ours (tls/gcm.c and what it uses): mbedTLS's cipher layer links it.
TLS_GCM_SRCS := tls/gcm.c tls/ghash.c tls/aes_ctr.c
TLS_P256_SRCS := tls/ecp_p256.c tls/p256_field.c
$(eval $(call host_test,tls/test_sign,tls/tests/test_sign.c tls/sign.c $(TLS_GCM_SRCS) $(TLS_P256_SRCS) \
	$(patsubst %,$(MBEDTLS_DIR)/library/%.c,$(TLS_SIGN_TEST_MBEDTLS))))
# mbedTLS's .c files appear with the stamp (make sources): a fresh checkout has no other way to
# make them, and they must never be deleted as intermediate files.
$(MBEDTLS_DIR)/%.c: $(DEPS_STAMP) ;
.PRECIOUS: $(MBEDTLS_DIR)/%.c
$(BUILD)/host/tls/test_sign: HOST_CFLAGS := $(filter-out -Werror,$(HOST_CFLAGS)) $(MBEDTLS_CFLAGS) \
	-msse2 -maes

# Our GCM (tls/gcm.c and what it uses) against the specification's vectors and mbedTLS's own
# gcm.c, renamed (tls/tests/gcm_reference.c); the kernel's configuration, MBEDTLS_SELF_TEST for
# the vectors.  SSE and AES-NI for tls/aes_ctr.c (the host has them, as the kernel's CPU does).
TLS_GCM_TEST_MBEDTLS := aes aesni bignum cipher cipher_wrap chacha20 chachapoly constant_time gcm \
	platform_util poly1305
$(eval $(call host_test,tls/test_gcm,tls/tests/test_gcm.c tls/tests/gcm_reference.c \
	$(TLS_GCM_SRCS) \
	$(patsubst %,$(MBEDTLS_DIR)/library/%.c,$(TLS_GCM_TEST_MBEDTLS))))
$(BUILD)/host/tls/test_gcm: HOST_CFLAGS := $(filter-out -Werror,$(HOST_CFLAGS)) $(MBEDTLS_CFLAGS) \
	-I$(MBEDTLS_DIR) -DMBEDTLS_SELF_TEST -msse2 -maes

# P-256 field arithmetic and mbedTLS's elliptic-curve code on it, against mbedTLS's big numbers
# and an affine reference written in the test.
TLS_P256_TEST_MBEDTLS := aes aesni bignum constant_time ctr_drbg ecdsa ecp ecp_curves asn1write \
	asn1parse platform_util
$(eval $(call host_test,tls/test_p256,tls/tests/test_p256.c $(TLS_P256_SRCS) \
	$(patsubst %,$(MBEDTLS_DIR)/library/%.c,$(TLS_P256_TEST_MBEDTLS))))
$(BUILD)/host/tls/test_p256: HOST_CFLAGS := $(filter-out -Werror,$(HOST_CFLAGS)) $(MBEDTLS_CFLAGS)
