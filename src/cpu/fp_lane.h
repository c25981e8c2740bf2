/* The SSE floating-point operations as kernels over byte buffers, shared by the legacy
 * encodings (sse_fp.c, sse3.c, sse41.c) and the VEX ones (avx_fp*.c). A kernel computes n
 * bytes (16 or 32 for packed forms, the element size for scalar ones) or one 16-byte lane;
 * the caller fetches the operands, runs simd_fp_begin before and simd_fp_end after (the
 * exception protocol over every element of the vector length, sse_impl.h), and writes the
 * result. r may be the same buffer as a, never as b. */
#ifndef VP_FP_LANE_H
#define VP_FP_LANE_H

#include "sse_impl.h"

/* sse_fp.c */
/* 0F 58-5F ADD/MUL/SUB/MIN/DIV/MAX and 51 SQRT (of b) by opcode, esz 4 or 8. */
void fp_arith(struct simd_fp *f, unsigned op, unsigned esz, const u8 *a, const u8 *b, u8 *r,
              unsigned n);
/* 0F 52 RSQRT, 53 RCP of singles (no flags, MXCSR not read). */
void fp_approx(bool rsqrt, const u8 *b, u8 *r, unsigned n);
/* CMPPS/PD/SS/SD with predicate imm8[4:0] (the legacy forms pass imm8[2:0]). */
void fp_cmp(struct simd_fp *f, unsigned pred, unsigned esz, const u8 *a, const u8 *b, u8 *r,
            unsigned n);
/* COMISS/SD (sig) and UCOMISS/SD of the low elements: ZF, PF, CF set, OF, SF, AF cleared. */
void fp_comi(struct cpu *c, bool dbl, bool sig, const u8 *a, const u8 *b);
/* 0F 54-57 AND/ANDN/OR/XOR. */
void fp_logic(unsigned op, const u8 *a, const u8 *b, u8 *r, unsigned n);
/* One 16-byte lane of SHUFPS (esz 4) or SHUFPD (8) with its imm8 bits; of UNPCKL/H. */
void fp_shuf_lane(unsigned esz, const u8 *a, const u8 *b, u8 *r, unsigned imm);
void fp_unpck_lane(unsigned esz, bool hi, const u8 *a, const u8 *b, u8 *r);
/* MOVMSKPS/PD: the sign bits of n bytes. */
u64 fp_movmsk(const u8 *x, unsigned esz, unsigned n);
/* Packed and scalar conversions of ne elements from s into r (r's other bytes untouched). */
enum fp_cvt {
    CVT_PS2PD, CVT_PD2PS, CVT_DQ2PS, CVT_PS2DQ, CVT_TPS2DQ, CVT_DQ2PD, CVT_PD2DQ, CVT_TPD2DQ
};
void fp_cvt(struct simd_fp *f, enum fp_cvt k, const u8 *s, u8 *r, unsigned ne);
/* CVTSI2SS/SD of a size-byte integer into r's low element; CVT(T)SS/SD2SI of s's low one. */
void fp_from_int(struct simd_fp *f, bool dbl, unsigned size, u64 v, u8 *r);
u64 fp_to_int(struct simd_fp *f, bool dbl, unsigned size, bool trunc, const u8 *s);

/* sse3.c: one lane of ADDSUB (0F D0), HADD (7C), HSUB (7D); of MOVSLDUP (12) / MOVSHDUP
 * (16); of MOVDDUP. */
void sse3_fp_lane(struct simd_fp *f, unsigned op, bool dbl, const u8 *a, const u8 *b, u8 *r);
void movsxdup_lane(unsigned op, const u8 *s, u8 *r);
void movddup_lane(const u8 *s, u8 *r);

/* sse41.c: ROUNDPS/PD/SS/SD over n bytes with imm8[3:0]; DPPS over `lanes` 16-byte lanes
 * and DPPD over one (the staged exception protocol, then the MXCSR update and #XM, all in
 * the kernel); INSERTPS of the single v into lane a with imm8. */
void fp_round(struct simd_fp *f, bool dbl, unsigned imm, const u8 *s, u8 *r, unsigned n);
void fp_dpps(struct cpu *c, const u8 *a, const u8 *b, u8 *r, unsigned lanes, unsigned imm);
void fp_dppd(struct cpu *c, const u8 *a, const u8 *b, u8 *r, unsigned imm);
void insertps_lane(const u8 *a, const u8 *v, u8 *r, unsigned imm);

#endif
