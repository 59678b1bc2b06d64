/*
 * AES-GCM for mbedTLS (NIST SP 800-38D): the mbedtls_gcm_* functions, in place of mbedTLS's
 * gcm.c (MBEDTLS_GCM_ALT in tls/mbedtls_config.h; the context is in tls/alt/gcm_alt.h).
 *
 * Why our own.  mbedTLS's GCM goes one 16-byte block at a time: one call into AES per block
 * (which loads every round key again), then one GHASH multiplication by its 4-bit tables (32
 * shift-and-reduce steps).  HTTPS spends most of a large file's time here, so this GCM works on
 * whole runs of blocks: the counter blocks of a run are encrypted four at a time with AES-NI
 * (tls/aes_ctr.c), then the run is hashed by the GHASH routine the boot measured to be fastest
 * (tls/ghash.c).  Under QEMU's TCG that made it about twice as fast; on hardware PCLMULQDQ
 * hashes and four AESENCs overlap in the pipeline.  Same results as mbedTLS's, byte for byte
 * (the host tests compare the two on random inputs and check the specification's vectors).
 *
 * Same interface and errors as mbedTLS 2.28, with one rule its documentation states and its
 * code does not check: only the last mbedtls_gcm_update() of a message may have a length that
 * is not a multiple of 16; a call after such a one is refused (MBEDTLS_ERR_GCM_BAD_INPUT)
 * instead of giving a tag no other implementation would.
 */
#include <stdint.h>
#include <string.h>

#include "mbedtls/aes.h"
#include "mbedtls/gcm.h"
#include "mbedtls/platform_util.h"
#include "tls/aes_ctr.h"
#include "tls/be64.h"
#include "tls/ghash.h"

/* Bytes encrypted, then hashed, at a time: both passes find them in the L1 cache. */
#define GCM_RUN_BYTES 1024

/* GCM's limits: at most 2^36 - 32 bytes of text, 2^61 - 1 bytes of IV or additional data. */
#define GCM_TEXT_MAX 0xFFFFFFFE0ull

void mbedtls_gcm_init(mbedtls_gcm_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    mbedtls_aes_init(&ctx->aes);
}

void mbedtls_gcm_free(mbedtls_gcm_context *ctx)
{
    if (ctx == NULL)
        return;
    mbedtls_aes_free(&ctx->aes);
    tls_ghash_free(&ctx->ghash);
    mbedtls_platform_zeroize(ctx, sizeof(*ctx));
}

int mbedtls_gcm_setkey(mbedtls_gcm_context *ctx, mbedtls_cipher_id_t cipher,
                       const unsigned char *key, unsigned int keybits)
{
    if (ctx == NULL || key == NULL || cipher != MBEDTLS_CIPHER_ID_AES ||
        (keybits != 128 && keybits != 192 && keybits != 256))
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    int ret = mbedtls_aes_setkey_enc(&ctx->aes, key, keybits);
    if (ret != 0)
        return ret;
    /* The hash key H is the cipher applied to the zero block. */
    unsigned char h[16] = {0};
    ret = mbedtls_aes_crypt_ecb(&ctx->aes, MBEDTLS_AES_ENCRYPT, h, h);
    if (ret != 0)
        return ret;
    tls_ghash_setkey(&ctx->ghash, h);
    mbedtls_platform_zeroize(h, sizeof(h));
    return 0;
}

/* GHASH of len bytes at p, the last block padded with zeros. */
static void hash_padded(mbedtls_gcm_context *ctx, const unsigned char *p, size_t len)
{
    tls_ghash_blocks(&ctx->ghash, ctx->x, p, len / 16);
    if (len % 16) {
        unsigned char last[16] = {0};
        memcpy(last, p + len / 16 * 16, len % 16);
        tls_ghash_blocks(&ctx->ghash, ctx->x, last, 1);
    }
}

/* out = in XOR the key stream of the next nblocks counter blocks (see tls_aes_ctr32). */
static int ctr_blocks(mbedtls_gcm_context *ctx, const unsigned char *in, unsigned char *out,
                      size_t nblocks)
{
    if (tls_aes_ctr_available()) {
        tls_aes_ctr32(&ctx->aes, ctx->y, in, out, nblocks);
        return 0;
    }
    for (; nblocks > 0; nblocks--, in += 16, out += 16) {
        unsigned char e[16];
        uint32_t n = (uint32_t)ctx->y[12] << 24 | (uint32_t)ctx->y[13] << 16 |
                     (uint32_t)ctx->y[14] << 8 | ctx->y[15];
        n++;
        ctx->y[12] = (unsigned char)(n >> 24);
        ctx->y[13] = (unsigned char)(n >> 16);
        ctx->y[14] = (unsigned char)(n >> 8);
        ctx->y[15] = (unsigned char)n;
        int ret = mbedtls_aes_crypt_ecb(&ctx->aes, MBEDTLS_AES_ENCRYPT, ctx->y, e);
        if (ret != 0)
            return ret;
        tls_store_be64(out, tls_load_be64(in) ^ tls_load_be64(e));
        tls_store_be64(out + 8, tls_load_be64(in + 8) ^ tls_load_be64(e + 8));
    }
    return 0;
}

int mbedtls_gcm_starts(mbedtls_gcm_context *ctx, int mode, const unsigned char *iv,
                       size_t iv_len, const unsigned char *add, size_t add_len)
{
    if (ctx == NULL || iv == NULL || (add_len != 0 && add == NULL))
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    if (iv_len == 0 || (uint64_t)iv_len >> 61 != 0 || (uint64_t)add_len >> 61 != 0)
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    ctx->mode = mode;
    ctx->len = 0;
    ctx->add_len = add_len;
    ctx->x[0] = ctx->x[1] = 0;

    /* The first counter block J0: IV || 0^31 || 1 for a 96-bit IV, else GHASH(IV, padded, then
     * a block holding the IV's length in bits). */
    if (iv_len == 12) {
        memcpy(ctx->y, iv, 12);
        memset(ctx->y + 12, 0, 3);
        ctx->y[15] = 1;
    } else {
        unsigned char lens[16] = {0};
        tls_store_be64(lens + 8, (uint64_t)iv_len * 8);
        hash_padded(ctx, iv, iv_len);
        tls_ghash_blocks(&ctx->ghash, ctx->x, lens, 1);
        tls_store_be64(ctx->y, ctx->x[0]);
        tls_store_be64(ctx->y + 8, ctx->x[1]);
        ctx->x[0] = ctx->x[1] = 0;
    }
    int ret = mbedtls_aes_crypt_ecb(&ctx->aes, MBEDTLS_AES_ENCRYPT, ctx->y, ctx->ek_j0);
    if (ret != 0)
        return ret;
    hash_padded(ctx, add, add_len);
    return 0;
}

int mbedtls_gcm_update(mbedtls_gcm_context *ctx, size_t length, const unsigned char *input,
                       unsigned char *output)
{
    if (ctx == NULL || (length != 0 && (input == NULL || output == NULL)))
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    /* The output may be the input, or start before it (each block is read before the blocks
     * before it are written), but not start inside it. */
    if (output > input && (size_t)(output - input) < length)
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    if (ctx->len + length < ctx->len || ctx->len + length > GCM_TEXT_MAX)
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    if (length != 0 && ctx->len % 16 != 0)
        return MBEDTLS_ERR_GCM_BAD_INPUT; /* a partial block was not the last */
    ctx->len += length;

    /* Whole blocks, a run at a time; GHASH covers the ciphertext: the output when encrypting,
     * the input (hashed before it may be overwritten) when decrypting. */
    while (length >= 16) {
        size_t run = length < GCM_RUN_BYTES ? length / 16 * 16 : GCM_RUN_BYTES;
        if (ctx->mode == MBEDTLS_GCM_DECRYPT)
            tls_ghash_blocks(&ctx->ghash, ctx->x, input, run / 16);
        int ret = ctr_blocks(ctx, input, output, run / 16);
        if (ret != 0)
            return ret;
        if (ctx->mode != MBEDTLS_GCM_DECRYPT)
            tls_ghash_blocks(&ctx->ghash, ctx->x, output, run / 16);
        input += run;
        output += run;
        length -= run;
    }
    if (length > 0) { /* the last, partial block */
        unsigned char block[16] = {0};
        memcpy(block, input, length);
        if (ctx->mode == MBEDTLS_GCM_DECRYPT)
            tls_ghash_blocks(&ctx->ghash, ctx->x, block, 1);
        int ret = ctr_blocks(ctx, block, block, 1);
        if (ret != 0)
            return ret;
        memset(block + length, 0, 16 - length);
        if (ctx->mode != MBEDTLS_GCM_DECRYPT)
            tls_ghash_blocks(&ctx->ghash, ctx->x, block, 1);
        memcpy(output, block, length);
        mbedtls_platform_zeroize(block, sizeof(block));
    }
    return 0;
}

int mbedtls_gcm_finish(mbedtls_gcm_context *ctx, unsigned char *tag, size_t tag_len)
{
    if (ctx == NULL || tag == NULL || tag_len > 16 || tag_len < 4)
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    unsigned char block[16];
    tls_store_be64(block, ctx->add_len * 8);
    tls_store_be64(block + 8, ctx->len * 8);
    tls_ghash_blocks(&ctx->ghash, ctx->x, block, 1);
    tls_store_be64(block, ctx->x[0]);
    tls_store_be64(block + 8, ctx->x[1]);
    for (size_t i = 0; i < tag_len; i++)
        tag[i] = ctx->ek_j0[i] ^ block[i];
    return 0;
}

int mbedtls_gcm_crypt_and_tag(mbedtls_gcm_context *ctx, int mode, size_t length,
                              const unsigned char *iv, size_t iv_len, const unsigned char *add,
                              size_t add_len, const unsigned char *input,
                              unsigned char *output, size_t tag_len, unsigned char *tag)
{
    int ret = mbedtls_gcm_starts(ctx, mode, iv, iv_len, add, add_len);
    if (ret == 0)
        ret = mbedtls_gcm_update(ctx, length, input, output);
    if (ret == 0)
        ret = mbedtls_gcm_finish(ctx, tag, tag_len);
    return ret;
}

int mbedtls_gcm_auth_decrypt(mbedtls_gcm_context *ctx, size_t length, const unsigned char *iv,
                             size_t iv_len, const unsigned char *add, size_t add_len,
                             const unsigned char *tag, size_t tag_len,
                             const unsigned char *input, unsigned char *output)
{
    if (tag == NULL)
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    unsigned char check[16];
    int ret = mbedtls_gcm_crypt_and_tag(ctx, MBEDTLS_GCM_DECRYPT, length, iv, iv_len, add,
                                        add_len, input, output, tag_len, check);
    if (ret != 0)
        return ret;
    /* Every byte compared whatever the first difference: no timing to learn the tag from. */
    unsigned char diff = 0;
    for (size_t i = 0; i < tag_len; i++)
        diff |= tag[i] ^ check[i];
    if (diff != 0) {
        mbedtls_platform_zeroize(output, length);
        return MBEDTLS_ERR_GCM_AUTH_FAILED;
    }
    return 0;
}
