/*
 * P-256 arithmetic (tls/p256_field.c) and mbedTLS's elliptic-curve code running on it
 * (tls/ecp_p256.c), on the host with the kernel's mbedTLS configuration:
 *   - field operations equal mbedTLS's big-number arithmetic modulo p, for edge values and
 *     random ones; the reduction for any 512-bit value;
 *   - k G and k Q computed by mbedTLS (its comb method, on our doubling, addition and
 *     normalisation) equal an independent affine double-and-add written here with mbedTLS's
 *     big numbers; the results lie on the curve; (n - 1) G = -G;
 *   - ECDH agrees, ECDSA signatures verify and a changed hash does not;
 *   - coordinates outside [0, p) and an unnormalised addend are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mbedtls/bignum.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/ecp_internal.h"
#include "tls/p256_field.h"
#include "tests/host/xorshift.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t next64(void)
{
    return xorshift64(&rng_state);
}

/* Not random, and need not be: what is made with it here is only checked. */
static int test_rng(void *state, unsigned char *out, size_t len)
{
    (void)state;
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(next64() >> 29);
    return 0;
}

static void mpi_from_fe(mbedtls_mpi *r, const uint64_t *a, size_t limbs)
{
    assert_int_equal(mbedtls_mpi_grow(r, limbs), 0);
    assert_int_equal(mbedtls_mpi_lset(r, 0), 0);
    assert_int_equal(mbedtls_mpi_grow(r, limbs), 0);
    for (size_t i = 0; i < limbs; i++)
        r->p[i] = a[i];
}

static void assert_fe_equals_mpi(const p256_fe a, const mbedtls_mpi *m)
{
    mbedtls_mpi x;
    mbedtls_mpi_init(&x);
    mpi_from_fe(&x, a, 4);
    assert_int_equal(mbedtls_mpi_cmp_mpi(&x, m), 0);
    mbedtls_mpi_free(&x);
}

/* Field elements to try: edge values, then random ones below p. */
enum { FIELD_VALUES = 40 };
static void field_value(p256_fe r, int i, const mbedtls_mpi *P)
{
    static const p256_fe edges[] = {
        {0, 0, 0, 0},
        {1, 0, 0, 0},
        {2, 0, 0, 0},
        {0xfffffffffffffffeull, 0x00000000ffffffffull, 0, 0xffffffff00000001ull}, /* p - 1 */
        {0xfffffffffffffffdull, 0x00000000ffffffffull, 0, 0xffffffff00000001ull}, /* p - 2 */
        {0, 0, 0, 0x8000000000000000ull},                                          /* 2^255 */
        {0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull,
         0xffffffff00000000ull},
        {0, 0x100000000ull, 0, 0},
    };
    if (i < (int)(sizeof(edges) / sizeof(edges[0]))) {
        memcpy(r, edges[i], sizeof(p256_fe));
        return;
    }
    mbedtls_mpi x;
    mbedtls_mpi_init(&x);
    uint64_t raw[4] = {next64(), next64(), next64(), next64()};
    mpi_from_fe(&x, raw, 4);
    assert_int_equal(mbedtls_mpi_mod_mpi(&x, &x, P), 0);
    for (int k = 0; k < 4; k++)
        r[k] = k < (int)x.n ? x.p[k] : 0;
    mbedtls_mpi_free(&x);
}

static void test_field_matches_bignum(void **state)
{
    mbedtls_mpi P, A, B, R;
    mbedtls_mpi_init(&P);
    mbedtls_mpi_init(&A);
    mbedtls_mpi_init(&B);
    mbedtls_mpi_init(&R);
    mpi_from_fe(&P, p256_p, 4);
    for (int i = 0; i < FIELD_VALUES; i++) {
        p256_fe a, b, r;
        field_value(a, i, &P);
        field_value(b, (i * 7 + 3) % FIELD_VALUES, &P);
        assert_true(p256_is_reduced(a));
        mpi_from_fe(&A, a, 4);
        mpi_from_fe(&B, b, 4);

        p256_add(r, a, b);
        assert_int_equal(mbedtls_mpi_add_mpi(&R, &A, &B), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&R, &R, &P), 0);
        assert_fe_equals_mpi(r, &R);

        p256_sub(r, a, b);
        assert_int_equal(mbedtls_mpi_sub_mpi(&R, &A, &B), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&R, &R, &P), 0);
        assert_fe_equals_mpi(r, &R);

        p256_mul(r, a, b);
        assert_int_equal(mbedtls_mpi_mul_mpi(&R, &A, &B), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&R, &R, &P), 0);
        assert_fe_equals_mpi(r, &R);

        p256_sqr(r, a);
        assert_int_equal(mbedtls_mpi_mul_mpi(&R, &A, &A), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&R, &R, &P), 0);
        assert_fe_equals_mpi(r, &R);

        p256_inv(r, a);
        if (p256_is_zero(a)) {
            assert_true(p256_is_zero(r));
        } else {
            assert_int_equal(mbedtls_mpi_inv_mod(&R, &A, &P), 0);
            assert_fe_equals_mpi(r, &R);
        }
    }
    /* The reduction alone, for any 512-bit value (not only products of reduced values). */
    for (int i = 0; i < 200; i++) {
        uint64_t t[8];
        for (int k = 0; k < 8; k++)
            t[k] = i == 0 ? ~0ull : i == 1 ? 0 : next64();
        p256_fe r;
        p256_reduce(r, t);
        mpi_from_fe(&A, t, 8);
        assert_int_equal(mbedtls_mpi_mod_mpi(&R, &A, &P), 0);
        assert_fe_equals_mpi(r, &R);
    }
    /* p itself and above are not reduced. */
    assert_false(p256_is_reduced(p256_p));
    mbedtls_mpi_free(&P);
    mbedtls_mpi_free(&A);
    mbedtls_mpi_free(&B);
    mbedtls_mpi_free(&R);
}

/* ---- an independent reference: affine points on mbedTLS's big numbers --------------------- */

struct aff {
    mbedtls_mpi x, y;
    int inf;
};

/* r = a + b on y^2 = x^3 - 3x + b (affine, textbook), all modulo grp->P. */
static void aff_add(const mbedtls_ecp_group *grp, struct aff *r, const struct aff *a,
                    const struct aff *b)
{
    if (a->inf || b->inf) {
        const struct aff *o = a->inf ? b : a;
        r->inf = o->inf;
        assert_int_equal(mbedtls_mpi_copy(&r->x, &o->x), 0);
        assert_int_equal(mbedtls_mpi_copy(&r->y, &o->y), 0);
        return;
    }
    mbedtls_mpi l, t, u;
    mbedtls_mpi_init(&l);
    mbedtls_mpi_init(&t);
    mbedtls_mpi_init(&u);
    const mbedtls_mpi *P = &grp->P;
    if (mbedtls_mpi_cmp_mpi(&a->x, &b->x) == 0) {
        assert_int_equal(mbedtls_mpi_add_mpi(&t, &a->y, &b->y), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&t, &t, P), 0);
        if (mbedtls_mpi_cmp_int(&t, 0) == 0) { /* b = -a */
            r->inf = 1;
            goto out;
        }
        /* l = (3 x^2 - 3) / 2y */
        assert_int_equal(mbedtls_mpi_mul_mpi(&l, &a->x, &a->x), 0);
        assert_int_equal(mbedtls_mpi_sub_int(&l, &l, 1), 0);
        assert_int_equal(mbedtls_mpi_mul_int(&l, &l, 3), 0);
        assert_int_equal(mbedtls_mpi_mul_int(&u, &a->y, 2), 0);
    } else {
        /* l = (yb - ya) / (xb - xa) */
        assert_int_equal(mbedtls_mpi_sub_mpi(&l, &b->y, &a->y), 0);
        assert_int_equal(mbedtls_mpi_sub_mpi(&u, &b->x, &a->x), 0);
    }
    assert_int_equal(mbedtls_mpi_mod_mpi(&u, &u, P), 0);
    assert_int_equal(mbedtls_mpi_inv_mod(&u, &u, P), 0);
    assert_int_equal(mbedtls_mpi_mul_mpi(&l, &l, &u), 0);
    assert_int_equal(mbedtls_mpi_mod_mpi(&l, &l, P), 0);
    /* x = l^2 - xa - xb; y = l (xa - x) - ya */
    assert_int_equal(mbedtls_mpi_mul_mpi(&t, &l, &l), 0);
    assert_int_equal(mbedtls_mpi_sub_mpi(&t, &t, &a->x), 0);
    assert_int_equal(mbedtls_mpi_sub_mpi(&t, &t, &b->x), 0);
    assert_int_equal(mbedtls_mpi_mod_mpi(&t, &t, P), 0);
    assert_int_equal(mbedtls_mpi_sub_mpi(&u, &a->x, &t), 0);
    assert_int_equal(mbedtls_mpi_mul_mpi(&u, &u, &l), 0);
    assert_int_equal(mbedtls_mpi_sub_mpi(&u, &u, &a->y), 0);
    assert_int_equal(mbedtls_mpi_mod_mpi(&r->y, &u, P), 0);
    assert_int_equal(mbedtls_mpi_copy(&r->x, &t), 0);
    r->inf = 0;
out:
    mbedtls_mpi_free(&l);
    mbedtls_mpi_free(&t);
    mbedtls_mpi_free(&u);
}

/* k q by double-and-add, most significant bit first; checks it against mbedTLS's k q. */
static void check_mul_against_reference(mbedtls_ecp_group *grp, const mbedtls_mpi *k,
                                        const mbedtls_ecp_point *q)
{
    mbedtls_ecp_point r;
    mbedtls_ecp_point_init(&r);
    assert_int_equal(mbedtls_ecp_mul(grp, &r, k, q, test_rng, NULL), 0);
    assert_int_equal(mbedtls_ecp_check_pubkey(grp, &r), 0); /* on the curve (big numbers) */

    struct aff acc = {.inf = 1}, base = {.inf = 0};
    mbedtls_mpi_init(&acc.x);
    mbedtls_mpi_init(&acc.y);
    mbedtls_mpi_init(&base.x);
    mbedtls_mpi_init(&base.y);
    assert_int_equal(mbedtls_mpi_copy(&base.x, &q->X), 0);
    assert_int_equal(mbedtls_mpi_copy(&base.y, &q->Y), 0);
    for (size_t bit = mbedtls_mpi_bitlen(k); bit-- > 0;) {
        aff_add(grp, &acc, &acc, &acc);
        if (mbedtls_mpi_get_bit(k, bit))
            aff_add(grp, &acc, &acc, &base);
    }
    assert_false(acc.inf);
    assert_int_equal(mbedtls_mpi_cmp_mpi(&acc.x, &r.X), 0);
    assert_int_equal(mbedtls_mpi_cmp_mpi(&acc.y, &r.Y), 0);
    assert_int_equal(mbedtls_mpi_cmp_int(&r.Z, 1), 0);
    mbedtls_mpi_free(&acc.x);
    mbedtls_mpi_free(&acc.y);
    mbedtls_mpi_free(&base.x);
    mbedtls_mpi_free(&base.y);
    mbedtls_ecp_point_free(&r);
}

static void test_scalar_multiplication_matches_reference(void **state)
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_group_init(&grp);
    assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
    assert_true(mbedtls_internal_ecp_grp_capable(&grp));
    mbedtls_mpi k;
    mbedtls_mpi_init(&k);
    /* Small scalars, then random ones below n, on G (comb with its table) and on another
     * point (the comb without one). */
    mbedtls_ecp_point q;
    mbedtls_ecp_point_init(&q);
    for (int i = 0; i < 24; i++) {
        if (i < 4)
            assert_int_equal(mbedtls_mpi_lset(&k, i + 1), 0);
        else
            assert_int_equal(mbedtls_mpi_fill_random(&k, 32, test_rng, NULL), 0);
        assert_int_equal(mbedtls_mpi_mod_mpi(&k, &k, &grp.N), 0);
        if (mbedtls_mpi_cmp_int(&k, 0) == 0)
            continue;
        check_mul_against_reference(&grp, &k, &grp.G);
        if (i == 5) /* q = k G for the rest */
            assert_int_equal(mbedtls_ecp_mul(&grp, &q, &k, &grp.G, test_rng, NULL), 0);
        if (i > 5)
            check_mul_against_reference(&grp, &k, &q);
    }
    /* (n - 1) G = -G */
    mbedtls_ecp_point r;
    mbedtls_ecp_point_init(&r);
    assert_int_equal(mbedtls_mpi_sub_int(&k, &grp.N, 1), 0);
    assert_int_equal(mbedtls_ecp_mul(&grp, &r, &k, &grp.G, test_rng, NULL), 0);
    assert_int_equal(mbedtls_mpi_cmp_mpi(&r.X, &grp.G.X), 0);
    mbedtls_mpi neg_y;
    mbedtls_mpi_init(&neg_y);
    assert_int_equal(mbedtls_mpi_sub_mpi(&neg_y, &grp.P, &grp.G.Y), 0);
    assert_int_equal(mbedtls_mpi_cmp_mpi(&r.Y, &neg_y), 0);
    mbedtls_mpi_free(&neg_y);
    mbedtls_ecp_point_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&k);
    mbedtls_ecp_group_free(&grp);
}

static void test_ecdh_and_ecdsa(void **state)
{
    mbedtls_ecp_keypair a, b;
    mbedtls_ecp_keypair_init(&a);
    mbedtls_ecp_keypair_init(&b);
    assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, &a, test_rng, NULL), 0);
    assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, &b, test_rng, NULL), 0);
    /* ECDH: d_a Q_b = d_b Q_a */
    mbedtls_ecp_point s1, s2;
    mbedtls_ecp_point_init(&s1);
    mbedtls_ecp_point_init(&s2);
    assert_int_equal(mbedtls_ecp_mul(&a.grp, &s1, &a.d, &b.Q, test_rng, NULL), 0);
    assert_int_equal(mbedtls_ecp_mul(&b.grp, &s2, &b.d, &a.Q, test_rng, NULL), 0);
    assert_int_equal(mbedtls_ecp_point_cmp(&s1, &s2), 0);
    /* ECDSA: 20 signatures (the group keeps its comb table after the first) verify; a hash
     * with one bit changed does not. */
    for (int i = 0; i < 20; i++) {
        unsigned char hash[32];
        test_rng(NULL, hash, sizeof(hash));
        mbedtls_mpi r, s;
        mbedtls_mpi_init(&r);
        mbedtls_mpi_init(&s);
        assert_int_equal(mbedtls_ecdsa_sign(&a.grp, &r, &s, &a.d, hash, sizeof(hash), test_rng,
                                            NULL),
                         0);
        assert_int_equal(mbedtls_ecdsa_verify(&a.grp, hash, sizeof(hash), &a.Q, &r, &s), 0);
        hash[i % 32] ^= 1;
        assert_int_equal(mbedtls_ecdsa_verify(&a.grp, hash, sizeof(hash), &a.Q, &r, &s),
                         MBEDTLS_ERR_ECP_VERIFY_FAILED);
        mbedtls_mpi_free(&r);
        mbedtls_mpi_free(&s);
    }
    mbedtls_ecp_point_free(&s1);
    mbedtls_ecp_point_free(&s2);
    mbedtls_ecp_keypair_free(&a);
    mbedtls_ecp_keypair_free(&b);
}

static void test_bad_coordinates_refused(void **state)
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_group_init(&grp);
    assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
    mbedtls_ecp_point p, r;
    mbedtls_ecp_point_init(&p);
    mbedtls_ecp_point_init(&r);
    assert_int_equal(mbedtls_ecp_copy(&p, &grp.G), 0);
    /* X = p: not reduced */
    assert_int_equal(mbedtls_mpi_copy(&p.X, &grp.P), 0);
    assert_int_equal(mbedtls_internal_ecp_double_jac(&grp, &r, &p),
                     MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
    /* X negative */
    assert_int_equal(mbedtls_mpi_lset(&p.X, -5), 0);
    assert_int_equal(mbedtls_internal_ecp_normalize_jac(&grp, &p), MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
    /* An addend whose Z is not 1 */
    mbedtls_ecp_point q;
    mbedtls_ecp_point_init(&q);
    assert_int_equal(mbedtls_ecp_copy(&q, &grp.G), 0);
    assert_int_equal(mbedtls_ecp_copy(&p, &grp.G), 0);
    assert_int_equal(mbedtls_mpi_lset(&q.Z, 2), 0);
    assert_int_equal(mbedtls_internal_ecp_add_mixed(&grp, &r, &p, &q),
                     MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
    /* G + G through the addition is the doubling; G + (-G) is zero */
    assert_int_equal(mbedtls_mpi_lset(&q.Z, 1), 0);
    mbedtls_ecp_point d;
    mbedtls_ecp_point_init(&d);
    assert_int_equal(mbedtls_internal_ecp_add_mixed(&grp, &r, &p, &q), 0);
    assert_int_equal(mbedtls_internal_ecp_double_jac(&grp, &d, &p), 0);
    assert_int_equal(mbedtls_ecp_point_cmp(&r, &d), 0);
    assert_int_equal(mbedtls_mpi_sub_mpi(&q.Y, &grp.P, &q.Y), 0);
    assert_int_equal(mbedtls_internal_ecp_add_mixed(&grp, &r, &p, &q), 0);
    assert_true(mbedtls_ecp_is_zero(&r));
    mbedtls_ecp_point_free(&d);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_point_free(&p);
    mbedtls_ecp_point_free(&r);
    mbedtls_ecp_group_free(&grp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_matches_bignum),
        cmocka_unit_test(test_scalar_multiplication_matches_reference),
        cmocka_unit_test(test_ecdh_and_ecdsa),
        cmocka_unit_test(test_bad_coordinates_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
