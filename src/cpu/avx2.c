/* AVX2's own instructions other than the gathers (avx2_gather.c): broadcasts (VPBROADCASTB/
 * W/D/Q, VBROADCASTSS/SD from a register, VBROADCASTI128), permutes across lanes (VPERMD,
 * VPERMPS, VPERMQ, VPERMPD), VPBLENDD and the per-element shifts VPSLLVD/Q, VPSRLVD/Q,
 * VPSRAVD (SDM Vol. 2, each instruction's page); and the rows of VPERM2I128, VINSERTI128,
 * VEXTRACTI128 and the masked moves VPMASKMOVD/Q, whose handlers are AVX's floating-point
 * twins (avx.h). Every row needs CPUID.(EAX=7,ECX=0):EBX.AVX2. */
#include "avx.h"
#include "cpumodel.h"

/* --- broadcasts ------------------------------------------------------------------------- */

/* 0F38 78 VPBROADCASTB, 79 W, 58 D, 59 Q, 18 VBROADCASTSS, 19 VBROADCASTSD (AVX2 for
 * register sources, AVX for memory: avx_fp2.c's rows), 5A VBROADCASTI128 and 1A
 * VBROADCASTF128 (m128 only): the low element of xmm2/m repeated over the vector. */
void op_vbroadcast(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i), sz;
    switch (i->op) {
    case 0x78: sz = 1; break;
    case 0x79: sz = 2; break;
    case 0x58:
    case 0x18: sz = 4; break;
    case 0x59:
    case 0x19: sz = 8; break;
    default: sz = 16; break; /* 5A, 1A */
    }
    u8 s[16], r[32];
    avx_src(c, i, s, sz);
    for (unsigned k = 0; k < n; k += sz)
        memcpy(r + k, s, sz);
    ymm_put(c, i->reg, r, n);
}

/* --- permutes ----------------------------------------------------------------------------- */

/* 0F38 36 VPERMD, 16 VPERMPS ymm1, ymm2 (indices), ymm3/m256: dword k of the result is
 * dword ymm2[k] & 7 of the source. */
static void op_vpermd(struct cpu *c, const struct insn *i)
{
    u8 idx[32], s[32], r[32];
    ymm_get(c, vex_vvvv(i), idx, 32);
    avx_src(c, i, s, 32);
    for (unsigned k = 0; k < 8; k++)
        memcpy(r + 4 * k, s + 4 * (idx[4 * k] & 7), 4);
    ymm_put(c, i->reg, r, 32);
}

/* 0F3A 00 VPERMQ, 01 VPERMPD ymm1, ymm2/m256, imm8: qword k is qword imm8[2k+1:2k]. */
static void op_vpermq(struct cpu *c, const struct insn *i)
{
    u8 s[32], r[32];
    avx_src(c, i, s, 32);
    for (unsigned k = 0; k < 4; k++)
        memcpy(r + 8 * k, s + 8 * ((i->imm >> 2 * k) & 3), 8);
    ymm_put(c, i->reg, r, 32);
}

/* 0F3A 02 VPBLENDD ymm1, ymm2, ymm3/m, imm8: dword k from ymm3/m when imm8[k] is set. */
static void op_vpblendd(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i);
    u8 a[32], b[32];
    ymm_get(c, vex_vvvv(i), a, n);
    avx_src(c, i, b, n);
    for (unsigned k = 0; k < n / 4; k++)
        if (i->imm >> k & 1) memcpy(a + 4 * k, b + 4 * k, 4);
    ymm_put(c, i->reg, a, n);
}

/* --- per-element shifts ----------------------------------------------------------------- */

/* 0F38 45 VPSRLVD/Q, 46 VPSRAVD, 47 VPSLLVD/Q ymm1, ymm2, ymm3/m: element k of ymm2 shifted
 * by element k of ymm3/m; a count past the element width gives 0 (sign bits for VPSRAVD). */
static void op_vpshiftv(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i), sz = vex_w(i) && i->op != 0x46 ? 8 : 4, bits = 8 * sz;
    u8 a[32], b[32];
    ymm_get(c, vex_vvvv(i), a, n);
    avx_src(c, i, b, n);
    for (unsigned k = 0; k < n; k += sz) {
        u64 v = load_le(a + k, sz), cnt = load_le(b + k, sz), r;
        if (i->op == 0x46) {
            s64 sv = (s64)(v << (64 - bits)) >> (64 - bits);
            r = (u64)(sv >> (cnt > bits - 1 ? bits - 1 : cnt));
        } else if (cnt > bits - 1) {
            r = 0;
        } else {
            r = i->op == 0x45 ? v >> cnt : v << cnt;
        }
        store_le(a + k, sz, r);
    }
    ymm_put(c, i->reg, a, n);
}

#define AVX2 NEEDS(FEAT_AVX2)
#define M OPF_MODRM
#define R(map, op, fn, imm, mod, vx)                                                               \
    {                                                                                              \
        map, op, -1, M, fn, imm, PFX_66, mod, AVX2, VX_ROW | (vx)                                  \
    }

/* clang-format off */
const struct opdef avx2_ops[] = {
    R(MAP_0F38, 0x78, op_vbroadcast, IMM_NONE, MOD_ANY, VX_W0 | VX_NOV),
    R(MAP_0F38, 0x79, op_vbroadcast, IMM_NONE, MOD_ANY, VX_W0 | VX_NOV),
    R(MAP_0F38, 0x58, op_vbroadcast, IMM_NONE, MOD_ANY, VX_W0 | VX_NOV),
    R(MAP_0F38, 0x59, op_vbroadcast, IMM_NONE, MOD_ANY, VX_W0 | VX_NOV),
    R(MAP_0F38, 0x18, op_vbroadcast, IMM_NONE, MOD_REG, VX_W0 | VX_NOV),
    R(MAP_0F38, 0x19, op_vbroadcast, IMM_NONE, MOD_REG, VX_W0 | VX_NOV | VX_L256),
    R(MAP_0F38, 0x5a, op_vbroadcast, IMM_NONE, MOD_MEM, VX_W0 | VX_NOV | VX_L256),
    R(MAP_0F38, 0x36, op_vpermd, IMM_NONE, MOD_ANY, VX_W0 | VX_L256),
    R(MAP_0F38, 0x16, op_vpermd, IMM_NONE, MOD_ANY, VX_W0 | VX_L256),
    R(MAP_0F3A, 0x00, op_vpermq, IMM_UB, MOD_ANY, VX_W1 | VX_NOV | VX_L256),
    R(MAP_0F3A, 0x01, op_vpermq, IMM_UB, MOD_ANY, VX_W1 | VX_NOV | VX_L256),
    /* the moves AVX has for floating point (avx_fp2.c) */
    R(MAP_0F3A, 0x46, op_vperm2f128, IMM_UB, MOD_ANY, VX_W0 | VX_L256),
    R(MAP_0F3A, 0x38, op_vinsertf128, IMM_UB, MOD_ANY, VX_W0 | VX_L256),
    R(MAP_0F3A, 0x39, op_vextractf128, IMM_UB, MOD_ANY, VX_W0 | VX_NOV | VX_L256),
    R(MAP_0F3A, 0x02, op_vpblendd, IMM_UB, MOD_ANY, VX_W0),
    R(MAP_0F38, 0x8c, op_vmaskmov, IMM_NONE, MOD_MEM, 0),
    R(MAP_0F38, 0x8e, op_vmaskmov, IMM_NONE, MOD_MEM, 0),
    R(MAP_0F38, 0x45, op_vpshiftv, IMM_NONE, MOD_ANY, 0),
    R(MAP_0F38, 0x46, op_vpshiftv, IMM_NONE, MOD_ANY, VX_W0),
    R(MAP_0F38, 0x47, op_vpshiftv, IMM_NONE, MOD_ANY, 0),
    {.fn = NULL},
};
/* clang-format on */
