/* What the softfloat files share: format descriptors, the unpacked operand, the result
 * before packing, and the one rounding function every operation ends in. */
#ifndef VP_FPU_SF_INTERNAL_H
#define VP_FPU_SF_INTERNAL_H

#include "softfloat.h"

/* A format: significand precision (with the integer bit), exponent bias and width. */
struct sf_fmt {
    int prec, bias, ebits;
};
extern const struct sf_fmt sf_f32, sf_f64, sf_x80;

/* Operand classes. K_BAD is an x87 unsupported encoding (SDM 8.2.2). */
enum { K_ZERO, K_NUM, K_INF, K_QNAN, K_SNAN, K_BAD };

/* An unpacked operand: value = sig * 2^scale for K_NUM (sig != 0, not normalized). */
struct sfu {
    u8 k;
    bool sign, denorm;
    s32 scale;
    u64 sig;
};

/* A result in the layout of the 80-bit format: biased exponent field and a 64-bit
 * significand with the integer bit at 63. Narrower formats take their top bits. */
struct sfr {
    bool sign;
    u32 exp;
    u64 sig;
};

static inline int clz128(u128 v)
{
    u64 hi = (u64)(v >> 64), lo = (u64)v;
    return hi ? __builtin_clzll(hi) : 64 + (lo ? __builtin_clzll(lo) : 64);
}

/* v >> n with every shifted-out 1 folded into bit 0 (n may exceed 127). */
static inline u128 shr_jam(u128 v, int n)
{
    if (n <= 0) return v;
    if (n >= 128) return v != 0;
    return (v >> n) | ((v & (((u128)1 << n) - 1)) != 0);
}

static inline int fmt_emax(const struct sf_fmt *f)
{
    return f->bias;
}
static inline int fmt_emin(const struct sf_fmt *f)
{
    return 1 - f->bias;
}
static inline u32 fmt_expmax(const struct sf_fmt *f)
{
    return (1u << f->ebits) - 1;
}

/* Round sign * sig * 2^scale to `prec` bits in format f's exponent range and set the
 * flags (PE, UE, OE, C1). `sse` selects SSE's FTZ; x87 wrapping follows s->unmasked. */
struct sfr sf_round_pack(struct sf_status *s, const struct sf_fmt *f, int prec, bool sign,
                         s32 scale, u128 sig, bool sse);
/* Round sig * 2^scale (scale < 0) to an integer in `mode`: *inexact when it was not one,
 * *up when the magnitude was rounded up. */
u128 sf_round_to_int(u128 sig, int scale, int mode, bool sign, bool *inexact, bool *up);

static inline struct sfr sfr_zero(bool sign)
{
    return (struct sfr){sign, 0, 0};
}
static inline struct sfr sfr_inf(const struct sf_fmt *f, bool sign)
{
    return (struct sfr){sign, fmt_expmax(f), 1ull << 63};
}
static inline struct sfr sfr_indefinite(const struct sf_fmt *f)
{
    return (struct sfr){1, fmt_expmax(f), 3ull << 62};
}

/* binary32/binary64 <-> unpacked and results (sf_ieee_pack.c). */
struct sfu sf_unpack_ieee(const struct sf_fmt *f, u64 bits, bool daz);
u64 sf_pack_ieee(const struct sf_fmt *f, struct sfr r);
/* The 80-bit format <-> unpacked and results. */
struct sfu sf_unpack_x80(fx80 a);
static inline fx80 sf_pack_x80(struct sfr r)
{
    return fx80_make(r.sign, (u16)r.exp, r.sig);
}

/* Format-independent arithmetic on finite, non-zero-or-zero, non-NaN operands. */
struct sfr sf_core_add(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                       struct sfu b, bool sse);
struct sfr sf_core_mul(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                       struct sfu b, bool sse);
struct sfr sf_core_div(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                       struct sfu b, bool sse);
struct sfr sf_core_sqrt(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                        bool sse);
/* a*b+c exactly, then one rounding (inputs are numbers or zeros or infinities). */
struct sfr sf_core_fma(struct sf_status *s, const struct sf_fmt *f, struct sfu a, struct sfu b,
                       struct sfu c);

/* DE for a denormal operand, unless the operation was invalid or a division by zero:
 * those take precedence (SDM Vol. 1 4.9.2, 11.5.2; the host agrees, on SSE and x87).
 * s->flags holds only this operation's flags when it is called. */
static inline u8 sf_denormal_operand(const struct sf_status *s, bool denorm)
{
    return denorm && !(s->flags & (SF_IE | SF_ZE)) ? SF_DE : 0;
}

/* x87 helpers shared by the sf_x80*.c files. */
int sf_x80_prec(const struct sf_status *s); /* FCW.PC in bits */
fx80 sf_x80_nan(struct sf_status *s, struct sfu x, fx80 a, struct sfu y, fx80 b, bool two);
int sf_order(struct sfu x, struct sfu y); /* numbers, zeros, infinities: -1, 0, 1 */

#endif
