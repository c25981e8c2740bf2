/* A wide working format for the x87 transcendentals (sf_x80_trans.c): sign, a 128-bit
 * significand with its leading bit at 127, and an unbounded exponent. Operations truncate
 * (error below 2^-126 relative each), so a few dozen of them leave a result accurate to
 * about 120 bits, which sf_round_pack then rounds once to the x87 format. Integer C only. */
#ifndef VP_FPU_SF_XF_H
#define VP_FPU_SF_XF_H

#include "sf_internal.h"

/* value = (-1)^s * m * 2^e; m has bit 127 set, or is 0 for zero. */
struct xf {
    bool s;
    s32 e;
    u128 m;
};

struct xf xf_norm(bool s, s32 e, u128 m); /* any m */
struct xf xf_add(struct xf a, struct xf b);
struct xf xf_sub(struct xf a, struct xf b);
struct xf xf_mul(struct xf a, struct xf b);
struct xf xf_div(struct xf a, struct xf b); /* b != 0 */
struct xf xf_div_small(struct xf a, u32 k); /* a / k, k >= 1 */
struct xf xf_from_s32(s32 v);
static inline struct xf xf_neg(struct xf a)
{
    a.s = !a.s;
    return a;
}
static inline struct xf xf_abs(struct xf a)
{
    a.s = false;
    return a;
}
/* Exponent of the leading bit (value in [2^lead, 2^(lead+1))); very small for zero. */
static inline s32 xf_lead(struct xf a)
{
    return a.m ? a.e + 127 : INT32_MIN / 2;
}

#endif
