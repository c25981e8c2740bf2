/* AVX state and operands, shared by the VEX-encoded families.
 *
 * YMMn is XMMn (c->fpu.fxsave, FXSAVE layout) with bits 255:128 in c->fpu.ymmh[n]. A
 * VEX.128 form that writes an XMM register zeroes bits 255:128 of its YMM register; a
 * legacy SSE form leaves them alone (SDM Vol. 1 14.1.3). VEX.vvvv names the first source
 * (vex_vvvv(i)), ModRM.reg the destination and ModRM.r/m the second source, which may be
 * memory; VEX memory operands need no alignment except where a form says so (SDM Vol. 1
 * 14.9). */
#ifndef VP_AVX_H
#define VP_AVX_H

#include "fpu.h"
#include "insn.h"

/* What every VEX form that touches AVX state checks after its CPUID feature (SDM Vol. 2
 * 2.8 "Exception Conditions for VEX-Encoded Instructions", Vol. 1 13.3): #UD unless
 * CR4.OSXSAVE = 1 and XCR0 enables both SSE and AVX state; then #NM if CR0.TS = 1.
 * CR0.EM and CR4.OSFXSR do not matter. */
static inline void avx_check(struct cpu *c)
{
    if (!(c->cr4 & CR4_OSXSAVE) || (c->xcr0 & 6) != 6) cpu_ud(c);
    if (c->cr0 & CR0_TS) cpu_raise(c, EXC_NM, NO_ERRCODE);
}

/* Vector length of the form in bytes: 32 for VEX.256, 16 for VEX.128. */
static inline unsigned avx_len(const struct insn *i) { return vex_l(i) ? 32 : 16; }

/* YMMn (n bytes from the low end, n <= 32) into v. */
static inline void ymm_get(struct cpu *c, unsigned n, u8 *v, unsigned len)
{
    memcpy(v, fx_xmm(c, n), len < 16 ? len : 16);
    if (len > 16) memcpy(v + 16, c->fpu.ymmh[n & 15], len - 16);
}
/* Write a VEX form's result: len bytes (16 or 32) from v, the rest of YMMn zeroed. */
static inline void ymm_put(struct cpu *c, unsigned n, const u8 *v, unsigned len)
{
    memcpy(fx_xmm(c, n), v, 16);
    if (len > 16) memcpy(c->fpu.ymmh[n & 15], v + 16, 16);
    else memset(c->fpu.ymmh[n & 15], 0, 16);
}

/* Linear address of a `size`-byte VEX memory operand, checked for `acc`; `aligned` forms
 * (VMOVAPS, VMOVDQA, VMOVNTxx...) raise #GP(0) unless it is size-aligned. */
static inline u64 avx_mem_lin(struct cpu *c, const struct insn *i, unsigned size, int acc,
                              bool aligned)
{
    return simd_mem_lin(c, i, size, acc, aligned ? size : 0);
}
static inline void avx_mem_load(struct cpu *c, const struct insn *i, void *dst, unsigned size,
                                bool aligned)
{
    simd_mem_load(c, i, dst, size, aligned ? size : 0);
}
static inline void avx_mem_store(struct cpu *c, const struct insn *i, const void *src,
                                 unsigned size, bool aligned)
{
    simd_mem_store(c, i, src, size, aligned ? size : 0);
}

/* The r/m source: n bytes from YMM(rm) or from memory (unaligned). */
static inline void avx_src(struct cpu *c, const struct insn *i, u8 *v, unsigned n)
{
    if (i->mod == 3) ymm_get(c, i->rm, v, n);
    else avx_mem_load(c, i, v, n, false);
}

/* Handlers the floating-point and integer forms share (their data moves are the same):
 * VMOVNTPS/PD and VMOVNTDQ (avx_fp.c); VMASKMOVPS/PD and VPMASKMOVD/Q, VINSERTF128 and
 * VINSERTI128, VEXTRACTF128 and VEXTRACTI128, VPERM2F128 and VPERM2I128 (avx_fp2.c); the
 * broadcasts VBROADCASTSS/SD/F128 and VPBROADCASTB/W/D/Q, VBROADCASTI128 (avx2.c). */
void op_vmovnt(struct cpu *c, const struct insn *i);
void op_vmaskmov(struct cpu *c, const struct insn *i);
void op_vinsertf128(struct cpu *c, const struct insn *i);
void op_vextractf128(struct cpu *c, const struct insn *i);
void op_vperm2f128(struct cpu *c, const struct insn *i);
void op_vbroadcast(struct cpu *c, const struct insn *i);

#endif
