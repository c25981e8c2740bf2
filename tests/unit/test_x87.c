/* Host tests of the x87 unit's system side: #NM for CR0.EM/TS/MP (SDM Vol. 3 Table 2-2),
 * pending unmasked exceptions reported at the next waiting instruction as #MF with
 * CR0.NE = 1 and as FERR# (IRQ 13 at the PIC) with CR0.NE = 0 (Vol. 1 8.6, 8.7), and the
 * FNSTENV/FLDENV/FNSAVE/FRSTOR images in real mode and protected mode with 16- and 32-bit
 * operand size and in 64-bit mode (Vol. 1 Figures 8-9 to 8-12), with FXSAVE seeing the
 * same state. Expected values come from the SDM's figures. */
#include "check.h"
#include "cpu/cpumodel.h"
#include "cpu/fpu.h"
#include "harness.h"
#include "test_dev.h"

#define RUN(h, code) harness_run(h, code, sizeof code, 1000)
#define DATA 0x3000u /* below 64 KiB, so real mode reaches it with DS = 0 */

static u32 rd32(struct harness *h, u32 a)
{
    u32 v;
    phys_copy_out(h->m, a, &v, 4);
    return v;
}
static u16 rd16(struct harness *h, u32 a)
{
    return (u16)rd32(h, a);
}

static void test_nm(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 fld1[] = {0xd9, 0xe8}, fninit[] = {0xdb, 0xe3}, fwait[] = {0x9b};
    char name[80];
    for (unsigned k = 0; k < 8; k++) {
        bool em = k & 1, ts = k & 2, mp = k & 4;
        c->cr0 = (c->cr0 & ~(u64)(CR0_EM | CR0_TS | CR0_MP)) | (em ? CR0_EM : 0) |
                 (ts ? CR0_TS : 0) | (mp ? CR0_MP : 0);
        snprintf(name, sizeof name, "nm.em%d_ts%d_mp%d.fld1", em, ts, !!mp);
        CHECK_EQ(name, RUN(h, fld1), em || ts ? EXC_NM : -1);
        snprintf(name, sizeof name, "nm.em%d_ts%d_mp%d.fninit", em, ts, !!mp);
        CHECK_EQ(name, RUN(h, fninit), em || ts ? EXC_NM : -1);
        snprintf(name, sizeof name, "nm.em%d_ts%d_mp%d.wait", em, ts, !!mp);
        CHECK_EQ(name, RUN(h, fwait), ts && mp ? EXC_NM : -1);
    }
    harness_free(h);
}

static void test_mf(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    /* fninit; fldcw [DATA] (ZM clear); fldz; fld1; fdiv st0, st1 (1/0: ZE, unmasked); nop;
     * fwait */
    static const u8 zdiv[] = {0xdb, 0xe3, 0xd9, 0x2d, 0x00, 0x30, 0x00, 0x00,
                              0xd9, 0xee, 0xd9, 0xe8, 0xd8, 0xf1, 0x90, 0x9b};
    u16 cw = 0x037b;
    phys_copy_in(h->m, DATA, &cw, 2);
    CHECK_EQ("mf.ne1.at_wait", RUN(h, zdiv), EXC_MF);
    CHECK_EQ("mf.ne1.rip_is_wait", c->rip, HARNESS_CODE + sizeof zdiv - 1);
    CHECK_EQ("mf.ne1.fsw_ze_es_b", fx_get16(c, FX_FSW) & 0x80ff, 0x8084);
    CHECK_EQ("mf.ne1.st0_unchanged_1.0", load_le(&c->fpu.fxsave[FX_ST0 + 16 * 6], 8), 1ull << 63);
    /* Waiting x87 instructions report it; the FN forms do not. */
    static const u8 fld1[] = {0xd9, 0xe8}, fnstsw[] = {0xdf, 0xe0},
                    fnstenv[] = {0xd9, 0x35, 0x00, 0x31, 0x00, 0x00};
    static const u8 fldcw[] = {0xd9, 0x2d, 0x00, 0x30, 0x00, 0x00},
                    fnclex_fld1[] = {0xdb, 0xe2, 0xd9, 0xe8};
    u16 sw = fx_get16(c, FX_FSW);
    CHECK_EQ("mf.ne1.fld1", RUN(h, fld1), EXC_MF);
    CHECK_EQ("mf.ne1.fldcw_waits", RUN(h, fldcw), EXC_MF);
    CHECK_EQ("mf.ne1.fnstsw_runs", RUN(h, fnstsw), -1);
    CHECK_EQ("mf.ne1.fnstsw_ax", c->r[RAX] & 0xffff, sw);
    CHECK_EQ("mf.ne1.fnclex_then_fld1", RUN(h, fnclex_fld1), -1);
    /* CR0.TS: #NM before #MF. */
    fx_set16(c, FX_FSW, sw);
    c->cr0 |= CR0_TS;
    CHECK_EQ("mf.ts.nm_first", RUN(h, fld1), EXC_NM);
    c->cr0 &= ~(u64)CR0_TS;
    /* FNSTENV masks everything: ES and B clear, nothing pending. */
    CHECK_EQ("mf.fnstenv_runs", RUN(h, fnstenv), -1);
    CHECK_EQ("mf.fnstenv_masks", fx_get16(c, FX_FCW) & 0x3f, 0x3f);
    CHECK_EQ("mf.fnstenv_es_clear", fx_get16(c, FX_FSW) & 0x8080, 0);
    CHECK_EQ("mf.fnstenv_stored_fsw", rd16(h, 0x3104), sw);
    CHECK_EQ("mf.after_fnstenv_fld1", RUN(h, fld1), -1);
    /* CR0.NE = 0: FERR# raises IRQ 13 (slave PIC IRR bit 5) and the instruction runs. */
    c->cr0 &= ~(u64)CR0_NE;
    fx_set16(c, FX_FCW, 0x037b);
    fx_set16(c, FX_FSW, 0x8084 | (fx_get16(c, FX_FSW) & 0x3800));
    CHECK_EQ("mf.ne0.irr13_before", pic_irr(h->m, 0xa0) & 0x20, 0);
    CHECK_EQ("mf.ne0.fld1_runs", RUN(h, fld1), -1);
    CHECK_EQ("mf.ne0.irq13", pic_irr(h->m, 0xa0) & 0x20, 0x20);
    static const u8 fwait[] = {0x9b};
    CHECK_EQ("mf.ne0.wait_runs", RUN(h, fwait), -1);
    harness_free(h);
}

/* The state the layout tests store: fninit; fldcw [DATA] (0x0b7f: RC down, PC 64);
 * fld1; fld dword [DATA+4] (FIP/FOP/FDP point at it); then the store under test. ST0 = 2.0
 * (valid) in R6, ST1 = 1.0 in R7, TOP = 6: the tag word is 0x0fff. */
struct env_case {
    const char *name;
    enum cpu_mode mode;
    bool o16;  /* 16-bit operand size (66 outside real mode, none in it) */
    bool save; /* FNSAVE rather than FNSTENV */
};

static void put_prologue(u8 *p, unsigned *n, enum cpu_mode mode)
{
    bool a16 = mode == MODE_REAL;
    static const u8 init[] = {0xdb, 0xe3};
    memcpy(p + *n, init, 2), *n += 2;
    /* fldcw [DATA]; fld1; fld dword [DATA+4] */
    p[(*n)++] = 0xd9, p[(*n)++] = a16 ? 0x2e : 0x2d;
    if (mode == MODE_LONG) { /* RIP-relative would move: use [abs] via SIB */
        p[*n - 1] = 0x2c, p[(*n)++] = 0x25;
    }
    for (unsigned k = 0; k < (a16 ? 2u : 4u); k++)
        p[(*n)++] = (u8)(DATA >> (8 * k));
    p[(*n)++] = 0xd9, p[(*n)++] = 0xe8;
}

/* On `model`: westmere stores FCS and FDS; skylake reports CPUID.(EAX=07H,ECX=0):EBX[13]
 * (the i7-6700's leaf 7 EBX is 029C6FBFH) and stores them as 0000H, and the real-mode
 * layouts then hold the offsets without the CS base (SDM Vol. 1 8.1.8). */
static void test_env(const struct env_case *e, const char *model)
{
    struct harness *h = harness_new(e->mode);
    struct cpu *c = h->c;
    h->m->cpu_model = cpu_model_lookup(model);
    bool deprecated = cpu_has(c, FEAT_ZERO_FCS_FDS);
    bool real = e->mode == MODE_REAL, a16 = real;
    u8 code[64];
    unsigned n = 0;
    put_prologue(code, &n, e->mode);
    unsigned fld_at = n; /* fld dword [DATA+4] */
    code[n++] = 0xd9, code[n++] = (u8)(a16 ? 0x06 : e->mode == MODE_LONG ? 0x04 : 0x05);
    if (e->mode == MODE_LONG) code[n++] = 0x25;
    for (unsigned k = 0; k < (a16 ? 2u : 4u); k++)
        code[n++] = (u8)((DATA + 4) >> (8 * k));
    /* the store: [66] D9 /6 or DD /6 [DATA+0x100] */
    if (e->o16 != real) code[n++] = 0x66;
    code[n++] = e->save ? 0xdd : 0xd9;
    code[n++] = (u8)(a16 ? 0x36 : e->mode == MODE_LONG ? 0x34 : 0x35);
    if (e->mode == MODE_LONG) code[n++] = 0x25;
    for (unsigned k = 0; k < (a16 ? 2u : 4u); k++)
        code[n++] = (u8)((DATA + 0x100) >> (8 * k));
    u32 init[2] = {0x0b7f, 0x40000000}; /* FCW; 2.0f */
    phys_copy_in(h->m, DATA, init, 8);
    u8 zero[128] = {0};
    phys_copy_in(h->m, DATA + 0x100, zero, sizeof zero);
    char nm[120];
#define ENV_CHECK(what, got, want)                                                                 \
    do {                                                                                           \
        snprintf(nm, sizeof nm, "env.%s.%s.%s", model, e->name, what);                             \
        CHECK_EQ(nm, got, want);                                                                   \
    } while (0)
    ENV_CHECK("run", harness_run(h, code, n, 100), -1);
    u32 b = DATA + 0x100;
    u64 fip_off = real ? fld_at : HARNESS_CODE + fld_at;
    u32 fip_lin = real && !deprecated ? HARNESS_CODE + fld_at : (u32)fip_off;
    u16 fop = (u16)((0xd9 & 7) << 8 | code[fld_at + 1]);
    u16 cs = deprecated ? 0 : c->seg[SEG_CS].sel, ds = deprecated ? 0 : c->seg[SEG_DS].sel;
    u16 sw = 6 << 11, tw = 0x0fff;
    unsigned envn = e->o16 ? 14 : 28;
    if (e->o16) {
        ENV_CHECK("fcw", rd16(h, b), 0x0b7f);
        ENV_CHECK("fsw", rd16(h, b + 2), sw);
        ENV_CHECK("ftw", rd16(h, b + 4), tw);
        ENV_CHECK("fip_15_0", rd16(h, b + 6), fip_lin & 0xffff);
        if (real) { /* Figure 8-11: FIP[19:16] in 15:12, FOP in 10:0 */
            ENV_CHECK("fip_19_16_fop", rd16(h, b + 8), (fip_lin >> 16) << 12 | fop);
            ENV_CHECK("fdp_15_0", rd16(h, b + 10), (DATA + 4) & 0xffff);
            ENV_CHECK("fdp_19_16", rd16(h, b + 12), ((DATA + 4) >> 16) << 12);
        } else { /* Figure 8-12 */
            ENV_CHECK("fcs", rd16(h, b + 8), cs);
            ENV_CHECK("fdp", rd16(h, b + 10), (DATA + 4) & 0xffff);
            ENV_CHECK("fds", rd16(h, b + 12), ds);
        }
    } else {
        ENV_CHECK("fcw", rd16(h, b), 0x0b7f);
        ENV_CHECK("fsw", rd16(h, b + 4), sw);
        ENV_CHECK("ftw", rd16(h, b + 8), tw);
        if (real) { /* Figure 8-10 */
            ENV_CHECK("fip_15_0", rd16(h, b + 12), fip_lin & 0xffff);
            ENV_CHECK("fip_31_16_fop", rd32(h, b + 16) & 0x0ffff7ff, (fip_lin >> 16) << 12 | fop);
            ENV_CHECK("fdp_15_0", rd16(h, b + 20), (DATA + 4) & 0xffff);
            ENV_CHECK("fdp_31_16", rd32(h, b + 24) & 0x0ffff000, ((DATA + 4) >> 16) << 12);
        } else { /* Figure 8-9 */
            ENV_CHECK("fip", rd32(h, b + 12), (u32)fip_off);
            ENV_CHECK("fcs", rd16(h, b + 16), cs);
            ENV_CHECK("fop", (rd32(h, b + 16) >> 16) & 0x7ff, fop);
            ENV_CHECK("fdp", rd32(h, b + 20), DATA + 4);
            ENV_CHECK("fds", rd16(h, b + 24), ds);
        }
    }
    if (e->save) {
        /* ST0 = 2.0, ST1 = 1.0, in stack order after the environment; then FNINIT. */
        u32 st0 = b + envn, st1 = st0 + 10;
        ENV_CHECK("st0_sig", (u64)rd32(h, st0) | (u64)rd32(h, st0 + 4) << 32, 1ull << 63);
        ENV_CHECK("st0_exp", rd16(h, st0 + 8), 0x4000);
        ENV_CHECK("st1_exp", rd16(h, st1 + 8), 0x3fff);
        ENV_CHECK("fninit_after.fcw", fx_get16(c, FX_FCW), 0x037f);
        ENV_CHECK("fninit_after.ftw", c->fpu.fxsave[FX_FTW], 0);
        /* FRSTOR brings it all back: FXSAVE then sees ST0 = 2.0 at its stack slot 0. */
        u8 rs[16];
        unsigned m = 0;
        if (e->o16 != real) rs[m++] = 0x66;
        rs[m++] = 0xdd, rs[m++] = (u8)(a16 ? 0x26 : e->mode == MODE_LONG ? 0x24 : 0x25);
        if (e->mode == MODE_LONG) rs[m++] = 0x25;
        for (unsigned k = 0; k < (a16 ? 2u : 4u); k++)
            rs[m++] = (u8)((DATA + 0x100) >> (8 * k));
        ENV_CHECK("frstor.run", harness_run(h, rs, m, 10), -1);
        ENV_CHECK("frstor.fcw", fx_get16(c, FX_FCW), 0x0b7f);
        ENV_CHECK("frstor.top", (fx_get16(c, FX_FSW) >> 11) & 7, 6);
        ENV_CHECK("frstor.ftw_abridged", c->fpu.fxsave[FX_FTW], 0xc0);
        u8 img[512];
        fpu_image_out(c, img, 416, true);
        ENV_CHECK("fxsave_image.st0_exp", load_le(img + 32 + 8, 2), 0x4000);
        ENV_CHECK("fxsave_image.st1_exp", load_le(img + 48 + 8, 2), 0x3fff);
        ENV_CHECK("fxsave_image.ftw", img[4], 0xc0);
        if (!real) { /* FXSAVE without REX.W: FCS and FDS as FRSTOR loaded them, or 0 */
            fpu_image_out(c, img, 512, false);
            ENV_CHECK("fxsave_image.fcs", load_le(img + 12, 2), cs);
            ENV_CHECK("fxsave_image.fds", load_le(img + 20, 2), ds);
        }
    } else {
        ENV_CHECK("fnstenv_masks_all", fx_get16(c, FX_FCW), 0x0b7f | 0x3f);
        /* FLDENV of the image restores FCW (and the rest). */
        u8 ld[16];
        unsigned m = 0;
        if (e->o16 != real) ld[m++] = 0x66;
        ld[m++] = 0xd9, ld[m++] = (u8)(a16 ? 0x26 : e->mode == MODE_LONG ? 0x24 : 0x25);
        if (e->mode == MODE_LONG) ld[m++] = 0x25;
        for (unsigned k = 0; k < (a16 ? 2u : 4u); k++)
            ld[m++] = (u8)((DATA + 0x100) >> (8 * k));
        ENV_CHECK("fldenv.run", harness_run(h, ld, m, 10), -1);
        ENV_CHECK("fldenv.fcw", fx_get16(c, FX_FCW), 0x0b7f);
        ENV_CHECK("fldenv.ftw_abridged", c->fpu.fxsave[FX_FTW], 0xc0);
        ENV_CHECK("fldenv.fop", fx_get16(c, FX_FOP), e->o16 && !real ? 0 : fop); /* 8-12: none */
    }
    harness_free(h);
}

int main(void)
{
    test_nm();
    test_mf();
    static const struct env_case cases[] = {
        {"real16.fnstenv", MODE_REAL, true, false}, {"real32.fnstenv", MODE_REAL, false, false},
        {"pm16.fnstenv", MODE_PROT, true, false},   {"pm32.fnstenv", MODE_PROT, false, false},
        {"long.fnstenv", MODE_LONG, false, false},  {"real16.fnsave", MODE_REAL, true, true},
        {"real32.fnsave", MODE_REAL, false, true},  {"pm16.fnsave", MODE_PROT, true, true},
        {"pm32.fnsave", MODE_PROT, false, true},    {"long.fnsave", MODE_LONG, false, true},
    };
    for (unsigned k = 0; k < ARRAY_LEN(cases); k++)
        for (unsigned m = 0; m < 2; m++) test_env(&cases[k], m ? "skylake" : "westmere");
    return check_exit();
}
