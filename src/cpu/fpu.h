/* x87/MMX/SSE state access and the CR0/CR4 gating rules shared by fpu.c and sse.c.
 * The state lives in FXSAVE layout in c->fpu.fxsave (SDM Vol. 1 10.5.1, Table 10-2), with
 * the x87 registers in physical order R0-R7 (MMn is slot n) rather than FXSAVE's stack
 * order; fpu_image_out/in convert (x87.h describes the x87 part). */
#ifndef VP_FPU_H
#define VP_FPU_H

#include "insn.h"

enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16, FX_MXCSR = 24,
    FX_MXCSR_MASK = 28, FX_ST0 = 32, FX_XMM0 = 160,
};
/* MXCSR bits the processor implements, including DAZ (SDM Vol. 1 11.6.6). */
#define MXCSR_MASK 0xffffu

static inline u8 *fx_xmm(struct cpu *c, unsigned n) { return &c->fpu.fxsave[FX_XMM0 + 16 * (n & 15)]; }
static inline u8 *fx_mm(struct cpu *c, unsigned n) { return &c->fpu.fxsave[FX_ST0 + 16 * (n & 7)]; }
static inline u16 fx_get16(const struct cpu *c, unsigned off) { return (u16)load_le(&c->fpu.fxsave[off], 2); }
static inline void fx_set16(struct cpu *c, unsigned off, u16 v) { store_le(&c->fpu.fxsave[off], 2, v); }
static inline u32 fx_mxcsr(const struct cpu *c) { return (u32)load_le(&c->fpu.fxsave[FX_MXCSR], 4); }

/* Linear address of a `size`-byte vector memory operand, checked for `acc` at both ends;
 * #GP(0) unless it is aligned to `align` bytes (0: no requirement). Legacy SSE's aligned
 * forms need 16 (SDM Vol. 1 11.6.7), VEX ones their vector length (14.9). */
static inline u64 simd_mem_lin(struct cpu *c, const struct insn *i, unsigned size, int acc,
                               unsigned align)
{
    u64 ea = insn_ea(c, i);
    u64 lin = seg_check(c, i->seg, ea, 1, acc);
    seg_check(c, i->seg, (ea + size - 1) & size_mask(i->adsz), 1, acc);
    if (align && (lin & (align - 1))) cpu_gp(c, 0);
    return lin;
}
static inline void simd_mem_load(struct cpu *c, const struct insn *i, void *dst, unsigned size,
                                 unsigned align)
{
    lin_read_bytes(c, simd_mem_lin(c, i, size, ACC_READ, align), dst, size, ACC_READ);
}
static inline void simd_mem_store(struct cpu *c, const struct insn *i, const void *src,
                                  unsigned size, unsigned align)
{
    lin_write_bytes(c, simd_mem_lin(c, i, size, ACC_WRITE, align), src, size, ACC_WRITE);
}

/* The FXSAVE memory image (its first n bytes) from the state and back; w64: REX.W form. */
void fpu_image_out(const struct cpu *c, u8 *img, unsigned n, bool w64);
void fpu_image_in(struct cpu *c, const u8 *img, unsigned n, bool w64);

/* x87 instructions: #NM if CR0.EM or CR0.TS (SDM Vol. 3 Table 2-2). */
static inline void x87_check(struct cpu *c)
{
    if (c->cr0 & (CR0_EM | CR0_TS)) cpu_raise(c, EXC_NM, NO_ERRCODE);
}
/* FSW.ES at a waiting instruction: #MF with CR0.NE = 1, FERR# (IRQ 13) with CR0.NE = 0
 * (x87_env.c). */
void x87_pending(struct cpu *c);
/* A pending unmasked x87 exception (FSW.ES, bit 7) at an instruction that uses the
 * x87/MMX registers: MMX instructions, EMMS and the SSE forms with an MMX register operand
 * report it like a waiting x87 instruction (SDM Vol. 2, their #MF rows). */
static inline void x87_pending_check(struct cpu *c)
{
    if (unlikely(c->fpu.fxsave[FX_FSW] & 0x80)) x87_pending(c);
}
/* MMX: #UD if CR0.EM, #NM if CR0.TS (SDM Vol. 3 Table 12-1 / 2-2), then #MF. */
static inline void mmx_check(struct cpu *c)
{
    if (c->cr0 & CR0_EM) cpu_ud(c);
    if (c->cr0 & CR0_TS) cpu_raise(c, EXC_NM, NO_ERRCODE);
    x87_pending_check(c);
}
/* SSE/SSE2: #UD if CR0.EM or !CR4.OSFXSR, then #NM if CR0.TS (SDM Vol. 3 13.1.3, 2.5). */
static inline void sse_check(struct cpu *c)
{
    if ((c->cr0 & CR0_EM) || !(c->cr4 & CR4_OSFXSR)) cpu_ud(c);
    if (c->cr0 & CR0_TS) cpu_raise(c, EXC_NM, NO_ERRCODE);
}

#endif
