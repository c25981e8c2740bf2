/* The VEX floating-point forms (avx_fp.c, avx_fp2.c) in the emulator, for what the host
 * comparison cannot show: each form's #UD rules from its SDM page (VEX.L, VEX.W, VEX.vvvv,
 * register or memory operand), the alignment #GP of VMOVNTPS/PD and none for the other
 * forms' memory operands, VMASKMOVPS/PD loads and stores that never touch masked-off
 * elements (no #PF there, the destination untouched when a selected element faults),
 * VLDMXCSR's #GP for reserved bits, and #XM or #UD (CR4.OSXMMEXCPT) for an unmasked
 * exception with the destination, its upper half included, unchanged. Expected values
 * come from the SDM. */
#include "check.h"
#include "harness.h"
#include "../diff/vex_enc.h"

#define D HARNESS_DATA

static struct harness *h;

static void setup(void)
{
    harness_set_mode(h, MODE_LONG);
    struct cpu *c = h->c;
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    c->xcr0 = 7;
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    c->r[RBX] = D;
    for (unsigned n = 0; n < 16; n++) {
        memset(fx_xmm(c, n), 0x10 + n, 16);
        memset(c->fpu.ymmh[n], 0x80 + n, 16);
    }
    u8 mem[64] = {0};
    store_le(mem, 4, 0x1f80); /* a valid MXCSR for VLDMXCSR */
    phys_copy_in(h->m, D, mem, sizeof mem);
}
static int run(const struct dform *f) { return harness_run(h, f->code, f->len, 100); }

/* --- #UD rules ------------------------------------------------------------------------ */

enum {
    L0 = 1, L1 = 2, LB = 3, /* the valid VEX.L values */
    W0 = 4,                 /* VEX.W1 is #UD (else W is ignored) */
    NOV = 8,                /* VEX.vvvv must be 1111b */
    MEMO = 16, REGO = 32,   /* memory / register operand only */
    NOVM = 64,              /* VEX.vvvv must be 1111b with a memory operand (VMOVSS/SD) */
};
struct udform {
    const char *name;
    u8 pp, map, op;
    int imm;
    u8 rules;
};
static const struct udform ud_forms[] = {
    {"vsqrtps", 0, 1, 0x51, -1, LB | NOV},      {"vsqrtss", 0xf3, 1, 0x51, -1, LB},
    {"vaddps", 0, 1, 0x58, -1, LB},             {"vaddsd", 0xf2, 1, 0x58, -1, LB},
    {"vrsqrtps", 0, 1, 0x52, -1, LB | NOV},     {"vrcpss", 0xf3, 1, 0x53, -1, LB},
    {"vcmppd", 0x66, 1, 0xc2, 0x1f, LB},        {"vcmpss", 0xf3, 1, 0xc2, 0x11, LB},
    {"vcomiss", 0, 1, 0x2f, -1, LB | NOV},      {"vucomisd", 0x66, 1, 0x2e, -1, LB | NOV},
    {"vandnpd", 0x66, 1, 0x55, -1, LB},         {"vshufps", 0, 1, 0xc6, 0x4e, LB},
    {"vunpckhpd", 0x66, 1, 0x15, -1, LB},       {"vmovmskpd", 0x66, 1, 0x50, -1, LB | NOV | REGO},
    {"vcvtps2pd", 0, 1, 0x5a, -1, LB | NOV},    {"vcvtpd2ps", 0x66, 1, 0x5a, -1, LB | NOV},
    {"vcvtsd2ss", 0xf2, 1, 0x5a, -1, LB},       {"vcvtdq2ps", 0, 1, 0x5b, -1, LB | NOV},
    {"vcvttps2dq", 0xf3, 1, 0x5b, -1, LB | NOV}, {"vcvtdq2pd", 0xf3, 1, 0xe6, -1, LB | NOV},
    {"vcvtpd2dq", 0xf2, 1, 0xe6, -1, LB | NOV}, {"vcvttpd2dq", 0x66, 1, 0xe6, -1, LB | NOV},
    {"vcvtsi2sd", 0xf2, 1, 0x2a, -1, LB},       {"vcvtss2si", 0xf3, 1, 0x2d, -1, LB | NOV},
    {"vhaddps", 0xf2, 1, 0x7c, -1, LB},         {"vaddsubpd", 0x66, 1, 0xd0, -1, LB},
    {"vmovshdup", 0xf3, 1, 0x16, -1, LB | NOV}, {"vmovddup", 0xf2, 1, 0x12, -1, LB | NOV},
    {"vmovss", 0xf3, 1, 0x10, -1, LB | NOVM},   {"vmovsd store", 0xf2, 1, 0x11, -1, LB | NOVM},
    {"vmovlps/vmovhlps", 0, 1, 0x12, -1, L0},   {"vmovhps/vmovlhps", 0, 1, 0x16, -1, L0},
    {"vmovlpd", 0x66, 1, 0x12, -1, L0 | MEMO},  {"vmovhpd", 0x66, 1, 0x16, -1, L0 | MEMO},
    {"vmovlps store", 0, 1, 0x13, -1, L0 | NOV | MEMO},
    {"vmovhpd store", 0x66, 1, 0x17, -1, L0 | NOV | MEMO},
    {"vmovntps", 0, 1, 0x2b, -1, LB | NOV | MEMO}, {"vmovntpd", 0x66, 1, 0x2b, -1, LB | NOV | MEMO},
    {"vpermilps", 0x66, 2, 0x0c, -1, LB | W0},  {"vpermilpd", 0x66, 2, 0x0d, -1, LB | W0},
    {"vtestps", 0x66, 2, 0x0e, -1, LB | W0 | NOV}, {"vtestpd", 0x66, 2, 0x0f, -1, LB | W0 | NOV},
    {"vbroadcastss", 0x66, 2, 0x18, -1, LB | W0 | NOV}, /* register source: AVX2 */
    {"vbroadcastsd", 0x66, 2, 0x19, -1, L1 | W0 | NOV},
    {"vbroadcastf128", 0x66, 2, 0x1a, -1, L1 | W0 | NOV | MEMO},
    {"vmaskmovps load", 0x66, 2, 0x2c, -1, LB | W0 | MEMO},
    {"vmaskmovpd store", 0x66, 2, 0x2f, -1, LB | W0 | MEMO},
    {"vpermilps imm", 0x66, 3, 0x04, 0x1b, LB | W0 | NOV},
    {"vpermilpd imm", 0x66, 3, 0x05, 0x5, LB | W0 | NOV},
    {"vperm2f128", 0x66, 3, 0x06, 0x21, L1 | W0},
    {"vroundps", 0x66, 3, 0x08, 0x4, LB | NOV}, {"vroundsd", 0x66, 3, 0x0b, 0x1, LB},
    {"vblendps", 0x66, 3, 0x0c, 0x5a, LB},      {"vblendvpd", 0x66, 3, 0x4b, 0x40, LB | W0},
    {"vdpps", 0x66, 3, 0x40, 0xf1, LB},         {"vdppd", 0x66, 3, 0x41, 0x31, L0},
    {"vinsertps", 0x66, 3, 0x21, 0x10, L0},     {"vextractps", 0x66, 3, 0x17, 0x2, L0 | NOV},
    {"vinsertf128", 0x66, 3, 0x18, 0x1, L1 | W0},
    {"vextractf128", 0x66, 3, 0x19, 0x1, L1 | W0 | NOV},
};

/* One encoding: register (rm 3) or memory ([rbx]) operand. */
static int try_form(const struct udform *u, bool l, bool w, unsigned vvvv, bool mem)
{
    struct dform f;
    memset(&f, 0, sizeof f);
    vex_op(&f, u->pp, u->map, w, l, u->op, 1, vvvv, mem ? -1 : 3, 0, u->imm);
    setup();
    return run(&f);
}

static void ud_rules(void)
{
    for (unsigned k = 0; k < ARRAY_LEN(ud_forms); k++) {
        const struct udform *u = &ud_forms[k];
        bool mem = !(u->rules & REGO), lv = (u->rules & L1) != 0;
        unsigned v = (u->rules & (NOV | NOVM)) ? 0 : 6;
        char nm[96];
        int rc = try_form(u, lv, false, v, mem);
        snprintf(nm, sizeof nm, "avx_fp.ud.%s.valid", u->name);
        CHECK(nm, rc == -1, "stopped with %d", rc);
        if ((u->rules & LB) != LB) {
            snprintf(nm, sizeof nm, "avx_fp.ud.%s.vex_l%u", u->name, !lv);
            CHECK_EQ(nm, try_form(u, !lv, false, v, mem), EXC_UD);
        }
        snprintf(nm, sizeof nm, "avx_fp.ud.%s.vex_w1%s", u->name,
                 (u->rules & W0) ? "" : "_ignored");
        CHECK_EQ(nm, try_form(u, lv, true, v, mem), (u->rules & W0) ? EXC_UD : -1);
        if (u->rules & (NOV | NOVM)) {
            snprintf(nm, sizeof nm, "avx_fp.ud.%s.vvvv", u->name);
            CHECK_EQ(nm, try_form(u, lv, false, 9, mem), EXC_UD);
        }
        if (u->rules & NOVM) {
            snprintf(nm, sizeof nm, "avx_fp.ud.%s.vvvv_register_form", u->name);
            CHECK_EQ(nm, try_form(u, lv, false, 9, false), -1);
        }
        if (u->rules & (MEMO | REGO)) {
            snprintf(nm, sizeof nm, "avx_fp.ud.%s.%s_operand", u->name,
                     mem ? "register" : "memory");
            CHECK_EQ(nm, try_form(u, lv, false, v, !mem), EXC_UD);
        }
    }
    /* VLDMXCSR/VSTMXCSR: VEX.LZ.0F.WIG AE /2 /3, memory only, vvvv 1111b */
    static const struct { const char *n; u8 l, vvvv, mod; int want; } ld[] = {
        {"avx_fp.ud.vldmxcsr.valid", 0, 0, 0, -1}, {"avx_fp.ud.vldmxcsr.vex_l1", 1, 0, 0, EXC_UD},
        {"avx_fp.ud.vldmxcsr.vvvv", 0, 5, 0, EXC_UD},
        {"avx_fp.ud.vldmxcsr.register_operand", 0, 0, 3, EXC_UD},
    };
    for (unsigned k = 0; k < ARRAY_LEN(ld); k++) {
        struct dform f;
        memset(&f, 0, sizeof f);
        vex_op(&f, 0, 1, false, ld[k].l, 0xae, 2, ld[k].vvvv, ld[k].mod ? 3 : -1, 0, -1);
        setup();
        CHECK_EQ(ld[k].n, run(&f), ld[k].want);
    }
}

/* --- alignment, VMASKMOV, VLDMXCSR, #XM --------------------------------------------- */

static void alignment(void)
{
    struct dform f;
    static const struct { const char *n; u8 pp, op; bool l; unsigned off; int want; } a[] = {
        {"avx_fp.align.vmovntps_ymm_16", 0, 0x2b, true, 16, EXC_GP},
        {"avx_fp.align.vmovntpd_xmm_8", 0x66, 0x2b, false, 8, EXC_GP},
        {"avx_fp.align.vmovntps_ymm_32", 0, 0x2b, true, 32, -1},
        {"avx_fp.align.vaddps_ymm_unaligned", 0, 0x58, true, 3, -1},
        {"avx_fp.align.vmulpd_xmm_unaligned", 0x66, 0x59, false, 9, -1},
    };
    for (unsigned k = 0; k < ARRAY_LEN(a); k++) {
        memset(&f, 0, sizeof f);
        unsigned v = a[k].op == 0x2b ? 0 : 2; /* VMOVNTPS/PD have no first source */
        vex_op(&f, a[k].pp, 1, false, a[k].l, a[k].op, 1, v, -1, a[k].off, -1);
        setup();
        CHECK_EQ(a[k].n, run(&f), a[k].want);
    }
}

/* The 2 MiB page after D's is made not present: an operand ending 16 bytes past D + 2 MiB
 * has its upper elements there. */
#define EDGE (D + 0x200000u)
static void page_present(bool on)
{
    u64 pde = ((u64)EDGE & ~0x1fffffull) | (on ? 0x87u : 0x86u);
    phys_copy_in(h->m, HARNESS_PT + 0x2000 + (EDGE >> 21) * 8, &pde, 8);
    tlb_flush_all(h->c);
}
static void maskmov(void)
{
    struct cpu *c = h->c;
    struct dform f;
    u8 mem[16], zero[16] = {0};
    for (unsigned k = 0; k < 16; k++) mem[k] = (u8)(0xa0 + k);
    for (unsigned store = 0; store < 2; store++) {
        for (unsigned sel_high = 0; sel_high < 2; sel_high++) {
            setup();
            page_present(false);
            phys_copy_in(h->m, EDGE - 16, mem, 16);
            c->r[RBX] = EDGE - 16;
            /* mask YMM2: singles 0-3 (mapped) selected, 4-7 (not present) only with sel_high */
            for (unsigned k = 0; k < 16; k += 4) {
                store_le(fx_xmm(c, 2) + k, 4, k == 4 ? 0 : 0x80000000u);
                store_le(c->fpu.ymmh[2] + k, 4, sel_high && k == 8 ? 0x80000000u : 0);
            }
            memset(&f, 0, sizeof f);
            vex_op(&f, 0x66, 2, false, true, store ? 0x2e : 0x2c, 1, 2, -1, 0, -1);
            int rc = run(&f);
            u8 got[16];
            phys_copy_out(h->m, EDGE - 16, got, 16);
            char nm[80];
            snprintf(nm, sizeof nm, "avx_fp.maskmov.%s.%s", store ? "store" : "load",
                     sel_high ? "selected_element_faults" : "masked_off_no_fault");
            if (sel_high) {
                /* #PF at the selected element's address; nothing written or loaded */
                bool untouched = store ? !memcmp(got, mem, 16)
                                       : fx_xmm(c, 1)[0] == 0x11 && c->fpu.ymmh[1][0] == 0x81;
                CHECK(nm, rc == EXC_PF && c->cr2 == EDGE + 8 && untouched, "rc %d cr2 %#llx", rc,
                      (unsigned long long)c->cr2);
            } else if (store) {
                /* elements 0, 2, 3 of ymm1 (0x11 bytes) written, element 1 left */
                bool ok = rc == -1 && got[0] == 0x11 && got[4] == 0xa4 && got[8] == 0x11 &&
                          got[15] == 0x11;
                CHECK(nm, ok, "rc %d bytes %#x %#x %#x", rc, got[0], got[4], got[8]);
            } else {
                /* elements 0, 2, 3 loaded, 1 and 4-7 zero */
                u8 want[16];
                memcpy(want, mem, 16);
                memset(want + 4, 0, 4);
                bool ok = rc == -1 && !memcmp(fx_xmm(c, 1), want, 16) &&
                          !memcmp(c->fpu.ymmh[1], zero, 16);
                CHECK(nm, ok, "rc %d", rc);
            }
            page_present(true);
        }
    }
}

static void ldmxcsr(void)
{
    struct cpu *c = h->c;
    struct dform f;
    memset(&f, 0, sizeof f);
    vex_op(&f, 0, 1, false, false, 0xae, 2, 0, -1, 0, -1);
    setup();
    u8 v[4];
    store_le(v, 4, 0x1f80 | 0x10000);
    phys_copy_in(h->m, D, v, 4);
    CHECK("avx_fp.vldmxcsr.gp_reserved", run(&f) == EXC_GP && fx_mxcsr(c) == 0x1f80, "failed");
    store_le(v, 4, 0xffff);
    phys_copy_in(h->m, D, v, 4);
    CHECK("avx_fp.vldmxcsr.loads", run(&f) == -1 && fx_mxcsr(c) == 0xffff, "mxcsr %#x",
          fx_mxcsr(c));
    memset(&f, 0, sizeof f);
    vex_op(&f, 0, 1, false, false, 0xae, 3, 0, -1, 4, -1);
    run(&f);
    phys_copy_out(h->m, D + 4, v, 4);
    CHECK("avx_fp.vstmxcsr.stores", load_le(v, 4) == 0xffff, "%#llx",
          (unsigned long long)load_le(v, 4));
}

/* VDIVPS ymm1, ymm2, ymm3 with 1/0 in the high lane and ZE unmasked: #XM, or #UD without
 * CR4.OSXMMEXCPT; YMM1 unchanged, MXCSR.ZE set (SDM Vol. 1 11.5.2.1, 14.8). */
static void unmasked(void)
{
    struct cpu *c = h->c;
    struct dform f;
    memset(&f, 0, sizeof f);
    vex_op(&f, 0, 1, false, true, 0x5e, 1, 2, 3, 0, -1);
    for (unsigned xm = 0; xm < 2; xm++) {
        setup();
        if (!xm) c->cr4 &= ~(u64)CR4_OSXMMEXCPT;
        store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80 & ~0x200u);
        for (unsigned k = 0; k < 16; k += 4) {
            store_le(fx_xmm(c, 2) + k, 4, 0x3f800000u), store_le(fx_xmm(c, 3) + k, 4, 0x3f800000u);
            store_le(c->fpu.ymmh[2] + k, 4, 0x3f800000u);
            store_le(c->fpu.ymmh[3] + k, 4, k == 12 ? 0 : 0x3f800000u);
        }
        int rc = run(&f);
        bool kept = fx_xmm(c, 1)[0] == 0x11 && c->fpu.ymmh[1][15] == 0x81;
        CHECK(xm ? "avx_fp.unmasked.xm" : "avx_fp.unmasked.ud_without_osxmmexcpt",
              rc == (xm ? EXC_XM : EXC_UD) && kept && (fx_mxcsr(c) & 4), "rc %d mxcsr %#x", rc,
              fx_mxcsr(c));
    }
}

int main(void)
{
    h = harness_new(MODE_LONG);
    harness_feature(h, FEAT_AVX, true);
    harness_feature(h, FEAT_AVX2, true);
    ud_rules();
    alignment();
    maskmov();
    ldmxcsr();
    unmasked();
    harness_free(h);
    return check_exit();
}
