/* The SSE/SSE2/MMX data moves compilers emit in kernels (MOVUPS/MOVAPS/MOVSS/MOVSD,
 * MOVDQA/MOVDQU, MOVD/MOVQ, MOVNTPS/MOVNTDQ/MOVNTQ, XORPS/XORPD/PXOR). Other opcodes of the
 * SSE space apply the #UD/#NM rules and are logged as unimplemented (arithmetic is a later
 * issue). The mandatory prefix selects the form, one row each: none, 66, F3 or F2 (SDM
 * Vol. 2 2.1.2); a prefix without a row is #UD. */
#include "fpu.h"
#include "insn.h"

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

/* The register form merges the low `n` bytes; a load from memory zeroes the rest. */
static inline void movu_load(struct cpu *c, const struct insn *i, unsigned n)
{
    sse_check(c);
    if (i->mod == 3) {
        memmove(fx_xmm(c, i->reg), fx_xmm(c, i->rm), n);
        return;
    }
    u8 v[16] = {0};
    mem_load(c, i, v, n, false);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

static inline void movu_store(struct cpu *c, const struct insn *i, unsigned n)
{
    sse_check(c);
    if (i->mod == 3) memmove(fx_xmm(c, i->rm), fx_xmm(c, i->reg), n);
    else mem_store(c, i, fx_xmm(c, i->reg), n, false);
}

/* MOVUPS / 66 MOVUPD: 16 bytes; F3 MOVSS: 4; F2 MOVSD: 8. */
static void op_movups_load(struct cpu *c, const struct insn *i) { movu_load(c, i, 16); }
static void op_movss_load(struct cpu *c, const struct insn *i) { movu_load(c, i, 4); }
static void op_movsd_load(struct cpu *c, const struct insn *i) { movu_load(c, i, 8); }
static void op_movups_store(struct cpu *c, const struct insn *i) { movu_store(c, i, 16); }
static void op_movss_store(struct cpu *c, const struct insn *i) { movu_store(c, i, 4); }
static void op_movsd_store(struct cpu *c, const struct insn *i) { movu_store(c, i, 8); }

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

/* 0F 28/29 MOVAPS, 66 MOVAPD; 66 0F 6F/7F MOVDQA; F3 0F 6F/7F MOVDQU. */
static void op_mova_load(struct cpu *c, const struct insn *i) { move128_load(c, i, true); }
static void op_mova_store(struct cpu *c, const struct insn *i) { move128_store(c, i, true); }
static void op_movu_load(struct cpu *c, const struct insn *i) { move128_load(c, i, false); }
static void op_movu_store(struct cpu *c, const struct insn *i) { move128_store(c, i, false); }

/* 0F 2B MOVNTPS / 66 MOVNTPD and 66 0F E7 MOVNTDQ (memory destinations only: the rows
 * have MOD_MEM); 0F E7 MOVNTQ. */
static void op_movnt(struct cpu *c, const struct insn *i) { move128_store(c, i, true); }
static void op_movntq(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    mmx_enter(c);
    u64 v = mm_read(c, i->reg);
    mem_store(c, i, &v, 8, false);
}

/* 0F 6F: MOVQ mm, mm/m64. */
static void op_movq_mm_load(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v;
    if (i->mod == 3) v = mm_read(c, i->rm);
    else mem_load(c, i, &v, 8, false);
    mmx_enter(c);
    mm_write(c, i->reg, v);
}

/* 0F 7F: MOVQ mm/m64, mm. */
static void op_movq_mm_store(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v = mm_read(c, i->reg);
    if (i->mod == 3) {
        mmx_enter(c);
        mm_write(c, i->rm, v);
    } else {
        mem_store(c, i, &v, 8, false);
        mmx_enter(c);
    }
}

/* --- MOVD/MOVQ ------------------------------------------------------------------------- */

static unsigned gpr_size(const struct insn *i) { return (i->rex & 8) ? 8 : 4; }

/* 0F 6E: MOVD/MOVQ mm, r/m32/64. */
static void op_movd_mm_load(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v = rm_read(c, i, gpr_size(i));
    mmx_enter(c);
    mm_write(c, i->reg, v);
}

/* 66 0F 6E: MOVD/MOVQ xmm, r/m32/64 (upper bits zeroed). */
static void op_movd_xmm_load(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned n = gpr_size(i);
    u64 v = rm_read(c, i, n);
    u8 *x = fx_xmm(c, i->reg);
    memset(x, 0, 16);
    store_le(x, n, v);
}

/* 0F 7E: MOVD/MOVQ r/m, mm. */
static void op_movd_mm_store(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    unsigned n = gpr_size(i);
    rm_write(c, i, n, mm_read(c, i->reg) & size_mask(n));
    mmx_enter(c);
}

/* 66 0F 7E: MOVD/MOVQ r/m, xmm. */
static void op_movd_xmm_store(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned n = gpr_size(i);
    rm_write(c, i, n, load_le(fx_xmm(c, i->reg), 8) & size_mask(n));
}

/* F3 0F 7E: MOVQ xmm, xmm/m64 (upper half zeroed). */
static void op_movq_xmm_load(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[16] = {0};
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 8);
    else mem_load(c, i, v, 8, false);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

/* 66 0F D6: MOVQ xmm/m64, xmm (a register destination has its upper half zeroed). */
static void op_movq_store(struct cpu *c, const struct insn *i)
{
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

/* 0F 57 XORPS, 66 XORPD, 66 0F EF PXOR xmm. */
static void op_xor128(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[16];
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 16);
    else mem_load(c, i, v, 16, true);
    u8 *d = fx_xmm(c, i->reg);
    for (int k = 0; k < 16; k++) d[k] ^= v[k];
}

/* 0F EF: PXOR mm, mm/m64. */
static void op_pxor_mm(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v;
    if (i->mod == 3) v = mm_read(c, i->rm);
    else mem_load(c, i, &v, 8, false);
    mmx_enter(c);
    mm_write(c, i->reg, mm_read(c, i->reg) ^ v);
}

/* --- the rest of the SSE/MMX space ---------------------------------------------------- */

/* Not implemented yet: the #NM/#UD checks of the form, then #UD (logged). One row per
 * opcode for every prefix until the arithmetic brings its own rows. */
static void op_sse_unimpl(struct cpu *c, const struct insn *i)
{
    if (i->pfx != PFX_NP) sse_check(c);
    else if (i->op >= 0x60 || (i->op >= 0x2a && i->op <= 0x2d)) mmx_check(c); /* MMX forms */
    else sse_check(c);
    cpu_unimplemented(c, i);
}

/* 0F C3 MOVNTI m32/m64, r: a non-temporal store of a general register (SDM Vol. 2
 * MOVNTI); the hint has no architectural effect. A register destination, 66, F2 or F3 is
 * #UD (no row), and so is a 16-bit operand size. */
static void op_movnti(struct cpu *c, const struct insn *i)
{
    if (i->opsz == 2) cpu_ud(c);
    rm_write(c, i, i->opsz, r_read(c, i, i->opsz));
}

#define M OPF_MODRM
#define U(op) {MAP_0F, op, -1, M, op_sse_unimpl}
#define UI(op) {MAP_0F, op, -1, M, op_sse_unimpl, IMM_UB}
/* One form of a prefix-selected opcode. */
#define F(op, pfx_, fn) {MAP_0F, op, -1, M, fn, .pfx = PFX_##pfx_}
#define FM(op, pfx_, fn) {MAP_0F, op, -1, M, fn, .pfx = PFX_##pfx_, .mod = MOD_MEM}

const struct opdef sse_ops[] = {
    FM(0xc3, NP, op_movnti),
    F(0x10, NP, op_movups_load), F(0x10, 66, op_movups_load),
    F(0x10, F3, op_movss_load), F(0x10, F2, op_movsd_load),
    F(0x11, NP, op_movups_store), F(0x11, 66, op_movups_store),
    F(0x11, F3, op_movss_store), F(0x11, F2, op_movsd_store),
    U(0x12), U(0x13), U(0x14), U(0x15), U(0x16), U(0x17),
    F(0x28, NP, op_mova_load), F(0x28, 66, op_mova_load),
    F(0x29, NP, op_mova_store), F(0x29, 66, op_mova_store),
    U(0x2a), FM(0x2b, NP, op_movnt), FM(0x2b, 66, op_movnt), U(0x2c), U(0x2d), U(0x2e), U(0x2f),
    U(0x50), U(0x51), U(0x52), U(0x53), U(0x54), U(0x55), U(0x56),
    F(0x57, NP, op_xor128), F(0x57, 66, op_xor128),
    U(0x58), U(0x59), U(0x5a), U(0x5b), U(0x5c), U(0x5d), U(0x5e), U(0x5f),
    U(0x60), U(0x61), U(0x62), U(0x63), U(0x64), U(0x65), U(0x66), U(0x67),
    U(0x68), U(0x69), U(0x6a), U(0x6b), U(0x6c), U(0x6d),
    F(0x6e, NP, op_movd_mm_load), F(0x6e, 66, op_movd_xmm_load),
    F(0x6f, NP, op_movq_mm_load), F(0x6f, 66, op_mova_load), F(0x6f, F3, op_movu_load),
    UI(0x70), UI(0x71), UI(0x72), UI(0x73), U(0x74), U(0x75), U(0x76),
    U(0x7c), U(0x7d),
    F(0x7e, NP, op_movd_mm_store), F(0x7e, 66, op_movd_xmm_store), F(0x7e, F3, op_movq_xmm_load),
    F(0x7f, NP, op_movq_mm_store), F(0x7f, 66, op_mova_store), F(0x7f, F3, op_movu_store),
    UI(0xc2), UI(0xc4), UI(0xc5), UI(0xc6),
    U(0xd0), U(0xd1), U(0xd2), U(0xd3), U(0xd4), U(0xd5),
    F(0xd6, 66, op_movq_store),
    F(0xd6, F3, op_sse_unimpl), F(0xd6, F2, op_sse_unimpl), /* MOVQ2DQ, MOVDQ2Q */
    U(0xd7),
    U(0xd8), U(0xd9), U(0xda), U(0xdb), U(0xdc), U(0xdd), U(0xde), U(0xdf),
    U(0xe0), U(0xe1), U(0xe2), U(0xe3), U(0xe4), U(0xe5), U(0xe6),
    FM(0xe7, NP, op_movntq), FM(0xe7, 66, op_movnt),
    U(0xe8), U(0xe9), U(0xea), U(0xeb), U(0xec), U(0xed), U(0xee),
    F(0xef, NP, op_pxor_mm), F(0xef, 66, op_xor128),
    U(0xf0), U(0xf1), U(0xf2), U(0xf3), U(0xf4), U(0xf5), U(0xf6), U(0xf7),
    U(0xf8), U(0xf9), U(0xfa), U(0xfb), U(0xfc), U(0xfd), U(0xfe),
    /* 0F 7A, 7B: no instruction; #UD after their ModRM. */
    {MAP_0F, 0x7a, -1, M, op_ud}, {MAP_0F, 0x7b, -1, M, op_ud},
    {.fn = NULL},
};
#undef M
#undef U
#undef UI
#undef F
#undef FM
