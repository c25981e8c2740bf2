/* Software floating point for the x87 and SSE units: IEEE 754 binary32 and binary64 with
 * the rules SSE gives them (NaN propagation, DAZ, FTZ, the integer indefinite), and the
 * x87's 80-bit extended format with its rules (precision control, unsupported encodings,
 * the denormal-operand exception, C1 "rounded up"). Pure integer C: results are the same
 * bits on every host, whatever its own floating point does (SDM Vol. 1 chapters 4, 8, 11).
 *
 * Every operation takes the status it works under: rounding mode, x87 precision control,
 * DAZ/FTZ, and the sticky exception flags it ORs into. Masked responses are built in;
 * what an unmasked exception stores is the instruction layer's business, except the x87's
 * bias-adjusted overflow/underflow results (SDM 8.5.4, 8.5.5), which rounding produces
 * when `unmasked` holds SF_OE or SF_UE. */
#ifndef VP_FPU_SOFTFLOAT_H
#define VP_FPU_SOFTFLOAT_H

#include "../common.h"

/* Exception flags: the bit positions of MXCSR[5:0] and of the x87 status word's [5:0]. */
enum { SF_IE = 0x01, SF_DE = 0x02, SF_ZE = 0x04, SF_OE = 0x08, SF_UE = 0x10, SF_PE = 0x20 };
/* Rounding modes: the encoding of MXCSR.RC and FCW.RC. */
enum { SF_RN = 0, SF_RD = 1, SF_RU = 2, SF_RZ = 3 };
/* x87 precision control: the encoding of FCW.PC (1 is reserved and treated as 53 bits). */
enum { SF_PC24 = 0, SF_PC53 = 2, SF_PC64 = 3 };

struct sf_status {
    u8 round;    /* SF_RN..SF_RZ */
    u8 prec;     /* SF_PC24..SF_PC64: x87 add/sub/mul/div/sqrt results only */
    u8 flags;    /* sticky SF_* flags the operations OR into */
    u8 unmasked; /* x87: SF_OE/SF_UE here give the bias-adjusted result instead */
    bool daz;    /* SSE: denormal operands read as zero (no DE) */
    bool ftz;    /* SSE: tiny results become zero (with UE and PE), UE masked */
    bool c1;     /* x87: set when a result was rounded up in magnitude; caller clears */
};

/* The 80-bit extended format: 64-bit significand with explicit integer bit, sign and
 * 15-bit biased exponent in `se`. */
typedef struct {
    u64 sig;
    u16 se;
} fx80;

#define FX80_BIAS 16383
#define FX80_WRAP 24576 /* x87 exponent bias adjustment for unmasked OE/UE (SDM 8.5.4) */
static inline fx80 fx80_make(bool sign, u16 exp, u64 sig)
{
    return (fx80){sig, (u16)((sign ? 0x8000 : 0) | exp)};
}
static inline fx80 fx80_indefinite(void)
{
    return fx80_make(1, 0x7fff, 0xc000000000000000ull);
}

/* Comparison result: the ZF,PF,CF pattern of COMISS and the C3,C2,C0 one of FCOM. */
enum sf_rel { SF_GT = 0, SF_LT = 1, SF_EQ = 4, SF_UN = 7 };

/* ---- binary32 / binary64 with SSE rules (sf_ieee.c, sf_ieee_cvt.c) ---- */
u32 f32_add(struct sf_status *s, u32 a, u32 b);
u32 f32_sub(struct sf_status *s, u32 a, u32 b);
u32 f32_mul(struct sf_status *s, u32 a, u32 b);
u32 f32_div(struct sf_status *s, u32 a, u32 b);
u32 f32_sqrt(struct sf_status *s, u32 a);
u32 f32_fma(struct sf_status *s, u32 a, u32 b, u32 c); /* a*b+c, one rounding */
u32 f32_min(struct sf_status *s, u32 a, u32 b);        /* MINSS a, b */
u32 f32_max(struct sf_status *s, u32 a, u32 b);        /* MAXSS a, b */
enum sf_rel f32_compare(struct sf_status *s, u32 a, u32 b, bool signalling);
u32 f32_round_int(struct sf_status *s, u32 a, u8 imm); /* ROUNDSS imm8[3:0] */
u64 f64_add(struct sf_status *s, u64 a, u64 b);
u64 f64_sub(struct sf_status *s, u64 a, u64 b);
u64 f64_mul(struct sf_status *s, u64 a, u64 b);
u64 f64_div(struct sf_status *s, u64 a, u64 b);
u64 f64_sqrt(struct sf_status *s, u64 a);
u64 f64_fma(struct sf_status *s, u64 a, u64 b, u64 c);
/* The VEX FMA forms' negations (SDM Vol. 2 VFMSUB, VFNMADD, VFNMSUB): the product and/or
 * the addend negated before the one rounding; a NaN result is never negated. */
enum { SF_NEG_PRODUCT = 1, SF_NEG_ADDEND = 2 };
u32 f32_fma_neg(struct sf_status *s, u32 a, u32 b, u32 c, unsigned neg);
u64 f64_fma_neg(struct sf_status *s, u64 a, u64 b, u64 c, unsigned neg);
u64 f64_min(struct sf_status *s, u64 a, u64 b);
u64 f64_max(struct sf_status *s, u64 a, u64 b);
enum sf_rel f64_compare(struct sf_status *s, u64 a, u64 b, bool signalling);
u64 f64_round_int(struct sf_status *s, u64 a, u8 imm);

u64 f32_to_f64(struct sf_status *s, u32 a);
/* binary16 (sf_half.c): VCVTPH2PS (exact, no DAZ, no DE) and VCVTPS2PH (rounded in `mode`,
 * an SF_RN..SF_RZ, DAZ honoured, FTZ not). */
u32 f16_to_f32(struct sf_status *s, u16 a);
u16 f32_to_f16(struct sf_status *s, u32 a, unsigned mode);
u32 f64_to_f32(struct sf_status *s, u64 a);
u32 i32_to_f32(struct sf_status *s, s32 v);
u32 i64_to_f32(struct sf_status *s, s64 v);
u64 i32_to_f64(struct sf_status *s, s32 v);
u64 i64_to_f64(struct sf_status *s, s64 v);
/* CVT(T)SS2SI / CVT(T)SD2SI: `trunc` rounds toward zero; NaN and out-of-range give the
 * integer indefinite (0x80000000 / 0x8000000000000000) with IE. */
s32 f32_to_i32(struct sf_status *s, u32 a, bool trunc);
s64 f32_to_i64(struct sf_status *s, u32 a, bool trunc);
s32 f64_to_i32(struct sf_status *s, u64 a, bool trunc);
s64 f64_to_i64(struct sf_status *s, u64 a, bool trunc);

/* ---- 80-bit extended with x87 rules (sf_x80.c, sf_x80_misc.c, sf_x80_cvt.c) ---- */
fx80 fx80_add(struct sf_status *s, fx80 a, fx80 b);
fx80 fx80_sub(struct sf_status *s, fx80 a, fx80 b);
fx80 fx80_mul(struct sf_status *s, fx80 a, fx80 b);
fx80 fx80_div(struct sf_status *s, fx80 a, fx80 b);
fx80 fx80_sqrt(struct sf_status *s, fx80 a);
/* FCOM (signalling: IE for any NaN) / FUCOM (IE for SNaN): relation in C3,C2,C0 form. */
enum sf_rel fx80_compare(struct sf_status *s, fx80 a, fx80 b, bool signalling);
fx80 fx80_round_int(struct sf_status *s, fx80 a);     /* FRNDINT */
fx80 fx80_scale(struct sf_status *s, fx80 a, fx80 b); /* FSCALE: a * 2^trunc(b) */
/* FXTRACT: *exp = unbiased exponent, *sig = significand in [1,2) with a's sign. */
void fx80_xtract(struct sf_status *s, fx80 a, fx80 *exp, fx80 *sig);
/* FPREM (ieee=false: quotient truncated) / FPREM1 (ieee=true: rounded to nearest), one
 * step: returns the (partial) remainder; *cc gets C0,C1,C2,C3 in FSW bit positions
 * (C0 = bit 8, C1 = bit 9, C2 = bit 10 when incomplete, C3 = bit 14). */
fx80 fx80_rem(struct sf_status *s, fx80 a, fx80 b, bool ieee, u16 *cc);

/* Transcendentals (sf_x80_trans.c), rounded to 64 bits by s->round (no precision
 * control). FSIN/FCOS/FPTAN's tan: false when |a| >= 2^63 (C2 = 1, *r = a, no flags). */
bool fx80_sin(struct sf_status *s, fx80 a, fx80 *r);
bool fx80_cos(struct sf_status *s, fx80 a, fx80 *r);
bool fx80_tan(struct sf_status *s, fx80 a, fx80 *r);
fx80 fx80_atan2(struct sf_status *s, fx80 y, fx80 x);  /* FPATAN: ST1 = y, ST0 = x */
fx80 fx80_2xm1(struct sf_status *s, fx80 a);            /* F2XM1 */
fx80 fx80_yl2x(struct sf_status *s, fx80 y, fx80 x);   /* FYL2X: y * log2(x) */
fx80 fx80_yl2xp1(struct sf_status *s, fx80 y, fx80 x); /* FYL2XP1: y * log2(x + 1) */

fx80 f32_to_fx80(struct sf_status *s, u32 a);
fx80 f64_to_fx80(struct sf_status *s, u64 a);
u32 fx80_to_f32(struct sf_status *s, fx80 a);
u64 fx80_to_f64(struct sf_status *s, fx80 a);
fx80 i64_to_fx80(s64 v); /* exact: FILD m16/m32/m64 */
/* FIST/FISTP (trunc=false, rounding by s->round) and FISTTP (trunc=true) to a `bits`-wide
 * integer (16, 32 or 64); NaN, infinities and out-of-range give the integer indefinite
 * (the smallest negative value of that width) with IE. */
s64 fx80_to_int(struct sf_status *s, fx80 a, int bits, bool trunc);
/* FBLD / FBSTP: 10-byte packed BCD, 18 digits, sign in bit 79. */
fx80 bcd_to_fx80(const u8 bcd[10]);
void fx80_to_bcd(struct sf_status *s, fx80 a, u8 bcd[10]);

/* Classification helpers for the instruction layer (FXAM, tags). */
bool fx80_is_nan(fx80 a);
bool fx80_is_signaling(fx80 a);
bool fx80_is_unsupported(fx80 a); /* unnormal, pseudo-NaN, pseudo-infinity (SDM 8.2.2) */

#endif
