/* Shared by the SSE/SSE2 files: operand access for the xmm/m and mm/m forms, the SIMD
 * floating-point exception protocol, and the handlers sse.c's rows name. sse.c holds the
 * rows and the data moves, sse_fp.c the floating-point instructions, sse_int.c the
 * packed-integer ones (MMX and SSE2 forms of each). */
#ifndef VP_SSE_IMPL_H
#define VP_SSE_IMPL_H

#include "../fpu/softfloat.h"
#include "fpu.h"
#include "insn.h"

/* --- memory operands ------------------------------------------------------------------- */

/* A `size`-byte operand; legacy-SSE 16-byte operands of aligned forms raise #GP(0) when
 * not 16-byte aligned (SDM Vol. 1 11.6.7; Vol. 2 MOVAPS, ADDPS...). */
static inline u64 sse_mem_lin(struct cpu *c, const struct insn *i, unsigned size, int acc,
                              bool aligned)
{
    return simd_mem_lin(c, i, size, acc, aligned ? 16 : 0);
}
static inline void sse_mem_load(struct cpu *c, const struct insn *i, void *dst, unsigned size,
                                bool aligned)
{
    simd_mem_load(c, i, dst, size, aligned ? 16 : 0);
}
static inline void sse_mem_store(struct cpu *c, const struct insn *i, const void *src,
                                 unsigned size, bool aligned)
{
    simd_mem_store(c, i, src, size, aligned ? 16 : 0);
}

/* The r/m source of an xmm form: `n` bytes (16 for packed forms, 4 or 8 for scalar ones)
 * from the register's low end or from memory; 16-byte memory sources are aligned unless
 * the form says otherwise. */
static inline void sse_src(struct cpu *c, const struct insn *i, u8 *v, unsigned n)
{
    if (i->mod == 3)
        memcpy(v, fx_xmm(c, i->rm), n);
    else
        sse_mem_load(c, i, v, n, n == 16);
}

/* MMX instructions make the x87 stack top 0 and every tag valid (SDM Vol. 1 9.5.1);
 * writing an MM register sets the exponent bits of its ST register to all ones. */
static inline void mmx_enter(struct cpu *c)
{
    fx_set16(c, FX_FSW, fx_get16(c, FX_FSW) & (u16)~0x3800);
    c->fpu.fxsave[FX_FTW] = 0xff;
}
static inline void mm_write(struct cpu *c, unsigned n, u64 v)
{
    store_le(fx_mm(c, n), 8, v);
    fx_set16(c, FX_ST0 + 16 * (n & 7) + 8, 0xffff);
}
static inline u64 mm_read(struct cpu *c, unsigned n)
{
    return load_le(fx_mm(c, n), 8);
}
/* The mm/m64 source of an MMX-register form: MMn, or 8 unaligned bytes of memory. */
static inline u64 mm_src(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3) return mm_read(c, i->rm);
    u8 b[8];
    sse_mem_load(c, i, b, 8, false);
    return load_le(b, 8);
}

/* --- SIMD floating-point exceptions (SDM Vol. 1 11.5.2, 11.5.2.1) ----------------------- */

/* One instruction's floating-point work: the status every element is computed under, and
 * the flags its elements raised, split into pre-computation (IE, DE, ZE) and
 * post-computation (OE, UE, PE) conditions. */
struct simd_fp {
    struct sf_status s;
    u32 mx;
    u8 pre, post;
};

static inline void simd_fp_begin(struct cpu *c, struct simd_fp *f)
{
    u32 mx = fx_mxcsr(c);
    f->mx = mx;
    f->pre = f->post = 0;
    /* An unmasked UE reports every tiny result, exact or not, and FTZ does not apply
     * (SDM 11.5.2.5); the softfloat's "unmasked" rounding does exactly that (its wrapped
     * result is never stored: the destination stays unchanged). */
    f->s = (struct sf_status){.round = (u8)((mx >> 13) & 3),
                              .daz = (mx >> 6) & 1,
                              .ftz = (mx >> 15) & 1,
                              .unmasked = (u8)(~mx >> 7 & (SF_OE | SF_UE))};
}

/* After each element: file its flags. */
static inline void simd_fp_elem(struct simd_fp *f)
{
    u8 e = f->s.flags;
    f->pre |= e & (SF_IE | SF_DE | SF_ZE);
    f->post |= e & (SF_OE | SF_UE | SF_PE);
    f->s.flags = 0;
}

void simd_fp_raise(struct cpu *c, u32 mx);

/* After every element and before any result is written: set the MXCSR flags and raise
 * #XM (#UD without CR4.OSXMMEXCPT) for an unmasked condition. An unmasked pre-computation
 * exception stops the instruction before the post-computation conditions are looked at,
 * so only IE/DE/ZE are recorded then (SDM 11.5.2.1). */
static inline void simd_fp_end(struct cpu *c, struct simd_fp *f)
{
    u8 masked = (u8)(f->mx >> 7) & 0x3f, set = f->pre;
    if (likely(!(set | f->post))) return;
    if (!(set & ~masked)) set |= f->post;
    u32 mx = f->mx | set;
    if (mx != f->mx) store_le(&c->fpu.fxsave[FX_MXCSR], 4, mx);
    if (set & ~masked) simd_fp_raise(c, mx);
}

/* Packed-integer operands (sse_int.c), for every family with MMX and XMM forms: the
 * destination (ModRM.reg) and source of an mm (no prefix, 8 bytes, unaligned memory) or
 * xmm form (66, 16 bytes, aligned memory), returning the width; and the result's store. */
unsigned pint_fetch(struct cpu *c, const struct insn *i, u8 d[16], u8 s[16]);
void pint_store(struct cpu *c, unsigned reg, const u8 r[16], unsigned n);

/* --- handlers named by sse.c's rows ------------------------------------------------------ */

#define SSE_HANDLERS(X)                                                                            \
    X(op_sse_arith)                                                                                \
    X(op_sse_sqrt) X(op_sse_rcp) X(op_sse_rsqrt) X(op_sse_cmp) X(op_sse_comi) X(op_sse_logic)      \
        X(op_shufps) X(op_shufpd) X(op_unpcklps) X(op_unpckhps) X(op_unpcklpd) X(op_unpckhpd)      \
            X(op_movmskps) X(op_movmskpd) X(op_cvt_5a) X(op_cvt_5b) X(op_cvt_e6) X(op_cvtsi2s)     \
                X(op_cvts2si) X(op_cvtpi2p) X(op_cvtp2pi) X(op_pint) X(op_pshift) X(op_pshift_imm) \
                    X(op_pshift_dq) X(op_pshuf) X(op_pinsrw) X(op_pextrw) X(op_pmovmskb)           \
                        X(op_maskmov) X(op_movq2dq) X(op_movdq2q)
#define SSE_DECLARE(fn) void fn(struct cpu *c, const struct insn *i);
SSE_HANDLERS(SSE_DECLARE)
#undef SSE_DECLARE

#endif
