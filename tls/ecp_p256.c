/*
 * P-256 point arithmetic for mbedTLS's elliptic-curve code: the hooks it calls in place of its
 * own doubling, mixed addition and normalisation of Jacobian points when the group is
 * secp256r1 (MBEDTLS_ECP_INTERNAL_ALT and the three *_ALT options in tls/mbedtls_config.h;
 * the prototypes are mbedTLS's, in mbedtls/ecp_internal.h).  Other curves keep mbedTLS's code.
 *
 * Why.  Under QEMU's TCG a full HTTPS handshake spent more than half its time signing with
 * ECDSA P-256, most of it in the comb multiplication's doublings and additions, each a dozen
 * modular multiplications through mbedTLS's general big numbers (an allocation, a zeroing and
 * a free per temporary; a 32-bit reduction).  Here the same formulas run on fixed 4-limb field
 * elements (tls/p256_field.c), and normalisation inverts by Fermat instead of mbedTLS's binary
 * extended Euclid.
 *
 * The formulas, and so every intermediate Jacobian representation, are mbedTLS's own (ecp.c:
 * ecp_double_jac for a = -3, ecp_add_mixed with its special cases, ecp_normalize_jac), so the
 * results are the same numbers; the host test tls/tests/test_p256.c checks them against an
 * independent affine computation.  Coordinates arrive as mbedTLS big numbers in [0, p); one
 * that is not is refused (MBEDTLS_ERR_ECP_BAD_INPUT_DATA).
 */
#include <stdint.h>

#include "mbedtls/bignum.h"
#include "mbedtls/ecp.h"
#include "mbedtls/ecp_internal.h"
#include "tls/p256_field.h"

/* A point in Jacobian coordinates on fixed field elements. */
struct jac {
    p256_fe x, y, z;
};

/* a from an mbedTLS big number; -1 unless 0 <= a < p. */
static int fe_from_mpi(p256_fe r, const mbedtls_mpi *a)
{
    for (size_t i = 4; i < a->n; i++)
        if (a->p[i] != 0)
            return -1;
    for (size_t i = 0; i < 4; i++)
        r[i] = i < a->n ? a->p[i] : 0;
    if (a->s < 0 && !p256_is_zero(r))
        return -1; /* negative (a zero may carry either sign) */
    return p256_is_reduced(r) ? 0 : -1;
}

static int fe_to_mpi(mbedtls_mpi *r, const p256_fe a)
{
    int ret = mbedtls_mpi_grow(r, 4);
    if (ret != 0)
        return ret;
    for (size_t i = 0; i < r->n; i++)
        r->p[i] = i < 4 ? a[i] : 0;
    r->s = 1;
    return 0;
}

static int jac_from_point(struct jac *r, const mbedtls_ecp_point *p)
{
    if (fe_from_mpi(r->x, &p->X) || fe_from_mpi(r->y, &p->Y) || fe_from_mpi(r->z, &p->Z))
        return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
    return 0;
}

static int jac_to_point(mbedtls_ecp_point *r, const struct jac *p)
{
    int ret = fe_to_mpi(&r->X, p->x);
    if (ret == 0)
        ret = fe_to_mpi(&r->Y, p->y);
    if (ret == 0)
        ret = fe_to_mpi(&r->Z, p->z);
    return ret;
}

/* r = 2p, a = -3 (ecp_double_jac's "special case for A = -3", the same steps). */
static void jac_double(struct jac *r, const struct jac *p)
{
    p256_fe m, s, t, u;
    /* M = 3 (X + Z^2)(X - Z^2) */
    p256_sqr(s, p->z);
    p256_add(t, p->x, s);
    p256_sub(u, p->x, s);
    p256_mul(s, t, u);
    p256_add(m, s, s);
    p256_add(m, m, s);
    /* S = 4 X Y^2 */
    p256_sqr(t, p->y);
    p256_add(t, t, t);
    p256_mul(s, p->x, t);
    p256_add(s, s, s);
    /* U = 8 Y^4 */
    p256_sqr(u, t);
    p256_add(u, u, u);
    /* T = M^2 - 2 S */
    p256_sqr(t, m);
    p256_sub(t, t, s);
    p256_sub(t, t, s);
    /* S = M (S - T) - U */
    p256_sub(s, s, t);
    p256_mul(s, s, m);
    p256_sub(s, s, u);
    /* U = 2 Y Z */
    p256_mul(u, p->y, p->z);
    p256_add(u, u, u);
    for (int i = 0; i < 4; i++) {
        r->x[i] = t[i];
        r->y[i] = s[i];
        r->z[i] = u[i];
    }
}

unsigned char mbedtls_internal_ecp_grp_capable(const mbedtls_ecp_group *grp)
{
    return grp->id == MBEDTLS_ECP_DP_SECP256R1;
}

int mbedtls_internal_ecp_init(const mbedtls_ecp_group *grp)
{
    (void)grp; /* nothing to set up: the field's constants are static */
    return 0;
}

void mbedtls_internal_ecp_free(const mbedtls_ecp_group *grp)
{
    (void)grp;
}

int mbedtls_internal_ecp_double_jac(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
                                    const mbedtls_ecp_point *P)
{
    (void)grp;
    struct jac p;
    int ret = jac_from_point(&p, P);
    if (ret != 0)
        return ret;
    jac_double(&p, &p);
    return jac_to_point(R, &p);
}

/*
 * R = P + Q, Q affine (its Z is 1, or unset meaning 1, or 0 for the point at infinity).  The
 * special cases as mbedTLS's ecp_add_mixed has them (it explains why, in the comb
 * multiplication, they never depend on secrets): P or Q zero; P == Q (double); P == -Q (zero).
 */
int mbedtls_internal_ecp_add_mixed(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
                                   const mbedtls_ecp_point *P, const mbedtls_ecp_point *Q)
{
    (void)grp;
    if (mbedtls_mpi_cmp_int(&P->Z, 0) == 0)
        return mbedtls_ecp_copy(R, Q);
    if (Q->Z.p != NULL && mbedtls_mpi_cmp_int(&Q->Z, 0) == 0)
        return mbedtls_ecp_copy(R, P);
    if (Q->Z.p != NULL && mbedtls_mpi_cmp_int(&Q->Z, 1) != 0)
        return MBEDTLS_ERR_ECP_BAD_INPUT_DATA; /* Q not normalised */

    struct jac p;
    p256_fe qx, qy;
    if (jac_from_point(&p, P) || fe_from_mpi(qx, &Q->X) || fe_from_mpi(qy, &Q->Y))
        return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;

    p256_fe t1, t2, t3, t4;
    p256_sqr(t1, p.z);
    p256_mul(t2, t1, p.z);
    p256_mul(t1, t1, qx);
    p256_mul(t2, t2, qy);
    p256_sub(t1, t1, p.x);
    p256_sub(t2, t2, p.y);
    if (p256_is_zero(t1)) {
        if (p256_is_zero(t2)) { /* P == Q */
            jac_double(&p, &p);
            return jac_to_point(R, &p);
        }
        return mbedtls_ecp_set_zero(R); /* P == -Q */
    }
    struct jac r;
    p256_mul(r.z, p.z, t1);
    p256_sqr(t3, t1);
    p256_mul(t4, t3, t1);
    p256_mul(t3, t3, p.x);
    p256_add(t1, t3, t3);
    p256_sqr(r.x, t2);
    p256_sub(r.x, r.x, t1);
    p256_sub(r.x, r.x, t4);
    p256_sub(t3, t3, r.x);
    p256_mul(t3, t3, t2);
    p256_mul(t4, t4, p.y);
    p256_sub(r.y, t3, t4);
    return jac_to_point(R, &r);
}

/* (X, Y, Z) -> (X / Z^2, Y / Z^3, 1); mbedTLS calls this only for Z != 0. */
int mbedtls_internal_ecp_normalize_jac(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt)
{
    (void)grp;
    struct jac p;
    int ret = jac_from_point(&p, pt);
    if (ret != 0)
        return ret;
    p256_fe zi, zzi;
    p256_inv(zi, p.z);
    p256_sqr(zzi, zi);
    p256_mul(p.x, p.x, zzi);
    p256_mul(p.y, p.y, zzi);
    p256_mul(p.y, p.y, zi);
    ret = fe_to_mpi(&pt->X, p.x);
    if (ret == 0)
        ret = fe_to_mpi(&pt->Y, p.y);
    if (ret == 0)
        ret = mbedtls_mpi_lset(&pt->Z, 1);
    return ret;
}
