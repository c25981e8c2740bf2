/* Emulator-side checks of the VEX packed-integer forms that the host comparison cannot
 * make (test_diff_avx_int.c compares the values): each form's #UD rules (VEX.L, VEX.W,
 * VEX.vvvv, register-only and memory-only forms, VEX.256 without AVX2, the AES and
 * PCLMULQDQ forms without their feature or without AVX), alignment #GP of VMOVNTDQ and
 * VMOVNTDQA, and the upper halves a VEX.128 form zeroes. Expected values from the SDM. */
#include "check.h"
#include "cpu/avx.h"
#include "vex_code.h"

#define D HARNESS_DATA

static struct harness *h;

static void setup(enum cpu_mode mode)
{
    vex_setup(h, mode, D);
}
static struct code vex(unsigned pp, unsigned map, bool w, bool l, unsigned op, unsigned reg,
                       unsigned vvvv, int rm, unsigned disp, int imm)
{
    return vex_code(pp, map, w, l, op, reg, vvvv, rm, disp, imm);
}
static int run(struct code c)
{
    return vex_run_code(h, c);
}

/* The upper half of YMMn is untouched (0x80 + n) or zero. */
static bool upper_is(unsigned n, int v)
{
    for (unsigned k = 0; k < 16; k++)
        if (h->c->fpu.ymmh[n][k] != (u8)(v < 0 ? 0x80 + n : (unsigned)v)) return false;
    return true;
}

static void ud_rules(void)
{
    static const struct {
        const char *name;
        u8 pp, map, op;
        bool w, l;
        u8 reg, vvvv;
        int rm, imm;
    } ud[] = {
        /* VEX.L = 1 where only VEX.128 exists */
        {"vmovd_l1", 0x66, 1, 0x6e, 0, 1, 1, 0, RCX, -1},
        {"vmovd_store_l1", 0x66, 1, 0x7e, 0, 1, 1, 0, RCX, -1},
        {"vmovq_f3_l1", 0xf3, 1, 0x7e, 0, 1, 1, 0, 2, -1},
        {"vmovq_d6_l1", 0x66, 1, 0xd6, 0, 1, 1, 0, 2, -1},
        {"vpextrw_c5_l1", 0x66, 1, 0xc5, 0, 1, 1, 0, 2, 1},
        {"vpinsrw_l1", 0x66, 1, 0xc4, 0, 1, 1, 2, RCX, 1},
        {"vpextrb_l1", 0x66, 3, 0x14, 0, 1, 1, 0, RCX, 1},
        {"vpextrd_l1", 0x66, 3, 0x16, 0, 1, 1, 0, RCX, 1},
        {"vpinsrd_l1", 0x66, 3, 0x22, 0, 1, 1, 2, RCX, 1},
        {"vphminposuw_l1", 0x66, 2, 0x41, 0, 1, 1, 0, 2, -1},
        {"vpcmpestri_l1", 0x66, 3, 0x61, 0, 1, 1, 0, 2, 0},
        {"vpcmpistrm_l1", 0x66, 3, 0x62, 0, 1, 1, 0, 2, 0},
        {"vaesenc_l1", 0x66, 2, 0xdc, 0, 1, 1, 2, 3, -1},
        {"vaesimc_l1", 0x66, 2, 0xdb, 0, 1, 1, 0, 3, -1},
        {"vaeskeygenassist_l1", 0x66, 3, 0xdf, 0, 1, 1, 0, 3, 1},
        {"vpclmulqdq_l1", 0x66, 3, 0x44, 0, 1, 1, 2, 3, 0},
        {"vmaskmovdqu_l1", 0x66, 1, 0xf7, 0, 1, 1, 0, 2, -1},
        /* VEX.vvvv != 1111b where it names no operand */
        {"vpabsb_vvvv", 0x66, 2, 0x1c, 0, 0, 1, 5, 2, -1},
        {"vpshufd_vvvv", 0x66, 1, 0x70, 0, 0, 1, 5, 2, 0},
        {"vpshufhw_vvvv", 0xf3, 1, 0x70, 0, 1, 1, 5, 2, 0},
        {"vpmovsxbw_vvvv", 0x66, 2, 0x20, 0, 0, 1, 5, 2, -1},
        {"vptest_vvvv", 0x66, 2, 0x17, 0, 0, 1, 5, 2, -1},
        {"vpmovmskb_vvvv", 0x66, 1, 0xd7, 0, 0, 1, 5, 2, -1},
        {"vmovd_vvvv", 0x66, 1, 0x6e, 0, 0, 1, 5, RCX, -1},
        {"vpextrd_vvvv", 0x66, 3, 0x16, 0, 0, 1, 5, RCX, 1},
        {"vpcmpestri_vvvv", 0x66, 3, 0x61, 0, 0, 1, 5, 2, 0},
        {"vaesimc_vvvv", 0x66, 2, 0xdb, 0, 0, 1, 5, 3, -1},
        {"vmovntdq_vvvv", 0x66, 1, 0xe7, 0, 0, 1, 5, -1, -1},
        {"vlddqu_vvvv", 0xf2, 1, 0xf0, 0, 0, 1, 5, -1, -1},
        /* VEX.W1 where only W0 exists */
        {"vpblendvb_w1", 0x66, 3, 0x4c, 1, 0, 1, 2, 3, 0x40},
        /* register-only and memory-only forms */
        {"vpmovmskb_mem", 0x66, 1, 0xd7, 0, 0, 1, 0, -1, -1},
        {"vpsrlw_imm_mem", 0x66, 1, 0x71, 0, 0, 2, 1, -1, 3},
        {"vmaskmovdqu_mem", 0x66, 1, 0xf7, 0, 0, 1, 0, -1, -1},
        {"vpextrw_c5_mem", 0x66, 1, 0xc5, 0, 0, 1, 0, -1, 1},
        {"vmovntdq_reg", 0x66, 1, 0xe7, 0, 0, 1, 0, 2, -1},
        {"vmovntdqa_reg", 0x66, 2, 0x2a, 0, 0, 1, 0, 2, -1},
        {"vlddqu_reg", 0xf2, 1, 0xf0, 0, 0, 1, 0, 2, -1},
        /* no such VEX form: VEX.NP PADDB (MMX), a group slot */
        {"vpaddb_np", 0, 1, 0xfc, 0, 0, 1, 2, 3, -1},
        {"vpsrlw_imm_slot0", 0x66, 1, 0x71, 0, 0, 0, 1, 2, 3},
        {"vpsrlq_psrad_slot", 0x66, 1, 0x73, 0, 0, 4, 1, 2, 3},
    };
    for (size_t k = 0; k < ARRAY_LEN(ud); k++) {
        setup(MODE_LONG);
        char name[64];
        snprintf(name, sizeof name, "avx_int.ud.%s", ud[k].name);
        CHECK_EQ(name,
                 run(vex(ud[k].pp, ud[k].map, ud[k].w, ud[k].l, ud[k].op, ud[k].reg, ud[k].vvvv,
                         ud[k].rm, 0x10, ud[k].imm)),
                 EXC_UD);
        CHECK(name, upper_is(1, -1) && fx_xmm(h->c, 1)[0] == 0x11, "ymm1 changed");
    }
}

/* VEX.128 integer forms need AVX; VEX.256 ones AVX2, except VPTEST, VLDDQU and VMOVNTDQ,
 * which AVX has in both lengths (SDM Vol. 2 their CPUID columns). */
static void features(void)
{
    harness_feature(h, FEAT_AVX2, false);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vpaddb_xmm", run(vex(0x66, 1, 0, 0, 0xfc, 1, 2, 3, 0, -1)), -1);
    CHECK("avx_int.no_avx2.vpaddb_xmm_upper", upper_is(1, 0), "VEX.128 must zero bits 255:128");
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vpaddb_ymm_ud", run(vex(0x66, 1, 0, 1, 0xfc, 1, 2, 3, 0, -1)),
             EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vpmovzxbw_ymm_ud", run(vex(0x66, 2, 0, 1, 0x30, 1, 0, 3, 0, -1)),
             EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vpsrlw_imm_ymm_ud", run(vex(0x66, 1, 0, 1, 0x71, 2, 1, 3, 0, 1)),
             EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vpmovmskb_ymm_ud", run(vex(0x66, 1, 0, 1, 0xd7, 0, 0, 3, 0, -1)),
             EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vmovntdqa_ymm_ud", run(vex(0x66, 2, 0, 1, 0x2a, 1, 0, -1, 0, -1)),
             EXC_UD);
    /* The missing feature is #UD before CR0.TS's #NM (SDM Vol. 2 2.8, Table 2-21). */
    setup(MODE_LONG);
    h->c->cr0 |= CR0_TS;
    CHECK_EQ("avx_int.no_avx2.ymm_ud_before_nm", run(vex(0x66, 1, 0, 1, 0xfc, 1, 2, 3, 0, -1)),
             EXC_UD);
    setup(MODE_LONG);
    h->c->cr0 |= CR0_TS;
    CHECK_EQ("avx_int.no_avx2.xmm_nm", run(vex(0x66, 1, 0, 0, 0xfc, 1, 2, 3, 0, -1)), EXC_NM);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vptest_ymm", run(vex(0x66, 2, 0, 1, 0x17, 1, 0, 3, 0, -1)), -1);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vlddqu_ymm", run(vex(0xf2, 1, 0, 1, 0xf0, 1, 0, -1, 3, -1)), -1);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.no_avx2.vmovntdq_ymm", run(vex(0x66, 1, 0, 1, 0xe7, 1, 0, -1, 0x20, -1)), -1);
    harness_feature(h, FEAT_AVX2, true);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.avx2.vpaddb_ymm", run(vex(0x66, 1, 0, 1, 0xfc, 1, 2, 3, 0, -1)), -1);
    CHECK("avx_int.avx2.vpaddb_ymm_upper", upper_is(1, 0x82 + 0x83), "ymm1 upper wrong");

    struct code aesenc = vex(0x66, 2, 0, 0, 0xdc, 1, 2, 3, 0, -1);
    struct code clmul = vex(0x66, 3, 0, 0, 0x44, 1, 2, 3, 0, 0);
    harness_feature(h, FEAT_AES, false);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.vaesenc_no_aes_ud", run(aesenc), EXC_UD);
    harness_feature(h, FEAT_AES, true);
    harness_feature(h, FEAT_PCLMULQDQ, false);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.vpclmulqdq_no_pclmul_ud", run(clmul), EXC_UD);
    harness_feature(h, FEAT_PCLMULQDQ, true);
    harness_feature(h, FEAT_AVX, false);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.vaesenc_no_avx_ud", run(aesenc), EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.vpclmulqdq_no_avx_ud", run(clmul), EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.vpaddb_no_avx_ud", run(vex(0x66, 1, 0, 0, 0xfc, 1, 2, 3, 0, -1)), EXC_UD);
    harness_feature(h, FEAT_AVX, true);
    setup(MODE_LONG);
    CHECK_EQ("avx_int.vaesenc", run(aesenc), -1);
    CHECK("avx_int.vaesenc_upper", upper_is(1, 0), "VEX.128 must zero bits 255:128");
    /* The AVX state checks apply (SDM Vol. 2 2.8). */
    setup(MODE_LONG);
    h->c->xcr0 = 3;
    CHECK_EQ("avx_int.vpaddb_xcr0_ud", run(vex(0x66, 1, 0, 0, 0xfc, 1, 2, 3, 0, -1)), EXC_UD);
    setup(MODE_LONG);
    h->c->cr0 |= CR0_TS;
    CHECK_EQ("avx_int.vpaddb_ts_nm", run(vex(0x66, 1, 0, 0, 0xfc, 1, 2, 3, 0, -1)), EXC_NM);
}

/* VMOVNTDQ / VMOVNTDQA: #GP(0) unless aligned to the vector length; VLDDQU never. */
static void alignment(void)
{
    static const struct {
        const char *name;
        u8 pp, map, op;
        bool l;
        u8 disp;
        int want;
    } a[] = {
        {"vmovntdq_x_16", 0x66, 1, 0xe7, 0, 0x10, -1},
        {"vmovntdq_x_8", 0x66, 1, 0xe7, 0, 0x08, EXC_GP},
        {"vmovntdq_y_32", 0x66, 1, 0xe7, 1, 0x20, -1},
        {"vmovntdq_y_16", 0x66, 1, 0xe7, 1, 0x10, EXC_GP},
        {"vmovntdqa_x_16", 0x66, 2, 0x2a, 0, 0x10, -1},
        {"vmovntdqa_x_4", 0x66, 2, 0x2a, 0, 0x04, EXC_GP},
        {"vmovntdqa_y_32", 0x66, 2, 0x2a, 1, 0x20, -1},
        {"vmovntdqa_y_16", 0x66, 2, 0x2a, 1, 0x10, EXC_GP},
        {"vlddqu_y_1", 0xf2, 1, 0xf0, 1, 0x01, -1},
        {"vpaddb_y_3", 0x66, 1, 0xfc, 1, 0x03, -1},
    };
    for (size_t k = 0; k < ARRAY_LEN(a); k++) {
        setup(MODE_LONG);
        char name[64];
        snprintf(name, sizeof name, "avx_int.align.%s", a[k].name);
        unsigned vvvv = a[k].op == 0xfc ? 2 : 0;
        CHECK_EQ(name, run(vex(a[k].pp, a[k].map, 0, a[k].l, a[k].op, 1, vvvv, -1, a[k].disp, -1)),
                 a[k].want);
        if (a[k].want == EXC_GP) CHECK_EQ(name, h->c->exc_error, 0);
    }
}

int main(void)
{
    h = harness_new(MODE_LONG);
    harness_feature(h, FEAT_AVX, true);
    harness_feature(h, FEAT_AVX2, true);
    harness_feature(h, FEAT_AES, true);
    harness_feature(h, FEAT_PCLMULQDQ, true);
    ud_rules();
    features();
    alignment();
    harness_free(h);
    return check_exit();
}
