/* The SSE/SSE2/MMX data moves compilers emit in kernels (MOVUPS/MOVAPS/MOVSS/MOVSD,
 * MOVDQA/MOVDQU, MOVD/MOVQ, MOVNTPS/MOVNTDQ/MOVNTQ, XORPS/XORPD/PXOR). Other opcodes of the
 * SSE space apply the #UD/#NM rules and are logged as unimplemented (arithmetic is a later
 * issue). The mandatory prefix selects the form: none, 66, F3 or F2 (SDM Vol. 2 2.1.2). */
#include "fpu.h"
#include "insn.h"

/* Mandatory prefix: F2/F3 take precedence over 66. */
static unsigned pfx(const struct insn *i) { return i->rep ? i->rep : i->p66 ? 0x66 : 0; }

/* --- memory operands ------------------------------------------------------------------- */

/* Check a `size`-byte operand; legacy-SSE 16-byte operands of aligned forms raise #GP(0)
 * when not 16-byte aligned (SDM Vol. 2 MOVAPS, MOVDQA...). */
static u64 mem_lin(struct cpu *c, const struct insn *i, unsigned size, int acc, bool aligned)
{
    u64 ea = insn_ea(c, i);
    u64 lin = seg_check(c, i->seg, ea, 1, acc);
    seg_check(c, i->seg, (ea + size - 1) & size_mask(i->adsz), 1, acc);
    if (aligned && (lin & 15)) cpu_gp(c, 0);
    return lin;
}

static void mem_load(struct cpu *c, const struct insn *i, void *dst, unsigned size, bool aligned)
{
    lin_read_bytes(c, mem_lin(c, i, size, ACC_READ, aligned), dst, size, ACC_READ);
}

static void mem_store(struct cpu *c, const struct insn *i, const void *src, unsigned size, bool aligned)
{
    lin_write_bytes(c, mem_lin(c, i, size, ACC_WRITE, aligned), src, size, ACC_WRITE);
}

/* MMX instructions make the x87 stack top 0 and every tag valid (SDM Vol. 1 9.5.1);
 * writing an MM register sets the exponent bits of its ST register to all ones. */
static void mmx_enter(struct cpu *c)
{
    fx_set16(c, FX_FSW, fx_get16(c, FX_FSW) & (u16)~0x3800);
    c->fpu.fxsave[FX_FTW] = 0xff;
}
static void mm_write(struct cpu *c, unsigned n, u64 v)
{
    store_le(fx_mm(c, n), 8, v);
    fx_set16(c, FX_ST0 + 16 * (n & 7) + 8, 0xffff);
}
static u64 mm_read(struct cpu *c, unsigned n) { return load_le(fx_mm(c, n), 8); }

/* --- 0F 10/11: MOVUPS, MOVUPD, MOVSS, MOVSD ---------------------------------------------- */

/* Bytes moved by a scalar form: 4 for F3 (SS), 8 for F2 (SD), else the full 16. */
static unsigned scalar_size(const struct insn *i)
{
    return i->rep == 0xf3 ? 4 : i->rep == 0xf2 ? 8 : 16;
}

static void op_movups_load(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned n = scalar_size(i);
    if (i->mod == 3) {
        memmove(fx_xmm(c, i->reg), fx_xmm(c, i->rm), n); /* register form merges */
        return;
    }
    u8 v[16] = {0};
    mem_load(c, i, v, n, false);
    memcpy(fx_xmm(c, i->reg), v, 16); /* a scalar load zeroes the rest */
}

static void op_movups_store(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned n = scalar_size(i);
    if (i->mod == 3) memmove(fx_xmm(c, i->rm), fx_xmm(c, i->reg), n);
    else mem_store(c, i, fx_xmm(c, i->reg), n, false);
}

/* --- aligned and unaligned 128-bit moves ----------------------------------------------- */

static void move128_load(struct cpu *c, const struct insn *i, bool aligned)
{
    sse_check(c);
    u8 v[16];
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 16);
    else mem_load(c, i, v, 16, aligned);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

static void move128_store(struct cpu *c, const struct insn *i, bool aligned)
{
    sse_check(c);
    if (i->mod == 3) memcpy(fx_xmm(c, i->rm), fx_xmm(c, i->reg), 16);
    else mem_store(c, i, fx_xmm(c, i->reg), 16, aligned);
}

/* 0F 28/29: MOVAPS, 66: MOVAPD. */
static void op_movaps_load(struct cpu *c, const struct insn *i)
{
    if (i->rep) cpu_ud(c);
    move128_load(c, i, true);
}
static void op_movaps_store(struct cpu *c, const struct insn *i)
{
    if (i->rep) cpu_ud(c);
    move128_store(c, i, true);
}

/* 0F 2B MOVNTPS / 66 MOVNTPD and 0F E7 MOVNTQ / 66 MOVNTDQ: memory destinations only. */
static void op_movnt(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3 || i->rep) cpu_ud(c);
    if (i->op == 0xe7 && !i->p66) {
        mmx_check(c);
        mmx_enter(c);
        u64 v = mm_read(c, i->reg);
        mem_store(c, i, &v, 8, false);
        return;
    }
    move128_store(c, i, true);
}

/* 0F 6F: MOVQ mm, mm/m64; 66 MOVDQA; F3 MOVDQU. */
static void op_movdq_load(struct cpu *c, const struct insn *i)
{
    switch (pfx(i)) {
    case 0x66: move128_load(c, i, true); return;
    case 0xf3: move128_load(c, i, false); return;
    case 0: {
        mmx_check(c);
        u64 v;
        if (i->mod == 3) v = mm_read(c, i->rm);
        else mem_load(c, i, &v, 8, false);
        mmx_enter(c);
        mm_write(c, i->reg, v);
        return;
    }
    }
    cpu_ud(c);
}

/* 0F 7F: MOVQ mm/m64, mm; 66 MOVDQA; F3 MOVDQU. */
static void op_movdq_store(struct cpu *c, const struct insn *i)
{
    switch (pfx(i)) {
    case 0x66: move128_store(c, i, true); return;
    case 0xf3: move128_store(c, i, false); return;
    case 0: {
        mmx_check(c);
        u64 v = mm_read(c, i->reg);
        if (i->mod == 3) {
            mmx_enter(c);
            mm_write(c, i->rm, v);
        } else {
            mem_store(c, i, &v, 8, false);
            mmx_enter(c);
        }
        return;
    }
    }
    cpu_ud(c);
}

/* --- MOVD/MOVQ ------------------------------------------------------------------------- */

static unsigned gpr_size(const struct insn *i) { return (i->rex & 8) ? 8 : 4; }

/* 0F 6E: MOVD/MOVQ mm, r/m32/64; 66: MOVD/MOVQ xmm, r/m32/64 (upper bits zeroed). */
static void op_movd_load(struct cpu *c, const struct insn *i)
{
    unsigned p = pfx(i), n = gpr_size(i);
    if (p == 0x66) sse_check(c);
    else if (p == 0) mmx_check(c);
    else cpu_ud(c);
    u64 v = rm_read(c, i, n);
    if (p == 0x66) {
        u8 *x = fx_xmm(c, i->reg);
        memset(x, 0, 16);
        store_le(x, n, v);
    } else {
        mmx_enter(c);
        mm_write(c, i->reg, v);
    }
}

/* 0F 7E: MOVD/MOVQ r/m, mm; 66: MOVD/MOVQ r/m, xmm; F3: MOVQ xmm, xmm/m64. */
static void op_movd_store(struct cpu *c, const struct insn *i)
{
    unsigned p = pfx(i), n = gpr_size(i);
    if (p == 0xf3) {
        sse_check(c);
        u8 v[16] = {0};
        if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 8);
        else mem_load(c, i, v, 8, false);
        memcpy(fx_xmm(c, i->reg), v, 16);
        return;
    }
    if (p == 0x66) sse_check(c);
    else if (p == 0) mmx_check(c);
    else cpu_ud(c);
    u64 v = p == 0x66 ? load_le(fx_xmm(c, i->reg), 8) : mm_read(c, i->reg);
    rm_write(c, i, n, v & size_mask(n));
    if (p == 0) mmx_enter(c);
}

/* 66 0F D6: MOVQ xmm/m64, xmm (a register destination has its upper half zeroed). */
static void op_movq_store(struct cpu *c, const struct insn *i)
{
    if (pfx(i) != 0x66) {
        if (i->rep) sse_check(c); /* MOVQ2DQ / MOVDQ2Q */
        else cpu_ud(c);
        cpu_unimplemented(c, i);
    }
    sse_check(c);
    if (i->mod == 3) {
        u8 v[16] = {0};
        memcpy(v, fx_xmm(c, i->reg), 8);
        memcpy(fx_xmm(c, i->rm), v, 16);
    } else {
        mem_store(c, i, fx_xmm(c, i->reg), 8, false);
    }
}

/* --- XORPS / XORPD / PXOR ----------------------------------------------------------------- */

static void xor128(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[16];
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 16);
    else mem_load(c, i, v, 16, true);
    u8 *d = fx_xmm(c, i->reg);
    for (int k = 0; k < 16; k++) d[k] ^= v[k];
}

static void op_xorps(struct cpu *c, const struct insn *i)
{
    if (i->rep) cpu_ud(c);
    xor128(c, i);
}

static void op_pxor(struct cpu *c, const struct insn *i)
{
    unsigned p = pfx(i);
    if (p == 0x66) {
        xor128(c, i);
        return;
    }
    if (p) cpu_ud(c);
    mmx_check(c);
    u64 v;
    if (i->mod == 3) v = mm_read(c, i->rm);
    else mem_load(c, i, &v, 8, false);
    mmx_enter(c);
    mm_write(c, i->reg, mm_read(c, i->reg) ^ v);
}

/* --- the rest of the SSE/MMX space ---------------------------------------------------- */

static void op_sse_unimpl(struct cpu *c, const struct insn *i)
{
    if (pfx(i)) sse_check(c);
    else if (i->op >= 0x60 || (i->op >= 0x2a && i->op <= 0x2d)) mmx_check(c); /* MMX forms */
    else sse_check(c);
    cpu_unimplemented(c, i);
}

#define U(op) {MAP_0F, op, -1, 0, op_sse_unimpl}
/* 0F C3 MOVNTI m32/m64, r: a non-temporal store of a general register (SDM Vol. 2
 * MOVNTI); the hint has no architectural effect. A register destination is #UD. */
static void op_movnti(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3 || i->opsz == 2 || i->p66 || i->rep) cpu_ud(c);
    rm_write(c, i, i->opsz, r_read(c, i, i->opsz));
}

const struct opdef sse_ops[] = {
    {MAP_0F, 0xc3, -1, 0, op_movnti},
    {MAP_0F, 0x10, -1, 0, op_movups_load}, {MAP_0F, 0x11, -1, 0, op_movups_store},
    U(0x12), U(0x13), U(0x14), U(0x15), U(0x16), U(0x17),
    {MAP_0F, 0x28, -1, 0, op_movaps_load}, {MAP_0F, 0x29, -1, 0, op_movaps_store},
    U(0x2a), {MAP_0F, 0x2b, -1, 0, op_movnt}, U(0x2c), U(0x2d), U(0x2e), U(0x2f),
    U(0x50), U(0x51), U(0x52), U(0x53), U(0x54), U(0x55), U(0x56),
    {MAP_0F, 0x57, -1, 0, op_xorps},
    U(0x58), U(0x59), U(0x5a), U(0x5b), U(0x5c), U(0x5d), U(0x5e), U(0x5f),
    U(0x60), U(0x61), U(0x62), U(0x63), U(0x64), U(0x65), U(0x66), U(0x67),
    U(0x68), U(0x69), U(0x6a), U(0x6b), U(0x6c), U(0x6d),
    {MAP_0F, 0x6e, -1, 0, op_movd_load}, {MAP_0F, 0x6f, -1, 0, op_movdq_load},
    U(0x70), U(0x71), U(0x72), U(0x73), U(0x74), U(0x75), U(0x76),
    U(0x7c), U(0x7d),
    {MAP_0F, 0x7e, -1, 0, op_movd_store}, {MAP_0F, 0x7f, -1, 0, op_movdq_store},
    U(0xc2), U(0xc4), U(0xc5), U(0xc6),
    U(0xd0), U(0xd1), U(0xd2), U(0xd3), U(0xd4), U(0xd5),
    {MAP_0F, 0xd6, -1, 0, op_movq_store}, U(0xd7),
    U(0xd8), U(0xd9), U(0xda), U(0xdb), U(0xdc), U(0xdd), U(0xde), U(0xdf),
    U(0xe0), U(0xe1), U(0xe2), U(0xe3), U(0xe4), U(0xe5), U(0xe6),
    {MAP_0F, 0xe7, -1, 0, op_movnt},
    U(0xe8), U(0xe9), U(0xea), U(0xeb), U(0xec), U(0xed), U(0xee),
    {MAP_0F, 0xef, -1, 0, op_pxor},
    U(0xf0), U(0xf1), U(0xf2), U(0xf3), U(0xf4), U(0xf5), U(0xf6), U(0xf7),
    U(0xf8), U(0xf9), U(0xfa), U(0xfb), U(0xfc), U(0xfd), U(0xfe),
    {.fn = NULL},
};
#undef U
