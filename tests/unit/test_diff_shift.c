/* Differential test of shifts and rotates (C0 C1 D0-D3, all eight operations including
 * the /6 alias of SHL) and SHLD/SHRD against the host processor, with counts covering
 * 0, 1, the operand width and the masking boundaries. Flags compared follow the SDM:
 * nothing changes for a masked count of 0; OF only for count 1; AF never after a shift;
 * CF not for SHL/SHR counts >= the width; SHLD/SHRD beyond a 16-bit width are undefined. */
#include "../diff/diff.h"

#define N 300
#define PTR_RBX (1u << RBX)
enum { K_ONE, K_CL, K_IMM };
enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR, SH_SHLD, SH_SHRD };

static const char *const op_name[10] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal(/6)", "sar",
                                        "shld", "shrd"};

#define ARG(size, op, kind, mem) ((size) | (op) << 4 | (kind) << 8 | (mem) << 12)

static void prep_shift(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    unsigned size = f->arg & 0xf, op = (f->arg >> 4) & 0xf, kind = (f->arg >> 8) & 0xf;
    bool mem = (f->arg >> 12) & 1;
    unsigned bits = size * 8;
    if (kind == K_CL) {
        /* Mostly small counts, around the width, plus raw random ones. */
        u64 r = s->r[R8];
        unsigned cnt = (r & 3) == 0 ? (unsigned)(r >> 8) : (unsigned)((r >> 8) % 70);
        if (op >= SH_SHLD && mem && size == 2 && (cnt & 31) > 16) cnt = 16;
        s->r[RCX] = (s->r[RCX] & ~0xffull) | (cnt & 0xff);
    }
    unsigned count = kind == K_ONE ? 1 : kind == K_CL ? (u8)s->r[RCX] : f->code[f->len - 1];
    unsigned n = count & (size == 8 ? 63 : 31);
    u64 m = FL_ARITH;
    if (n == 0) {
        /* nothing changes */
    } else if (op <= SH_RCR) {
        m = n == 1 ? FL_CF | FL_OF : FL_CF; /* the others are unaffected: compare them too */
        m |= FL_SF | FL_ZF | FL_PF | FL_AF;
    } else if (op >= SH_SHLD) {
        m = FL_CF | FL_SF | FL_ZF | FL_PF | (n == 1 ? FL_OF : 0);
        if (n > bits) {
            m = 0;
            *ign |= 1u << RAX; /* the destination is undefined */
        }
    } else {
        m = FL_SF | FL_ZF | FL_PF | (n == 1 ? FL_OF : 0);
        if (op == SH_SAR || n < bits) m |= FL_CF;
    }
    *fl = m;
}

/* An arithmetic instruction, then a rotate or BT that writes only some flags: the flags
 * it leaves come from the first one's lazy result (flags.h flags_write). ROL by 1 defines
 * CF and OF, ROR by 5 CF; BT defines CF, leaves ZF, and the rest are undefined. */
static void prep_after(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    (void)s;
    (void)ign;
    *fl = f->arg == 0 ? FL_ARITH : f->arg == 1 ? FL_ARITH & ~(u64)FL_OF : FL_CF | FL_ZF;
}

static void after_arith(struct diff *d)
{
    static const struct { const char *name; u8 op, modrm_reg; bool grp; } first[] = {
        {"add", 0x01, 0, false}, {"sub", 0x29, 0, false}, {"xor", 0x31, 0, false},
        {"cmp", 0x39, 0, false}, {"inc", 0xff, 0, true}, {"dec", 0xff, 1, true},
    };
    static const char *const then[3] = {"rol r,1", "ror r,5", "bt r,r"};
    struct dform f;
    for (unsigned k = 0; k < ARRAY_LEN(first); k++) {
        for (unsigned sz = 4; sz <= 8; sz += 4) {
            for (unsigned t = 0; t < 3; t++) {
                diff_begin(&f, 0, 0, "%s%s then %s", first[k].name, diff_sizename[sz], then[t]);
                diff_size(&f, sz, 0);
                diff_put(&f, first[k].op);
                diff_put(&f, first[k].grp ? modrm(3, first[k].modrm_reg, RDX) : modrm(3, RDX, RAX));
                diff_size(&f, sz, 0);
                if (t == 0) { diff_put(&f, 0xd1); diff_put(&f, modrm(3, SH_ROL, RCX)); }
                if (t == 1) { diff_put(&f, 0xc1); diff_put(&f, modrm(3, SH_ROR, RCX)); diff_put(&f, 5); }
                if (t == 2) { diff_put(&f, 0x0f); diff_put(&f, 0xa3); diff_put(&f, modrm(3, RSI, RCX)); }
                f.prep = prep_after;
                f.arg = t;
                diff_form(d, &f, N, false);
            }
        }
    }
}

int main(void)
{
    struct diff *d = diff_new(0x5eed0003);
    struct dform f;
    static const unsigned sizes[4] = {1, 2, 4, 8};
    static const u8 imm_counts[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0xff};

    for (unsigned si = 0; si < 4; si++) {
        unsigned sz = sizes[si];
        const char *sn = diff_sizename[sz];
        unsigned w = sz == 1 ? 0 : 1;
        for (unsigned op = 0; op < 8; op++) {
            for (unsigned mem = 0; mem < 2; mem++) {
                u16 ptr = mem ? PTR_RBX : 0;
                const char *where = mem ? "m" : "r";
                diff_begin(&f, 0, ptr, "%s%s %s,1", op_name[op], sn, where);
                diff_size(&f, sz, 0); diff_put(&f, 0xd0 + w);
                if (mem) { diff_put(&f, modrm(1, op, RBX)); diff_put(&f, 8); }
                else diff_put(&f, modrm(3, op, RAX));
                f.prep = prep_shift; f.arg = ARG(sz, op, K_ONE, mem);
                diff_form(d, &f, N / 2, false);
                diff_begin(&f, 0, ptr, "%s%s %s,cl", op_name[op], sn, where);
                diff_size(&f, sz, 0); diff_put(&f, 0xd2 + w);
                if (mem) { diff_put(&f, modrm(1, op, RBX)); diff_put(&f, 8); }
                else diff_put(&f, modrm(3, op, RAX));
                f.prep = prep_shift; f.arg = ARG(sz, op, K_CL, mem);
                diff_form(d, &f, N, false);
            }
            for (unsigned k = 0; k < ARRAY_LEN(imm_counts); k++) {
                diff_begin(&f, 0, 0, "%s%s r,%u", op_name[op], sn, imm_counts[k]);
                diff_size(&f, sz, 0); diff_put(&f, 0xc0 + w); diff_put(&f, modrm(3, op, RAX));
                diff_put(&f, imm_counts[k]);
                f.prep = prep_shift; f.arg = ARG(sz, op, K_IMM, 0);
                diff_form(d, &f, N / 8, false);
            }
        }
        if (sz == 1) continue;
        /* SHLD/SHRD r/m, reg, imm8 / CL. */
        for (unsigned op = SH_SHLD; op <= SH_SHRD; op++) {
            unsigned base = op == SH_SHLD ? 0xa4 : 0xac;
            for (unsigned mem = 0; mem < 2; mem++) {
                diff_begin(&f, 0, mem ? PTR_RBX : 0, "%s%s %s,r,cl", op_name[op], sn, mem ? "m" : "r");
                diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, base + 1);
                if (mem) { diff_put(&f, modrm(1, RDX, RBX)); diff_put(&f, 8); }
                else diff_put(&f, modrm(3, RDX, RAX));
                f.prep = prep_shift; f.arg = ARG(sz, op, K_CL, mem);
                diff_form(d, &f, N, false);
            }
            for (unsigned k = 0; k < ARRAY_LEN(imm_counts); k++) {
                diff_begin(&f, 0, 0, "%s%s r,r,%u", op_name[op], sn, imm_counts[k]);
                diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, base); diff_put(&f, modrm(3, RDX, RAX));
                diff_put(&f, imm_counts[k]);
                f.prep = prep_shift; f.arg = ARG(sz, op, K_IMM, 0);
                diff_form(d, &f, N / 8, false);
            }
        }
    }

    after_arith(d);
    printf("# %d forms, %d cases\n", d->forms, d->cases);
    diff_free(d);
    return check_exit();
}
