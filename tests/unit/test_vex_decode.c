/* The VEX prefix (SDM Vol. 2 2.3): where C4/C5 are VEX and where LES/LDS, the prefixes
 * that make a VEX form #UD, VEX.mmmmm, VEX.R/B and VEX.vvvv with their 32-bit-mode rules,
 * a row's L/vvvv rules, the AVX state checks (Vol. 2 2.8: CR4.OSXSAVE, XCR0, CR0.TS), and
 * YMM upper halves: zeroed by VEX.128 writes, kept by legacy SSE writes (Vol. 1 14.1.3),
 * and VZEROUPPER/VZEROALL. Expected values come from the SDM. */
#include "check.h"
#include "harness.h"
#include "cpu/avx.h"

#define D HARNESS_DATA

static struct harness *h;

static void setup(enum cpu_mode mode)
{
    harness_set_mode(h, mode);
    struct cpu *c = h->c;
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    c->xcr0 = 7;
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    c->r[RBX] = D;
    c->r[R11] = D;
    for (unsigned n = 0; n < 16; n++) {
        memset(fx_xmm(c, n), 0x10 + n, 16);
        memset(c->fpu.ymmh[n], 0x80 + n, 16);
    }
    u8 mem[64];
    for (unsigned k = 0; k < 64; k++) mem[k] = (u8)k;
    phys_copy_in(h->m, D, mem, sizeof mem);
}
static int run(const u8 *code, size_t len) { return harness_run(h, code, len, 100); }
#define RUN(code) run(code, sizeof code)

static bool ymm_is(unsigned n, unsigned lo_first, int hi_first)
{
    for (unsigned k = 0; k < 16; k++)
        if (fx_xmm(h->c, n)[k] != (u8)(lo_first + k)) return false;
    for (unsigned k = 0; k < 16; k++)
        if (h->c->fpu.ymmh[n][k] != (hi_first < 0 ? 0 : (u8)(hi_first + (int)k))) return false;
    return true;
}
static bool fill_is(unsigned n, u8 lo, u8 hi)
{
    for (unsigned k = 0; k < 16; k++)
        if (fx_xmm(h->c, n)[k] != lo || h->c->fpu.ymmh[n][k] != hi) return false;
    return true;
}

static const u8 vmovups_y[] = {0xc5, 0xfc, 0x10, 0x0b};        /* vmovups ymm1, [rbx] */
static const u8 vmovups_x[] = {0xc5, 0xf8, 0x10, 0x0b};        /* vmovups xmm1, [rbx] */
static const u8 movups_x[] = {0x0f, 0x10, 0x0b};               /* movups xmm1, [rbx] */
static const u8 vmovups_3b[] = {0xc4, 0xe1, 0x7c, 0x10, 0x0b}; /* the same, 3-byte VEX */
static const u8 vmovups_r9[] = {0xc4, 0x41, 0x7c, 0x10, 0x0b}; /* vmovups ymm9, [r11] */
static const u8 p66_vex[] = {0x66, 0xc5, 0xf8, 0x10, 0x0b};
static const u8 pf3_vex[] = {0xf3, 0xc5, 0xf8, 0x10, 0x0b};
static const u8 pf2_vex[] = {0xf2, 0xc5, 0xf8, 0x10, 0x0b};
static const u8 lock_vex[] = {0xf0, 0xc5, 0xf8, 0x10, 0x0b};
static const u8 rex_vex[] = {0x40, 0xc5, 0xf8, 0x10, 0x0b};
static const u8 seg_vex[] = {0x3e, 0xc5, 0xf8, 0x10, 0x0b};    /* a segment prefix is fine */
static const u8 map0[] = {0xc4, 0xe0, 0x7c, 0x10, 0x0b};
static const u8 map4[] = {0xc4, 0xe4, 0x7c, 0x10, 0x0b};
static const u8 vvvv_used[] = {0xc5, 0xf0, 0x10, 0x0b};        /* vvvv = 1 where it must be 1111b */
static const u8 vvvv3[] = {0xc4, 0xe1, 0x38, 0x10, 0x0b};      /* vvvv = 8: its bit 3 only */
static const u8 b_bit[] = {0xc4, 0xc1, 0x78, 0x10, 0x0b};      /* VEX.B = 1 */
static const u8 vzeroupper[] = {0xc5, 0xf8, 0x77};
static const u8 vzeroall[] = {0xc5, 0xfc, 0x77};
static const u8 vmovaps_y16[] = {0xc5, 0xfc, 0x28, 0x4b, 0x10}; /* vmovaps ymm1, [rbx+16] */
static const u8 vmovaps_x16[] = {0xc5, 0xf8, 0x28, 0x4b, 0x10}; /* vmovaps xmm1, [rbx+16] */
static const u8 vmovdqu_st[] = {0xc5, 0xfe, 0x7f, 0x4b, 0x01};  /* vmovdqu [rbx+1], ymm1 */
static const u8 vmovaps_rr[] = {0xc5, 0xf8, 0x29, 0xca};        /* vmovaps xmm2, xmm1 */
static const u8 les_ecx[] = {0xc4, 0x0b};                       /* les ecx, [ebx] */
static const u8 vex_undef[] = {0xc5, 0xf8, 0x0d, 0x0b};         /* VEX 0F 0D: no such form */

static void test_prefixes(void)
{
    setup(MODE_LONG);
    CHECK_EQ("vex.vmovups_ymm_load", RUN(vmovups_y), -1);
    CHECK("vex.vmovups_ymm_value", ymm_is(1, 0, 16), "ymm1 wrong");
    setup(MODE_LONG);
    CHECK_EQ("vex.vmovups_xmm_load", RUN(vmovups_x), -1);
    CHECK("vex.128_zeroes_upper", ymm_is(1, 0, -1), "ymm1 upper not zeroed");
    setup(MODE_LONG);
    CHECK_EQ("vex.legacy_movups", RUN(movups_x), -1);
    bool kept = true;
    for (unsigned k = 0; k < 16; k++) kept &= h->c->fpu.ymmh[1][k] == 0x81 && fx_xmm(h->c, 1)[k] == k;
    CHECK("vex.legacy_keeps_upper", kept, "legacy SSE changed bits 255:128");
    setup(MODE_LONG);
    CHECK_EQ("vex.3byte", RUN(vmovups_3b), -1);
    CHECK("vex.3byte_value", ymm_is(1, 0, 16), "ymm1 wrong");
    setup(MODE_LONG);
    CHECK_EQ("vex.r_b_bits", RUN(vmovups_r9), -1);
    CHECK("vex.r_b_value", ymm_is(9, 0, 16), "ymm9 wrong");
    const struct { const char *name; const u8 *code; size_t len; } ud[] = {
        {"vex.ud.66_prefix", p66_vex, sizeof p66_vex}, {"vex.ud.f3_prefix", pf3_vex, sizeof pf3_vex},
        {"vex.ud.f2_prefix", pf2_vex, sizeof pf2_vex}, {"vex.ud.lock", lock_vex, sizeof lock_vex},
        {"vex.ud.rex", rex_vex, sizeof rex_vex},       {"vex.ud.mmmmm_0", map0, sizeof map0},
        {"vex.ud.mmmmm_4", map4, sizeof map4},         {"vex.ud.vvvv_not_1111", vvvv_used, sizeof vvvv_used},
        {"vex.ud.vvvv_bit3_64bit", vvvv3, sizeof vvvv3}, {"vex.ud.no_form", vex_undef, sizeof vex_undef},
    };
    for (size_t k = 0; k < ARRAY_LEN(ud); k++) {
        setup(MODE_LONG);
        CHECK_EQ(ud[k].name, run(ud[k].code, ud[k].len), EXC_UD);
        CHECK(ud[k].name, fill_is(1, 0x11, 0x81), "ymm1 changed");
    }
    setup(MODE_LONG);
    CHECK_EQ("vex.segment_prefix_ok", RUN(seg_vex), -1);
}

static void test_legacy_modes(void)
{
    /* 32-bit protected mode: VEX when bits 7:6 of the next byte are 11b, else LES; B and
     * vvvv[3] ignored (SDM Vol. 2 2.3.5.2-2.3.5.6). */
    setup(MODE_PROT);
    CHECK_EQ("vex.pm32.vmovups", RUN(vmovups_y), -1);
    CHECK("vex.pm32.value", ymm_is(1, 0, 16), "ymm1 wrong");
    setup(MODE_PROT);
    CHECK_EQ("vex.pm32.vvvv_bit3_ignored", RUN(vvvv3), -1);
    setup(MODE_PROT);
    CHECK_EQ("vex.pm32.b_ignored", RUN(b_bit), -1);
    CHECK("vex.pm32.b_ignored_value", ymm_is(1, 0, -1), "ymm1 wrong");
    setup(MODE_PROT);
    u8 farptr[6] = {0x78, 0x56, 0x34, 0x12, (u8)H_DATA32, 0};
    phys_copy_in(h->m, D, farptr, sizeof farptr);
    CHECK_EQ("vex.pm32.les", RUN(les_ecx), -1);
    CHECK_EQ("vex.pm32.les_value", (u32)h->c->r[RCX], 0x12345678);
    /* Real mode: C4/C5 are always LES/LDS; a register operand is #UD. */
    setup(MODE_PROT);
    CHECK_EQ("vex.pm32.vzeroupper", RUN(vzeroupper), -1);
    CHECK("vex.pm32.vzeroupper_8_regs", fill_is(7, 0x17, 0) && fill_is(8, 0x18, 0x88),
          "VZEROUPPER outside 64-bit mode must touch YMM0-7 only");
    setup(MODE_REAL);
    CHECK_EQ("vex.real.lds_reg_ud", RUN(vzeroupper), EXC_UD);
    CHECK("vex.real.not_vex", fill_is(0, 0x10, 0x80), "ymm0 changed");
}

static void test_state_checks(void)
{
    setup(MODE_LONG);
    h->c->cr4 &= ~(u64)CR4_OSXSAVE;
    CHECK_EQ("avx.ud.no_osxsave", RUN(vmovups_y), EXC_UD);
    setup(MODE_LONG);
    h->c->xcr0 = 3;
    CHECK_EQ("avx.ud.xcr0_no_ymm", RUN(vmovups_y), EXC_UD);
    setup(MODE_LONG);
    h->c->xcr0 = 5;
    CHECK_EQ("avx.ud.xcr0_no_sse", RUN(vmovups_y), EXC_UD);
    setup(MODE_LONG);
    h->c->cr0 |= CR0_TS;
    CHECK_EQ("avx.nm.cr0_ts", RUN(vmovups_y), EXC_NM);
    setup(MODE_LONG);
    h->c->cr0 |= CR0_TS;
    h->c->xcr0 = 3;
    CHECK_EQ("avx.ud_before_nm", RUN(vmovups_y), EXC_UD);
    setup(MODE_LONG);
    h->c->cr0 |= CR0_EM;
    h->c->cr4 &= ~(u64)CR4_OSFXSR;
    CHECK_EQ("avx.em_osfxsr_ignored", RUN(vmovups_y), -1);
    setup(MODE_LONG);
    harness_feature(h, FEAT_AVX, false);
    CHECK_EQ("avx.ud.no_cpuid_avx", RUN(vmovups_y), EXC_UD);
    harness_feature(h, FEAT_AVX, true);
}

static void test_moves(void)
{
    setup(MODE_LONG);
    CHECK_EQ("avx.vmovaps_ymm_misaligned_gp", RUN(vmovaps_y16), EXC_GP);
    setup(MODE_LONG);
    CHECK_EQ("avx.vmovaps_xmm_aligned16", RUN(vmovaps_x16), -1);
    CHECK("avx.vmovaps_xmm_value", ymm_is(1, 16, -1), "xmm1 wrong");
    setup(MODE_LONG);
    CHECK_EQ("avx.vmovdqu_store_unaligned", RUN(vmovdqu_st), -1);
    u8 mem[33];
    phys_copy_out(h->m, D, mem, sizeof mem);
    bool ok = mem[0] == 0;
    for (unsigned k = 0; k < 16; k++) ok &= mem[1 + k] == 0x11 && mem[17 + k] == 0x81;
    CHECK("avx.vmovdqu_store_value", ok, "memory wrong");
    setup(MODE_LONG);
    CHECK_EQ("avx.vmovaps_reg_store", RUN(vmovaps_rr), -1);
    CHECK("avx.vmovaps_reg_store_value", fill_is(2, 0x11, 0),
          "ymm2 must be xmm1 with bits 255:128 zeroed");
    setup(MODE_LONG);
    CHECK_EQ("avx.vzeroupper", RUN(vzeroupper), -1);
    CHECK("avx.vzeroupper_value", fill_is(0, 0x10, 0) && fill_is(15, 0x1f, 0), "wrong");
    setup(MODE_LONG);
    CHECK_EQ("avx.vzeroall", RUN(vzeroall), -1);
    CHECK("avx.vzeroall_value", fill_is(0, 0, 0) && fill_is(15, 0, 0), "wrong");
}

int main(void)
{
    h = harness_new(MODE_LONG);
    harness_feature(h, FEAT_AVX, true);
    test_prefixes();
    test_legacy_modes();
    test_state_checks();
    test_moves();
    harness_free(h);
    return check_exit();
}
