/* Flag instructions that touch only CF, DF or the low flag byte: CLC STC CMC CLD STD,
 * LAHF SAHF, and SALC, which reads CF into AL. */
#include "flags.h"
#include "insn.h"

/* F8 CLC, F9 STC, F5 CMC (SDM Vol. 2). */
static void op_clc(struct cpu *c, const struct insn *i) { flags_write(c, FL_CF, 0); }
static void op_stc(struct cpu *c, const struct insn *i) { flags_write(c, FL_CF, FL_CF); }
static void op_cmc(struct cpu *c, const struct insn *i)
{
    flags_write(c, FL_CF, flags_cf(c) ? 0 : FL_CF);
}

/* FC CLD, FD STD: DF is not an arithmetic flag, so the lazy state stays as it is. */
static void op_cld(struct cpu *c, const struct insn *i) { c->rflags &= ~(u64)FL_DF; }
static void op_std(struct cpu *c, const struct insn *i) { c->rflags |= FL_DF; }

#define LAHF_MASK (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)

/* 9F LAHF: AH = SF:ZF:0:AF:0:PF:1:CF. Valid in 64-bit mode when CPUID.80000001H:ECX
 * LAHF-SAHF is set, which this processor reports (SDM Vol. 2 LAHF). */
static void op_lahf(struct cpu *c, const struct insn *i)
{
    u64 f = (flags_arith(c) & LAHF_MASK) | FL_FIXED1;
    c->r[RAX] = (c->r[RAX] & ~0xff00ull) | f << 8;
}

/* 9E SAHF: SF ZF AF PF CF from AH (SDM Vol. 2 SAHF). */
static void op_sahf(struct cpu *c, const struct insn *i)
{
    flags_write(c, LAHF_MASK, (c->r[RAX] >> 8) & LAHF_MASK);
}

/* D6 SALC: AL = FFh if CF else 00h, flags unchanged. The SDM's opcode map leaves D6
 * blank outside 64-bit mode, where Intel processors execute SALC (verified on hardware;
 * Bochs and QEMU agree); in 64-bit mode it is #UD (SDM Vol. 2 Table A-2, decode.c). */
static void op_salc(struct cpu *c, const struct insn *i)
{
    c->r[RAX] = (c->r[RAX] & ~0xffull) | (flags_cf(c) ? 0xff : 0);
}

const struct opdef misc_ops[] = {
    {MAP_1B, 0xf8, -1, 0, op_clc},
    {MAP_1B, 0xf9, -1, 0, op_stc},
    {MAP_1B, 0xf5, -1, 0, op_cmc},
    {MAP_1B, 0xfc, -1, 0, op_cld},
    {MAP_1B, 0xfd, -1, 0, op_std},
    {MAP_1B, 0x9f, -1, 0, op_lahf},
    {MAP_1B, 0x9e, -1, 0, op_sahf},
    {MAP_1B, 0xd6, -1, OPF_INV64, op_salc},
    {.fn = NULL},
};
