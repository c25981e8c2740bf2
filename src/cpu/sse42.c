/* SSE4.2 (CRC32 and POPCNT are in bits.c): the packed compare-string instructions
 * PCMPESTRI, PCMPESTRM, PCMPISTRI, PCMPISTRM and PCMPGTQ (SDM Vol. 2 4.1 "Imm8 Control
 * Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM", and each
 * instruction's page). The rows need CPUID.1:ECX.SSE4_2 (bit 20): #UD without it.
 *
 * A compare-string instruction compares the elements of its first operand (xmm1, "a")
 * with those of its second (xmm2/m128, "b"): imm8[1:0] the format (unsigned/signed,
 * bytes/words), imm8[3:2] the aggregation, imm8[5:4] the polarity, imm8[6] the output
 * selection. Elements at or past an operand's length are invalid and force the
 * comparisons they take part in as Table 4-7 says. Its memory operand need not be
 * aligned; PCMPGTQ's must (exception type 4). */
#include "cpumodel.h"
#include "flags.h"
#include "pint.h"
#include "sse_impl.h"

/* The result of the aggregation and polarity steps (IntRes2), one bit per element. */
static unsigned pcmpstr_res(const u8 *xa, const u8 *xb, unsigned la, unsigned lb, unsigned imm)
{
    bool words = imm & 1, sgn = imm & 2;
    unsigned n = words ? 8 : 16, sz = words ? 2 : 1, r = 0;
    s32 a[16], b[16];
    for (unsigned k = 0; k < n; k++) {
        u32 va = (u32)load_le(xa + k * sz, sz), vb = (u32)load_le(xb + k * sz, sz);
        a[k] = sgn ? (words ? (s16)va : (s8)va) : (s32)va;
        b[k] = sgn ? (words ? (s16)vb : (s8)vb) : (s32)vb;
    }
    switch (imm >> 2 & 3) {
    case 0: /* equal any: b[j] is one of the valid a[i] */
        for (unsigned j = 0; j < lb; j++)
            for (unsigned i = 0; i < la; i++)
                if (a[i] == b[j]) {
                    r |= 1u << j;
                    break;
                }
        break;
    case 1: /* ranges: a[i] <= b[j] <= a[i + 1] for a valid pair (i even) */
        for (unsigned j = 0; j < lb; j++)
            for (unsigned i = 0; i + 1 < la; i += 2)
                if (b[j] >= a[i] && b[j] <= a[i + 1]) {
                    r |= 1u << j;
                    break;
                }
        break;
    case 2: /* equal each: both invalid is true, one invalid false */
        for (unsigned k = 0; k < n; k++) {
            bool va = k < la, vb = k < lb;
            if (va && vb ? a[k] == b[k] : !va && !vb) r |= 1u << k;
        }
        break;
    default: /* equal ordered: the substring a starts at b[j]; invalid a matches anything,
              * valid a against invalid b fails */
        for (unsigned j = 0; j < n; j++) {
            bool m = true;
            for (unsigned i = 0; i < n - j && i < la && m; i++)
                m = i + j < lb && a[i] == b[i + j];
            if (m) r |= 1u << j;
        }
        break;
    }
    unsigned all = (1u << n) - 1;
    switch (imm >> 4 & 3) {
    case 1: return ~r & all;             /* negative */
    case 3: return r ^ ((1u << lb) - 1); /* masked negative: only valid elements of b */
    default: return r;
    }
}

/* Explicit length: the absolute value of EAX/EDX (RAX/RDX with REX.W), saturated to the
 * element count. */
static unsigned len_explicit(u64 v, bool w, unsigned n)
{
    s64 x = w ? (s64)v : (s64)(s32)v;
    u64 m = x < 0 ? 0 - (u64)x : (u64)x;
    return m > n ? n : (unsigned)m;
}
/* Implicit length: the index of the first null element, else the element count. */
static unsigned len_implicit(const u8 *x, bool words)
{
    unsigned n = words ? 8 : 16, sz = words ? 2 : 1, k = 0;
    while (k < n && load_le(x + k * sz, sz))
        k++;
    return k;
}

/* 66 0F3A 60-63: PCMPESTRM, PCMPESTRI, PCMPISTRM, PCMPISTRI xmm1, xmm2/m128, imm8. The
 * index forms write ECX (the least or most significant set bit of IntRes2, or the element
 * count when none is set), the mask forms XMM0 (IntRes2 zero-extended, or expanded to
 * element masks). CF = IntRes2 != 0, ZF = b is shorter than a register, SF = a is, OF =
 * IntRes2[0], AF = PF = 0. */
void pcmpstr_exec(struct cpu *c, const struct insn *i, const u8 b[16], bool vex)
{
    const u8 *a = fx_xmm(c, i->reg);
    unsigned imm = (u8)i->imm, words = imm & 1, n = words ? 8 : 16, la, lb;
    if (i->op < 0x62) {
        la = len_explicit(c->r[RAX], i->rex & 8, n);
        lb = len_explicit(c->r[RDX], i->rex & 8, n);
    } else {
        la = len_implicit(a, words);
        lb = len_implicit(b, words);
    }
    unsigned r = pcmpstr_res(a, b, la, lb, imm);
    if (i->op & 1) {
        unsigned idx = n;
        if (r) idx = imm & 0x40 ? 31 - (unsigned)__builtin_clz(r) : (unsigned)__builtin_ctz(r);
        c->r[RCX] = idx;
    } else {
        u8 m[16] = {0};
        if (imm & 0x40)
            for (unsigned k = 0; k < 16; k++)
                m[k] = (r >> (words ? k / 2 : k) & 1) ? 0xff : 0;
        else
            store_le(m, 2, r);
        memcpy(fx_xmm(c, 0), m, 16);
        if (vex) memset(c->fpu.ymmh[0], 0, 16); /* VEX.128: YMM0[255:128] zeroed */
    }
    flags_write(c, FL_ARITH,
                (r ? FL_CF : 0) | (lb < n ? FL_ZF : 0) | (la < n ? FL_SF : 0) |
                    (r & 1 ? FL_OF : 0));
}
static void op_pcmpstr(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 b[16];
    if (i->mod == 3)
        memcpy(b, fx_xmm(c, i->rm), 16);
    else
        sse_mem_load(c, i, b, 16, false);
    pcmpstr_exec(c, i, b, false);
}

/* 66 0F38 37: PCMPGTQ xmm1, xmm2/m128: signed quadword greater-than, all ones or zero. */
void pcmpgtq_lane(const u8 *d, const u8 *s, u8 *r)
{
    for (unsigned k = 0; k < 16; k += 8)
        store_le(r + k, 8, (s64)load_le(d + k, 8) > (s64)load_le(s + k, 8) ? ~0ull : 0);
}
static void op_pcmpgtq(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16];
    sse_src(c, i, s, 16);
    u8 *d = fx_xmm(c, i->reg);
    pcmpgtq_lane(d, s, d);
}

/* clang-format off */
#define M OPF_MODRM
#define S42(map, op, fn, imm) {map, op, -1, M, fn, imm, .pfx = PFX_66, .feat = NEEDS(FEAT_SSE42)}

const struct opdef sse42_ops[] = {
    S42(MAP_0F38, 0x37, op_pcmpgtq, IMM_NONE),
    S42(MAP_0F3A, 0x60, op_pcmpstr, IMM_UB),
    S42(MAP_0F3A, 0x61, op_pcmpstr, IMM_UB),
    S42(MAP_0F3A, 0x62, op_pcmpstr, IMM_UB),
    S42(MAP_0F3A, 0x63, op_pcmpstr, IMM_UB),
    {.fn = NULL},
};
#undef M
#undef S42
/* clang-format on */
