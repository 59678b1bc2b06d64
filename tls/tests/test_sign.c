/*
 * tls/sign.c on the host, with mbedTLS built from the same configuration as the kernel's: a
 * P-256 key parsed as mbedTLS parses it loses its base-point table after every signature; the
 * ECDSA key tls_sign_key_ecdsa makes of it keeps the table from the first signature on, reuses
 * the same table for every later one, and its signatures verify against the original key.
 * The time per signature of both is printed (an ASan build: only the ratio means anything).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mbedtls/ecdsa.h"
#include "mbedtls/pk.h"
#include "tls/sign.h"
#include "tests/host/xorshift.h"

/* A throw-away P-256 test key (SEC1), made with openssl for this test only. */
static const char key_pem[] = "-----BEGIN EC PRIVATE KEY-----\n"
                              "MHcCAQEEIEQ+juQY7+WwCGnsWtnNq7CNaTF12ZG/MlHpCVG9JzS5oAoGCCqGSM49\n"
                              "AwEHoUQDQgAE5qTyGNsABoThQkhf0bpHHbwNtQbNsKoMguGAjMjK7Uve1WqULPcU\n"
                              "9Uli8N2wWVwnOM80paz3gS7iKxUFDOK+EQ==\n"
                              "-----END EC PRIVATE KEY-----\n";

enum { SIGNATURES_TIMED = 20 };

/* Not random, and need not be: signatures made here are only verified. */
static int test_rng(void *state, unsigned char *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)xorshift64(state);
    return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static void parse(mbedtls_pk_context *pk)
{
    mbedtls_pk_init(pk);
    assert_int_equal(
        mbedtls_pk_parse_key(pk, (const unsigned char *)key_pem, sizeof(key_pem), NULL, 0), 0);
    assert_int_equal(mbedtls_pk_get_type(pk), MBEDTLS_PK_ECKEY);
}

static void sign_and_verify(mbedtls_pk_context *signer, mbedtls_pk_context *verifier,
                            unsigned char hash_byte)
{
    unsigned char hash[32], sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t sig_len = 0;
    memset(hash, hash_byte, sizeof(hash));
    assert_int_equal(mbedtls_pk_sign(signer, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sig_len,
                                     test_rng, &rng_state),
                     0);
    assert_int_equal(
        mbedtls_pk_verify(verifier, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sig_len), 0);
    hash[0] ^= 1; /* and it is a real check */
    assert_int_not_equal(
        mbedtls_pk_verify(verifier, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sig_len), 0);
}

static double us_per_signature(mbedtls_pk_context *pk)
{
    unsigned char hash[32] = {1}, sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t sig_len;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < SIGNATURES_TIMED; i++)
        assert_int_equal(mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sig_len,
                                         test_rng, &rng_state),
                         0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 /
           SIGNATURES_TIMED;
}

/* The cost being removed: the parsed key's own group never gets a table. */
static void test_parsed_key_keeps_no_table(void **unused)
{
    mbedtls_pk_context pk;
    parse(&pk);
    sign_and_verify(&pk, &pk, 0x11);
    sign_and_verify(&pk, &pk, 0x22);
    assert_null(mbedtls_pk_ec(pk)->grp.T);
    mbedtls_pk_free(&pk);
}

static void test_ecdsa_key_keeps_its_table(void **unused)
{
    mbedtls_pk_context parsed, key;
    parse(&parsed);
    mbedtls_pk_init(&key);
    assert_int_equal(tls_sign_key_ecdsa(&key, &parsed), 0);
    assert_int_equal(mbedtls_pk_get_type(&key), MBEDTLS_PK_ECDSA);
    assert_true(mbedtls_pk_can_do(&key, MBEDTLS_PK_ECDSA));
    const mbedtls_ecp_group *grp = &mbedtls_pk_ec(key)->grp;
    assert_int_equal(grp->id, MBEDTLS_ECP_DP_SECP256R1);
    assert_null(grp->T);

    sign_and_verify(&key, &parsed, 0x33);
    assert_non_null(grp->T);
    assert_int_equal(grp->T_size, 1u << (MBEDTLS_ECP_WINDOW_SIZE - 1));
    const mbedtls_ecp_point *table = grp->T;
    sign_and_verify(&key, &parsed, 0x44);
    sign_and_verify(&key, &parsed, 0x55);
    assert_ptr_equal(grp->T, table); /* reused, not rebuilt */

    double before = us_per_signature(&parsed), after = us_per_signature(&key);
    printf("ECDSA P-256 signature (host, this build): parsed key %.0f us, kept table %.0f us "
           "(%.2fx)\n",
           before, after, before / after);
    mbedtls_pk_free(&key);
    mbedtls_pk_free(&parsed);
}

static void test_only_ec_keys(void **unused)
{
    mbedtls_pk_context none, key;
    mbedtls_pk_init(&none);
    mbedtls_pk_init(&key);
    assert_int_equal(tls_sign_key_ecdsa(&key, &none), -EINVAL);
    assert_int_equal(mbedtls_pk_get_type(&key), MBEDTLS_PK_NONE);
    /* An ECDSA key is not converted again. */
    mbedtls_pk_context parsed, once, twice;
    parse(&parsed);
    mbedtls_pk_init(&once);
    mbedtls_pk_init(&twice);
    assert_int_equal(tls_sign_key_ecdsa(&once, &parsed), 0);
    assert_int_equal(tls_sign_key_ecdsa(&twice, &once), -EINVAL);
    mbedtls_pk_free(&once);
    mbedtls_pk_free(&parsed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsed_key_keeps_no_table),
        cmocka_unit_test(test_ecdsa_key_keeps_its_table),
        cmocka_unit_test(test_only_ec_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
