/*
 * Toril's AES-GCM (tls/gcm.c, tls/ghash.c, tls/aes_ctr.c) on the host, built with the kernel's
 * mbedTLS configuration:
 *   - the specification's test vectors (mbedTLS's own self-test, which calls the mbedtls_gcm_*
 *     functions: here ours), with each GHASH routine;
 *   - the same ciphertext and tag as mbedTLS's GCM (tls/tests/gcm_reference.c) for random keys,
 *     IVs, additional data and texts of many lengths, in one call and in pieces, in place and
 *     not, with each GHASH routine; long texts cross the point where a key gets its tables;
 *   - decryption gives the text back; any flipped bit of text, data or tag fails
 *     authentication and leaves no plaintext behind;
 *   - bad arguments are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbedtls/gcm.h"
#include "tls/ghash.h"
#include "tests/host/xorshift.h"

/* mbedTLS's GCM, renamed (gcm_reference.c). */
void *ref_gcm_new(void);
void ref_gcm_delete(void *ctx);
int ref_gcm_setkey(void *ctx, mbedtls_cipher_id_t cipher, const unsigned char *key,
                   unsigned int keybits);
int ref_gcm_crypt_and_tag(void *ctx, int mode, size_t length, const unsigned char *iv,
                          size_t iv_len, const unsigned char *add, size_t add_len,
                          const unsigned char *input, unsigned char *output, size_t tag_len,
                          unsigned char *tag);

/* Longest text tried: more than two full TLS records. */
#define TEXT_MAX 40000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(xorshift64(&rng_state) >> 24);
}

static const enum tls_ghash_by routines[] = {TLS_GHASH_BY_TABLES, TLS_GHASH_BY_CLMUL};

static void test_spec_vectors(void **state)
{
    /* PCLMULQDQ is in every x86-64 CPU since 2010; the build host must have it to test it. */
    assert_true(tls_ghash_clmul_available());
    for (size_t r = 0; r < 2; r++) {
        tls_ghash_use(routines[r]);
        assert_int_equal(mbedtls_gcm_self_test(0), 0);
    }
}

/* Our GCM in pieces: starts, then updates of `piece` bytes (a multiple of 16), the rest last. */
static void ours_in_pieces(mbedtls_gcm_context *g, int mode, size_t len, const unsigned char *iv,
                           size_t iv_len, const unsigned char *add, size_t add_len,
                           const unsigned char *in, unsigned char *out, size_t piece,
                           size_t tag_len, unsigned char *tag)
{
    assert_int_equal(mbedtls_gcm_starts(g, mode, iv, iv_len, add, add_len), 0);
    size_t done = 0;
    while (len - done > piece) {
        assert_int_equal(mbedtls_gcm_update(g, piece, in + done, out + done), 0);
        done += piece;
    }
    assert_int_equal(mbedtls_gcm_update(g, len - done, in + done, out + done), 0);
    assert_int_equal(mbedtls_gcm_finish(g, tag, tag_len), 0);
}

static void test_same_as_mbedtls(void **state)
{
    static const unsigned keybits[] = {128, 192, 256};
    static const size_t iv_lens[] = {12, 1, 16, 17, 60};
    static const size_t add_lens[] = {0, 13, 16, 20, 100};
    static const size_t text_lens[] = {0, 1, 15, 16, 17, 63, 64, 65, 1000, 1024, 4112, 16389,
                                       TEXT_MAX};
    static const size_t tag_lens[] = {16, 12, 4};
    unsigned char *pt = malloc(TEXT_MAX), *ct = malloc(TEXT_MAX), *ref_ct = malloc(TEXT_MAX);
    unsigned char *buf = malloc(TEXT_MAX + 16);
    assert_non_null(pt);
    assert_non_null(ct);
    assert_non_null(ref_ct);
    assert_non_null(buf);
    void *ref = ref_gcm_new();
    assert_non_null(ref);
    unsigned cases = 0;

    for (size_t r = 0; r < 2; r++) {
        tls_ghash_use(routines[r]);
        for (size_t t = 0; t < sizeof(text_lens) / sizeof(text_lens[0]); t++) {
            size_t len = text_lens[t];
            unsigned kb = keybits[(t + r) % 3];
            size_t iv_len = iv_lens[t % 5], add_len = add_lens[(t + 2) % 5];
            size_t tag_len = tag_lens[t % 3];
            unsigned char key[32], iv[60], add[100], tag[16], ref_tag[16], tag2[16];
            fill(key, sizeof(key));
            fill(iv, sizeof(iv));
            fill(add, sizeof(add));
            fill(pt, len);

            assert_int_equal(ref_gcm_setkey(ref, MBEDTLS_CIPHER_ID_AES, key, kb), 0);
            assert_int_equal(ref_gcm_crypt_and_tag(ref, MBEDTLS_GCM_ENCRYPT, len, iv, iv_len,
                                                   add, add_len, pt, ref_ct, tag_len, ref_tag),
                             0);

            mbedtls_gcm_context g;
            mbedtls_gcm_init(&g);
            assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, kb), 0);

            /* One call, separate buffers. */
            assert_int_equal(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, iv, iv_len,
                                                       add, add_len, pt, ct, tag_len, tag),
                             0);
            assert_memory_equal(ct, ref_ct, len);
            assert_memory_equal(tag, ref_tag, tag_len);

            /* In pieces of 48 bytes, in place. */
            memcpy(buf, pt, len);
            ours_in_pieces(&g, MBEDTLS_GCM_ENCRYPT, len, iv, iv_len, add, add_len, buf, buf, 48,
                           tag_len, tag2);
            assert_memory_equal(buf, ref_ct, len);
            assert_memory_equal(tag2, ref_tag, tag_len);

            /* Decrypt with the output 16 bytes before the input (allowed overlap). */
            memcpy(buf + 16, ref_ct, len);
            assert_int_equal(mbedtls_gcm_auth_decrypt(&g, len, iv, iv_len, add, add_len, ref_tag,
                                                      tag_len, buf + 16, buf),
                             0);
            assert_memory_equal(buf, pt, len);

            /* A long text's key got its tables (tables routine); a short one's did not. */
            if (routines[r] == TLS_GHASH_BY_TABLES)
                assert_true((g.ghash.table != NULL) ==
                            (3 * (len + add_len) > TLS_GHASH_TABLE_AFTER + 64));
            mbedtls_gcm_free(&g);
            cases++;
        }
    }
    print_message("%u cases, each as one call, in pieces, and decrypted\n", cases);
    ref_gcm_delete(ref);
    free(pt);
    free(ct);
    free(ref_ct);
    free(buf);
}

static void test_tampering_fails(void **state)
{
    enum { LEN = 5000 };
    unsigned char key[16], iv[12], add[20], tag[16];
    unsigned char *pt = malloc(LEN), *ct = malloc(LEN), *out = malloc(LEN);
    assert_non_null(pt);
    assert_non_null(ct);
    assert_non_null(out);
    fill(key, sizeof(key));
    fill(iv, sizeof(iv));
    fill(add, sizeof(add));
    fill(pt, LEN);
    tls_ghash_use(TLS_GHASH_BY_TABLES);
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 128), 0);
    assert_int_equal(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, LEN, iv, 12, add,
                                               sizeof(add), pt, ct, 16, tag),
                     0);
    /* A bit flipped in the text (first, middle, last byte), the data or the tag. */
    unsigned char *targets[] = {ct, ct + LEN / 2, ct + LEN - 1, add, add + 19, tag, tag + 15};
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        *targets[i] ^= 0x10;
        memset(out, 0xAA, LEN);
        assert_int_equal(mbedtls_gcm_auth_decrypt(&g, LEN, iv, 12, add, sizeof(add), tag, 16, ct,
                                                  out),
                         MBEDTLS_ERR_GCM_AUTH_FAILED);
        for (size_t j = 0; j < LEN; j++)
            assert_int_equal(out[j], 0); /* no unauthenticated plaintext left behind */
        *targets[i] ^= 0x10;
    }
    assert_int_equal(mbedtls_gcm_auth_decrypt(&g, LEN, iv, 12, add, sizeof(add), tag, 16, ct, out),
                     0);
    assert_memory_equal(out, pt, LEN);
    mbedtls_gcm_free(&g);
    free(pt);
    free(ct);
    free(out);
}

static void test_bad_arguments(void **state)
{
    unsigned char key[32] = {0}, iv[12] = {0}, buf[64] = {0}, tag[16];
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 100),
                     MBEDTLS_ERR_GCM_BAD_INPUT);
    assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_CHACHA20, key, 256),
                     MBEDTLS_ERR_GCM_BAD_INPUT);
    assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 128), 0);
    assert_int_equal(mbedtls_gcm_starts(&g, MBEDTLS_GCM_ENCRYPT, iv, 0, NULL, 0),
                     MBEDTLS_ERR_GCM_BAD_INPUT); /* empty IV */
    assert_int_equal(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 16, iv, 12, NULL, 0, buf,
                                               buf, 3, tag),
                     MBEDTLS_ERR_GCM_BAD_INPUT); /* tag shorter than 4 */
    assert_int_equal(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 16, iv, 12, NULL, 0, buf,
                                               buf, 17, tag),
                     MBEDTLS_ERR_GCM_BAD_INPUT); /* tag longer than 16 */
    /* Output starting inside the input. */
    assert_int_equal(mbedtls_gcm_starts(&g, MBEDTLS_GCM_ENCRYPT, iv, 12, NULL, 0), 0);
    assert_int_equal(mbedtls_gcm_update(&g, 32, buf, buf + 1), MBEDTLS_ERR_GCM_BAD_INPUT);
    /* More text after a partial block. */
    assert_int_equal(mbedtls_gcm_starts(&g, MBEDTLS_GCM_ENCRYPT, iv, 12, NULL, 0), 0);
    assert_int_equal(mbedtls_gcm_update(&g, 20, buf, buf), 0);
    assert_int_equal(mbedtls_gcm_update(&g, 16, buf + 32, buf + 32), MBEDTLS_ERR_GCM_BAD_INPUT);
    mbedtls_gcm_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vectors),
        cmocka_unit_test(test_same_as_mbedtls),
        cmocka_unit_test(test_tampering_fails),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
