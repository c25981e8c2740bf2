/* Shifts and rotates (group 2: ROL ROR RCL RCR SHL SHR SAL SAR) and the double shifts
 * SHLD/SHRD. The count is masked to 5 bits (6 with a 64-bit operand) and a masked count
 * of zero changes no flags (SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD).
 *
 * Flags the SDM leaves undefined: OF for counts other than 1 uses the count-1 formula on
 * the final result (what Intel processors do), AF is cleared after shifts, and CF for
 * SHL/SHR with a count at least the operand width is the last bit shifted out of the
 * zero-extended value (0). */
#include "flags.h"
#include "insn.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

static inline unsigned count_mask(unsigned size) { return size == 8 ? 0x3f : 0x1f; }

/* Rotate the (bits + 1)-bit quantity CF:a left by n (0 < n < bits + 1). */
static u64 rcl(u64 a, unsigned bits, u64 cf, unsigned n, u64 *cf_out)
{
    u128 w = (u128)cf << bits | a, m = ((u128)1 << (bits + 1)) - 1;
    w = ((w << n) | (w >> (bits + 1 - n))) & m;
    *cf_out = (u64)(w >> bits) & 1;
    return (u64)w & size_mask(bits / 8);
}

/* A group-2 result and its flags, which the caller applies after writing the result so
 * a faulting write changes nothing. */
struct shres {
    u64 r;
    bool only_cf_of; /* rotates change CF/OF only */
    u64 flags;       /* CF/OF (and AF) in RFLAGS positions */
};

static inline __attribute__((always_inline)) struct shres shift_do(struct cpu *c, unsigned op, unsigned size, u64 a,
                                                                  unsigned n)
{
    unsigned bits = size * 8, m = bits - 1;
    u64 mask = size_mask(size);
    struct shres s = {0, false, 0};
    u64 cf = 0, of = 0;
    a &= mask;
    switch (op) {
    case SH_ROL: {
        unsigned k = n & m;
        s.r = k ? ((a << k) | (a >> (bits - k))) & mask : a;
        cf = s.r & 1;
        of = (s.r >> m) ^ cf;
        s.only_cf_of = true;
        break;
    }
    case SH_ROR: {
        unsigned k = n & m;
        s.r = k ? ((a >> k) | (a << (bits - k))) & mask : a;
        cf = s.r >> m;
        of = (s.r >> m) ^ ((s.r >> (m - 1)) & 1);
        s.only_cf_of = true;
        break;
    }
    case SH_RCL: case SH_RCR: {
        unsigned k = size < 4 ? n % (bits + 1) : n; /* 8/16-bit rotate 9/17 bits */
        u64 cin = flags_cf(c);
        if (k == 0) {
            s.r = a;
            cf = cin;
        } else {
            s.r = rcl(a, bits, cin, op == SH_RCL ? k : bits + 1 - k, &cf);
        }
        of = op == SH_RCL ? (s.r >> m) ^ cf : (s.r >> m) ^ ((s.r >> (m - 1)) & 1);
        s.only_cf_of = true;
        break;
    }
    case SH_SHL: case SH_SAL:
        s.r = n >= bits ? 0 : (a << n) & mask;
        cf = n > bits ? 0 : (a >> (bits - n)) & 1;
        of = (s.r >> m) ^ cf;
        break;
    case SH_SHR:
        s.r = n >= bits ? 0 : a >> n;
        cf = n > bits ? 0 : (a >> (n - 1)) & 1;
        of = n == 1 ? a >> m : (s.r >> m) ^ ((s.r >> (m - 1)) & 1);
        break;
    default: { /* SAR */
        s64 v = sign_extend(a, size);
        unsigned k = n > m ? m : n;
        s.r = (u64)(v >> k) & mask;
        cf = (u64)(v >> (k == n ? n - 1 : m)) & 1;
        of = 0;
        break;
    }
    }
    s.flags = (cf ? FL_CF : 0) | (of & 1 ? FL_OF : 0);
    return s;
}

/* Shared body of C0 C1 D0-D3 with the count already fetched. */
static inline void group2(struct cpu *c, const struct insn *i, unsigned count)
{
    unsigned size = i->opsz, op = (i->modrm >> 3) & 7;
    unsigned n = count & count_mask(size);
    u64 a = rm_read(c, i, size);
    if (n == 0) {
        /* Nothing changes; a 32-bit register is still written (upper half cleared). */
        if (i->mod == 3) rm_write(c, i, size, a);
        return;
    }
    struct shres s = shift_do(c, op, size, a, n);
    rm_write(c, i, size, s.r);
    if (s.only_cf_of) flags_write(c, FL_CF | FL_OF, s.flags);
    else flags_res(c, size, s.r, s.flags);
}

static void op_shift_imm(struct cpu *c, const struct insn *i) { group2(c, i, (unsigned)i->imm); }
static void op_shift_1(struct cpu *c, const struct insn *i) { group2(c, i, 1); }
static void op_shift_cl(struct cpu *c, const struct insn *i) { group2(c, i, (u8)c->r[RCX]); }

/* SHLD/SHRD dest, src, count. With a 16-bit operand and a count above 16 the result is
 * undefined; Intel processors shift the 48-bit dest:src:dest, which this reproduces. */
static void double_shift(struct cpu *c, const struct insn *i, unsigned count, bool right)
{
    unsigned size = i->opsz, bits = size * 8, m = bits - 1;
    unsigned n = count & count_mask(size);
    u64 d = rm_read(c, i, size), src = r_read(c, i, size), r, cf;
    if (n == 0) {
        if (i->mod == 3) rm_write(c, i, size, d);
        return;
    }
    if (size == 2) {
        u64 t = (d << 32) | (src << 16) | d;
        r = right ? (t >> n) & 0xffff : (t >> (32 - n)) & 0xffff;
        cf = right ? (t >> (n - 1)) & 1 : (t >> (48 - n)) & 1;
    } else if (right) {
        r = ((d >> n) | (src << (bits - n))) & size_mask(size);
        cf = (d >> (n - 1)) & 1;
    } else {
        r = ((d << n) | (src >> (bits - n))) & size_mask(size);
        cf = (d >> (bits - n)) & 1;
    }
    rm_write(c, i, size, r);
    u64 of = ((r ^ d) >> m) & 1; /* sign change; defined for count 1 */
    flags_res(c, size, r, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
}

static void op_shld_imm(struct cpu *c, const struct insn *i) { double_shift(c, i, (unsigned)i->imm, false); }
static void op_shld_cl(struct cpu *c, const struct insn *i) { double_shift(c, i, (u8)c->r[RCX], false); }
static void op_shrd_imm(struct cpu *c, const struct insn *i) { double_shift(c, i, (unsigned)i->imm, true); }
static void op_shrd_cl(struct cpu *c, const struct insn *i) { double_shift(c, i, (u8)c->r[RCX], true); }

/* --- Specialized forms (shift_specialize): a 32- or 64-bit register shifted by an
 * immediate, by 1 or by CL (SHL/SHR/SAR), or rotated by an immediate (ROL/ROR). The
 * immediate forms are chosen only when the masked count is not 0; by CL it may be 0,
 * and then, as in group2, no flag changes and a 32-bit register is still written (its
 * upper half cleared). shift_do folds to the one operation. */
static inline __attribute__((always_inline)) void shift_reg(struct cpu *c, const struct insn *i, unsigned op,
                                                            unsigned size, unsigned n, bool wf)
{
    u64 a = reg_get48(c, i->rm, size);
    if (n == 0) {
        reg_set48(c, i->rm, size, a);
        return;
    }
    struct shres s = shift_do(c, op, size, a, n);
    reg_set48(c, i->rm, size, s.r);
    if (!wf) return;
    if (s.only_cf_of) flags_write(c, FL_CF | FL_OF, s.flags);
    else flags_res(c, size, s.r, s.flags);
}
/* By CL (the count may be 0) and the rotates (CF and OF only), not all six flags: they
 * neither read the flags nor surely write all six (FK_NONE), but what they write is dead
 * when a full writer follows first (block.c), so they have a tfn_nf too. */
#define SHIFT_REG(name, op, size, count)                                                  \
    FAST_REG_FLAGS(name##size, FK_NONE)                                                   \
    {                                                                                     \
        shift_reg(c, i, op, size, (count) & count_mask(size), wf);                        \
    }
/* SHL, SHR and SAR by a count that is not 0: all six flags (AF cleared). */
#define SHIFT_REG_ALL(name, op, size, count)                                              \
    FAST_REG_FLAGS(name##size, FK_W)                                                      \
    {                                                                                     \
        shift_reg(c, i, op, size, (count) & count_mask(size), wf);                        \
    }
#define SHIFT_FORMS(name, op)                                                             \
    SHIFT_REG_ALL(name##_i, op, 4, (unsigned)i->imm) SHIFT_REG_ALL(name##_i, op, 8, (unsigned)i->imm) \
    SHIFT_REG_ALL(name##_1, op, 4, 1u) SHIFT_REG_ALL(name##_1, op, 8, 1u)                 \
    SHIFT_REG(name##_cl, op, 4, (unsigned)c->r[RCX]) SHIFT_REG(name##_cl, op, 8, (unsigned)c->r[RCX])
SHIFT_FORMS(f_shl, SH_SHL)
SHIFT_FORMS(f_shr, SH_SHR)
SHIFT_FORMS(f_sar, SH_SAR)
SHIFT_REG(f_rol_i, SH_ROL, 4, (unsigned)i->imm) SHIFT_REG(f_rol_i, SH_ROL, 8, (unsigned)i->imm)
SHIFT_REG(f_ror_i, SH_ROR, 4, (unsigned)i->imm) SHIFT_REG(f_ror_i, SH_ROR, 8, (unsigned)i->imm)

const struct fast_handler *shift_specialize(const struct insn *i, bool long_mode)
{
    (void)long_mode;
    if ((i->opsz != 4 && i->opsz != 8) || i->mod != 3) return NULL;
    bool s8 = i->opsz == 8, imm = i->fn == op_shift_imm;
    unsigned op = (i->modrm >> 3) & 7;
    if (i->fn == op_shift_cl) {
        switch (op) {
        case SH_SHL: case SH_SAL: return s8 ? f_shl_cl8 : f_shl_cl4;
        case SH_SHR: return s8 ? f_shr_cl8 : f_shr_cl4;
        case SH_SAR: return s8 ? f_sar_cl8 : f_sar_cl4;
        }
        return NULL;
    }
    if (!imm && i->fn != op_shift_1) return NULL;
    if (imm && ((unsigned)i->imm & count_mask(i->opsz)) == 0) return NULL;
    if (imm && op == SH_ROL) return s8 ? f_rol_i8 : f_rol_i4;
    if (imm && op == SH_ROR) return s8 ? f_ror_i8 : f_ror_i4;
    switch (op) {
    case SH_SHL: case SH_SAL:
        return imm ? (s8 ? f_shl_i8 : f_shl_i4) : (s8 ? f_shl_18 : f_shl_14);
    case SH_SHR: return imm ? (s8 ? f_shr_i8 : f_shr_i4) : (s8 ? f_shr_18 : f_shr_14);
    case SH_SAR: return imm ? (s8 ? f_sar_i8 : f_sar_i4) : (s8 ? f_sar_18 : f_sar_14);
    }
    return NULL;
}

const struct opdef shift_ops[] = {
    {MAP_1B, 0xc0, -1, OPF_MODRM | OPF_BYTE, op_shift_imm, IMM_UB},
    {MAP_1B, 0xc1, -1, OPF_MODRM, op_shift_imm, IMM_UB},
    {MAP_1B, 0xd0, -1, OPF_MODRM | OPF_BYTE, op_shift_1}, {MAP_1B, 0xd1, -1, OPF_MODRM, op_shift_1},
    {MAP_1B, 0xd2, -1, OPF_MODRM | OPF_BYTE, op_shift_cl},
    {MAP_1B, 0xd3, -1, OPF_MODRM, op_shift_cl},
    {MAP_0F, 0xa4, -1, OPF_MODRM, op_shld_imm, IMM_UB}, {MAP_0F, 0xa5, -1, OPF_MODRM, op_shld_cl},
    {MAP_0F, 0xac, -1, OPF_MODRM, op_shrd_imm, IMM_UB}, {MAP_0F, 0xad, -1, OPF_MODRM, op_shrd_cl},
    {.fn = NULL},
};
