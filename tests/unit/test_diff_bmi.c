/* Differential test of BMI1 and BMI2 against the host processor: ANDN, BEXTR, BLSI,
 * BLSMSK, BLSR, BZHI, MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX with 32- and 64-bit
 * operands, register and memory sources, in 64-bit code and in 32-bit code (where VEX.W1
 * is ignored: 32-bit operands). Flags the SDM leaves undefined (AF and PF everywhere, SF
 * after BEXTR) are masked; the instructions that leave the flags alone are compared on
 * all six. Then emulator-side checks of what the host cannot run in this harness: #UD for
 * VEX.L = 1, RORX with VEX.vvvv other than 1111b, BLS* group slots 0 and 4-7, the CPUID
 * feature off, and no AVX state check (CR4.OSXSAVE = 0); and TZCNT/LZCNT falling back to
 * BSF/BSR without BMI1/LZCNT (SDM Vol. 2 ANDN ... SHRX, TZCNT, LZCNT). */
#include "../diff/diff.h"

#define N 400
#define PTR_RBX (1u << RBX)
#define FL_SZCO (FL_SF | FL_ZF | FL_CF | FL_OF)

/* C4 R.X.B.mmmmm W.vvvv.L.pp opcode ModRM [imm8]: map 2 = 0F38, 3 = 0F3A; pp 0 NP, 1 66,
 * 2 F3, 3 F2; rm < 0 is [rbx]. */
static void vex_form(struct dform *f, unsigned map, unsigned pp, bool l, bool w, unsigned op,
                     unsigned reg, unsigned vvvv, int rm, int imm)
{
    diff_put(f, 0xc4);
    unsigned b = rm >= 8;
    diff_put(f, (reg >= 8 ? 0 : 0x80) | 0x40 | (b ? 0 : 0x20) | map);
    diff_put(f, (w ? 0x80 : 0) | (~vvvv & 15) << 3 | (l ? 4 : 0) | pp);
    diff_put(f, op);
    diff_put(f, rm < 0 ? modrm(0, reg, RBX) : modrm(3, reg, (unsigned)rm));
    if (imm >= 0) diff_put(f, (unsigned)imm);
}

/* BEXTR's control and BZHI's index (in the register f->arg names): start and length
 * mostly within 0-70, so every boundary is reached. */
static void prep_ctl(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    u64 r = s->r[R8];
    if (r & 3) {
        unsigned start = (unsigned)(r >> 8) % 72, len = (unsigned)(r >> 16) % 72;
        s->r[f->arg] = (s->r[f->arg] & ~0xffffull) | start | len << 8;
    }
}

/* SHLX & co.: counts near the widths. */
static void prep_count(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    if (s->r[R8] & 1) s->r[f->arg] = (s->r[f->arg] & ~0xffull) | ((s->r[R8] >> 8) % 70);
}

struct bmi {
    const char *name;
    unsigned map, pp, op, grp; /* grp: ModRM.reg of a group form (reg is then fixed) */
    u64 flags;
    bool imm, vctl; /* vctl: VEX.vvvv is a control/count (prep) */
};
static const struct bmi forms[] = {
    {"andn", 2, 0, 0xf2, 0, FL_SZCO},
    {"blsr", 2, 0, 0xf3, 1, FL_SZCO},
    {"blsmsk", 2, 0, 0xf3, 2, FL_SZCO},
    {"blsi", 2, 0, 0xf3, 3, FL_SZCO},
    {"bextr", 2, 0, 0xf7, 0, FL_ZF | FL_CF | FL_OF, false, true},
    {"bzhi", 2, 0, 0xf5, 0, FL_SZCO, false, true},
    {"pdep", 2, 3, 0xf5, 0, FL_ARITH},
    {"pext", 2, 2, 0xf5, 0, FL_ARITH},
    {"mulx", 2, 3, 0xf6, 0, FL_ARITH},
    {"sarx", 2, 2, 0xf7, 0, FL_ARITH, false, true},
    {"shlx", 2, 1, 0xf7, 0, FL_ARITH, false, true},
    {"shrx", 2, 3, 0xf7, 0, FL_ARITH, false, true},
    {"rorx", 3, 3, 0xf0, 0, FL_ARITH, true},
};

static void one(struct diff *d, const struct bmi *b, bool w, unsigned reg, unsigned vvvv, int rm,
                int imm, const char *what)
{
    struct dform f;
    bool grp = b->grp != 0;
    diff_begin(&f, b->flags, rm < 0 ? PTR_RBX : 0, "%s %s%s W%d %s", b->name,
               d->compat ? "32-bit code " : "", rm < 0 ? "r,m" : "r,r", w, what);
    if (grp) {
        vex_form(&f, b->map, b->pp, false, w, b->op, b->grp, reg, rm, -1); /* vvvv is the dest */
    } else {
        vex_form(&f, b->map, b->pp, false, w, b->op, reg, b->imm ? 0 : vvvv, rm, imm);
    }
    if (b->vctl) {
        f.prep = b->op == 0xf7 && b->pp == 0 ? prep_ctl : b->op == 0xf5 ? prep_ctl : prep_count;
        f.arg = (int)vvvv;
    }
    diff_form(d, &f, b->imm ? N / 4 : N, false);
}

static void all_forms(struct diff *d)
{
    static const u8 imms[] = {0, 1, 7, 31, 32, 33, 63, 64, 200};
    unsigned hi = d->compat ? RBP : R9, hv = d->compat ? RDI : R10;
    for (unsigned k = 0; k < ARRAY_LEN(forms); k++) {
        const struct bmi *b = &forms[k];
        for (int w = 0; w < 2; w++) {
            if (b->imm) {
                for (unsigned j = 0; j < ARRAY_LEN(imms); j++) {
                    char what[16];
                    snprintf(what, sizeof what, "imm %u", imms[j]);
                    one(d, b, w, RDX, 0, RCX, imms[j], what);
                    one(d, b, w, hi, 0, -1, imms[j], what);
                }
                continue;
            }
            one(d, b, w, RDX, RSI, RCX, -1, "");
            one(d, b, w, hi, hv, -1, -1, "");
            one(d, b, w, RDX, RDX, RCX, -1, "dest=vvvv"); /* MULX: the high half wins */
            one(d, b, w, RCX, RSI, RCX, -1, "dest=rm");
        }
    }
}

/* --- emulator-side checks ------------------------------------------------------------- */

static int emu_run(struct harness *h, const u8 *code, size_t len)
{
    return harness_run(h, code, len, 10);
}

static void emulator_checks(void)
{
    struct harness *h = harness_new(MODE_LONG);
    harness_feature(h, FEAT_BMI1, true);
    harness_feature(h, FEAT_BMI2, true);
    struct cpu *c = h->c;
    c->cr4 &= ~(u64)CR4_OSXSAVE; /* BMI uses no AVX state */
    c->xcr0 = 1;
    for (unsigned k = 0; k < ARRAY_LEN(forms); k++) {
        const struct bmi *b = &forms[k];
        struct dform f;
        for (int l = 0; l < 2; l++) {
            memset(&f, 0, sizeof f);
            if (b->grp)
                vex_form(&f, b->map, b->pp, l, true, b->op, b->grp, RDX, RCX, -1);
            else
                vex_form(&f, b->map, b->pp, l, true, b->op, RDX, b->imm ? 0 : RSI, RCX,
                         b->imm ? 5 : -1);
            c->r[RCX] = 0x1234, c->r[RSI] = 0x0404, c->r[RDX] = 7;
            int rc = emu_run(h, f.code, f.len);
            CHECK(l ? "bmi.vexl1_ud" : "bmi.runs_without_osxsave", rc == (l ? EXC_UD : -1),
                  "%s: VEX.L=%d gives %d", b->name, l, rc);
        }
        /* Feature off: #UD. */
        enum feature feat = k < 5 ? FEAT_BMI1 : FEAT_BMI2;
        harness_feature(h, feat, false);
        memset(&f, 0, sizeof f);
        if (b->grp)
            vex_form(&f, b->map, b->pp, 0, true, b->op, b->grp, RDX, RCX, -1);
        else
            vex_form(&f, b->map, b->pp, 0, true, b->op, RDX, b->imm ? 0 : RSI, RCX,
                     b->imm ? 5 : -1);
        int rc = emu_run(h, f.code, f.len);
        CHECK("bmi.feature_off_ud", rc == EXC_UD, "%s without its CPUID bit gives %d", b->name, rc);
        harness_feature(h, feat, true);
    }
    /* RORX with VEX.vvvv != 1111b; the BLS group's empty slots. */
    struct dform f = {0};
    vex_form(&f, 3, 3, 0, true, 0xf0, RDX, 1, RCX, 5);
    CHECK("bmi.rorx_vvvv_ud", emu_run(h, f.code, f.len) == EXC_UD, "RORX with vvvv=1");
    for (unsigned g = 0; g < 8; g++) {
        if (g >= 1 && g <= 3) continue;
        memset(&f, 0, sizeof f);
        vex_form(&f, 2, 0, 0, true, 0xf3, g, RDX, RCX, -1);
        int rc = emu_run(h, f.code, f.len);
        CHECK("bmi.group17_ud", rc == EXC_UD, "0F38 F3 /%u gives %d", g, rc);
    }
    /* 32-bit code: MULX with W1 is still 32-bit (EDX * ECX, high to EAX, low to EBX). */
    harness_set_mode(h, MODE_PROT);
    c->cr4 &= ~(u64)CR4_OSXSAVE;
    memset(&f, 0, sizeof f);
    vex_form(&f, 2, 3, 0, true, 0xf6, RAX, RBX, RCX, -1);
    c->r[RDX] = 0xffffffff, c->r[RCX] = 0x80000001;
    int rc = emu_run(h, f.code, f.len);
    CHECK("bmi.mulx_w1_32bit", rc == -1 && c->r[RAX] == 0x80000000 && c->r[RBX] == 0x7fffffff,
          "rc %d eax %#llx ebx %#llx", rc, (unsigned long long)c->r[RAX],
          (unsigned long long)c->r[RBX]);
    harness_free(h);

    /* TZCNT / LZCNT without their features: the F3 prefix is ignored, BSF / BSR run
     * (SDM Vol. 2 TZCNT, LZCNT: "executes as BSF/BSR on processors that do not support"). */
    h = harness_new(MODE_LONG);
    c = h->c;
    static const struct {
        const char *name;
        enum feature feat;
        u8 op;
        u64 src, with, without;
    } fb[] = {
        {"bmi.tzcnt_is_bsf_without_bmi1", FEAT_BMI1, 0xbc, 0x80, 7, 7},
        {"bmi.tzcnt_zero_without_bmi1", FEAT_BMI1, 0xbc, 0, 64, 0x5555},
        {"bmi.lzcnt_is_bsr_without_abm", FEAT_ABM, 0xbd, 0x80, 56, 7},
        {"bmi.lzcnt_zero_without_abm", FEAT_ABM, 0xbd, 0, 64, 0x5555},
    };
    for (unsigned k = 0; k < ARRAY_LEN(fb); k++)
        for (int on = 0; on < 2; on++) {
            harness_feature(h, fb[k].feat, on);
            const u8 code[] = {0xf3, 0x48, 0x0f, fb[k].op, 0xd1}; /* rdx, rcx */
            c->r[RCX] = fb[k].src, c->r[RDX] = 0x5555;
            rc = emu_run(h, code, sizeof code);
            u64 want = on ? fb[k].with : fb[k].without;
            CHECK(fb[k].name,
                  rc == -1 && c->r[RDX] == want &&
                      ((cpu_get_rflags(c) & FL_ZF) != 0) == (on ? want == 0 : fb[k].src == 0),
                  "feature %s: rc %d rdx %#llx (want %#llx) flags %#llx", on ? "on" : "off", rc,
                  (unsigned long long)c->r[RDX], (unsigned long long)want,
                  (unsigned long long)cpu_get_rflags(c));
        }
    harness_free(h);
}

static bool host_has_bmi(void)
{
#if defined(__x86_64__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return (b >> 3 & 1) && (b >> 8 & 1);
#else
    return false;
#endif
}

int main(void)
{
    emulator_checks();
    if (!host_has_bmi()) {
        printf("SKIP diff bmi: the host has no BMI1/BMI2\n");
        return check_exit();
    }
    for (int compat = 0; compat < 2; compat++) {
        struct diff *d = diff_new_mode(0x5eed0b41 + compat, compat);
        harness_feature(d->h, FEAT_BMI1, true);
        harness_feature(d->h, FEAT_BMI2, true);
        all_forms(d);
        printf("# %s: %d forms, %d cases\n", compat ? "32-bit code" : "64-bit code", d->forms,
               d->cases);
        diff_free(d);
    }
    return check_exit();
}
