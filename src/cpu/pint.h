/* The packed-integer operations as lane kernels, shared by the legacy encodings (MMX and
 * SSE forms, 8 or 16 bytes) and the VEX encodings (avx_int.c: VEX.128, and VEX.256 one
 * 128-bit lane at a time where the SDM defines the form per lane). A kernel computes over
 * byte arrays and touches no processor state; d is the first source (the destination of
 * the legacy form, VEX.vvvv of the VEX form), s the second, r the result (it may alias
 * neither source unless the kernel says so). */
#ifndef VP_PINT_H
#define VP_PINT_H

#include "insn.h"

/* sse_int.c: the 0F two-operand shape (add, subtract, multiply, PMADDWD, PSADBW, average,
 * min/max, compare, logic, pack, unpack), op the opcode byte; n is 8 or 16. */
void pint_lane(unsigned op, const u8 *d, const u8 *s, u8 *r, unsigned n);
/* Shift the sz-byte elements of x (n bytes) in place by count: right logical, right
 * arithmetic or left logical. */
enum { SH_RL, SH_RA, SH_LL };
void pint_shift(u8 *x, unsigned n, unsigned sz, int kind, u64 count);
/* 0F 71-73 groups: element size and kind of an imm8 shift (ModRM.reg /2, /4, /6). */
unsigned pint_imm_shift_size(const struct insn *i);
int pint_imm_shift_kind(const struct insn *i);
/* PSRLDQ (right) / PSLLDQ on one 16-byte lane; r may be x. */
void pint_bshift_lane(bool right, const u8 *x, u8 *r, unsigned cnt);
/* PSHUFD (PFX_66), PSHUFHW (F3), PSHUFLW (F2) on one 16-byte lane; r may be s. */
void pint_shuf_lane(unsigned pfx, const u8 *s, u8 *r, unsigned imm);
/* MASKMOVDQU's store of n bytes (mask bytes' top bits) at DS:rDI. */
void pint_maskmov(struct cpu *c, const struct insn *i, const u8 *v, const u8 *m, unsigned n);

/* sse3.c: the SSSE3 0F 38 00-0B and 1C-1E operations on one lane of n (8 or 16) bytes;
 * PALIGNR of one lane (d:s shifted right by sh bytes). */
void ssse3_lane(unsigned op, const u8 *d, const u8 *s, u8 *r, unsigned n);
void palignr_lane(const u8 *d, const u8 *s, u8 *r, unsigned n, unsigned sh);

/* sse41.c: the SSE4.1 66 0F 38 28-2B, 38-41 operations on one 16-byte lane (PHMINPOSUW
 * only on 16 bytes); the variable blends (sz 1, 4, 8) by the sign bits of mask m; PBLENDW
 * (and BLENDPS/PD by sz) by imm8; MPSADBW with imm8's lane bits (2:0); PMOVSX/ZX (op 20-25,
 * 30-35) widening the low elements of s into n result bytes; PTEST's ZF and CF of n bytes. */
void sse41_lane(unsigned op, const u8 *d, const u8 *s, u8 *r);
void blendv_lane(unsigned sz, const u8 *d, const u8 *s, const u8 *m, u8 *r, unsigned n);
void blend_lane(unsigned sz, const u8 *d, const u8 *s, u8 *r, unsigned imm);
void mpsadbw_lane(const u8 *d, const u8 *s, u8 *r, unsigned imm);
void pmovx(unsigned op, const u8 *s, u8 *r, unsigned n);
unsigned pmovx_src_bytes(unsigned op, unsigned n);
void ptest_flags(struct cpu *c, const u8 *d, const u8 *s, unsigned n);

/* sse42.c: PCMPGTQ on one 16-byte lane; a compare-string form with its second operand b
 * (vex: the XMM0 result of a mask form zeroes YMM0's upper half). */
void pcmpgtq_lane(const u8 *d, const u8 *s, u8 *r);
void pcmpstr_exec(struct cpu *c, const struct insn *i, const u8 b[16], bool vex);

/* aes.c: one AES round of state s with round key k (op DC-DF), AESIMC, AESKEYGENASSIST and
 * PCLMULQDQ (a, b the two 16-byte sources). */
void aes_round(unsigned op, const u8 s[16], const u8 k[16], u8 r[16]);
void aes_imc(const u8 s[16], u8 r[16]);
void aes_keygen(const u8 s[16], unsigned imm, u8 r[16]);
void clmul(const u8 a[16], const u8 b[16], unsigned imm, u8 r[16]);

#endif
