/* The XSAVE feature set in the emulator (xsave.c): which models offer it, CPUID leaf 0DH,
 * CR4.OSXSAVE and CPUID.1:ECX.OSXSAVE, the #UD and #GP rules of XGETBV and XSETBV, IA32_XSS,
 * XSAVES/XRSTORS (privileged, so not in test_diff_xsave) and the alignment #GP; with AVX,
 * component 2 (YMM_Hi128): XCR0, CPUID sizes and offsets, both formats, XINUSE[2], the
 * initialization by XRSTOR and XRSTORS, YMM0-7 only outside 64-bit mode. */
#include "check.h"
#include "harness.h"
#include "cpu/fpu.h"
#include "cpu/msr.h"
#include "cpu/xsave.h"

static struct harness *h;
static struct cpu *c;

static int run(const u8 *code, size_t n) { return harness_run(h, code, n, 100); }
static bool zero_bytes(const u8 *p, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (p[k]) return false;
    return true;
}
static void osxsave(bool on)
{
    if (on) c->cr4 |= CR4_OSXSAVE;
    else c->cr4 &= ~(u64)CR4_OSXSAVE;
}

static void test_models(void)
{
    static const struct { const char *m; bool x; } want[] = {
        {"skylake", true}, {"icelake", true}, {"core2", false}, {"westmere", false}};
    for (unsigned k = 0; k < ARRAY_LEN(want); k++) {
        struct cpu_features f = cpu_model_features(cpu_model_lookup(want[k].m));
        bool all = features_has(&f, FEAT_XSAVE) && features_has(&f, FEAT_XSAVEOPT) &&
                   features_has(&f, FEAT_XSAVEC) && features_has(&f, FEAT_XGETBV1) &&
                   features_has(&f, FEAT_XSAVES);
        char nm[64];
        snprintf(nm, sizeof nm, "xsave.model.%s", want[k].m);
        CHECK(nm, want[k].x ? all : !features_has(&f, FEAT_XSAVE), "xsave %d",
              features_has(&f, FEAT_XSAVE));
    }
}

static void test_cpuid(void)
{
    u32 q[4];
    harness_feature(h, FEAT_AVX, false);
    cpuid_query(c, 0xd, 0, q);
    CHECK("xsave.cpuid.d0", q[0] == 3 && q[1] == 576 && q[2] == 576 && q[3] == 0,
          "%x %x %x %x", q[0], q[1], q[2], q[3]);
    cpuid_query(c, 0xd, 1, q);
    CHECK("xsave.cpuid.d1", q[0] == 0xf && q[1] == 576 && q[2] == 0 && q[3] == 0,
          "%x %x %x %x", q[0], q[1], q[2], q[3]);
    bool z = true;
    for (u32 s = 2; s < 64; s++) {
        cpuid_query(c, 0xd, s, q);
        z &= !(q[0] | q[1] | q[2] | q[3]);
    }
    CHECK("xsave.cpuid.components_2_63_zero", z, "non-zero");
    osxsave(false);
    cpuid_query(c, 1, 0, q);
    bool off = !((q[2] >> 27) & 1) && ((q[2] >> 26) & 1);
    osxsave(true);
    cpuid_query(c, 1, 0, q);
    CHECK("xsave.cpuid.1.osxsave_follows_cr4", off && ((q[2] >> 27) & 1), "ecx %#x", q[2]);
}

static void test_xcr0(void)
{
    static const u8 xgetbv[] = {0x0f, 0x01, 0xd0}, xsetbv[] = {0x0f, 0x01, 0xd1};
    harness_feature(h, FEAT_AVX, false);
    osxsave(false);
    CHECK_EQ("xsave.xgetbv.ud_without_osxsave", run(xgetbv, 3), EXC_UD);
    CHECK_EQ("xsave.xsetbv.ud_without_osxsave", run(xsetbv, 3), EXC_UD);
    osxsave(true);
    c->r[RCX] = 0;
    c->r[RAX] = 3, c->r[RDX] = 0;
    CHECK("xsave.xsetbv.sets_3", run(xsetbv, 3) == -1 && c->xcr0 == 3, "xcr0 %#llx",
          (unsigned long long)c->xcr0);
    static const struct { const char *n; u64 rcx, rax, rdx; } gp[] = {
        {"xsave.xsetbv.gp_bit0_clear", 0, 2, 0}, {"xsave.xsetbv.gp_avx_bit", 0, 7, 0},
        {"xsave.xsetbv.gp_high_bits", 0, 3, 1},  {"xsave.xsetbv.gp_ecx_1", 1, 3, 0},
    };
    for (unsigned k = 0; k < ARRAY_LEN(gp); k++) {
        c->r[RCX] = gp[k].rcx, c->r[RAX] = gp[k].rax, c->r[RDX] = gp[k].rdx;
        CHECK(gp[k].n, run(xsetbv, 3) == EXC_GP && c->xcr0 == 3, "xcr0 %#llx",
              (unsigned long long)c->xcr0);
    }
    c->r[RCX] = 0, c->r[RAX] = 1, c->r[RDX] = 0;
    CHECK("xsave.xsetbv.x87_only", run(xsetbv, 3) == -1 && c->xcr0 == 1, "failed");
    c->r[RCX] = 0;
    CHECK("xsave.xgetbv.xcr0", run(xgetbv, 3) == -1 && c->r[RAX] == 1 && c->r[RDX] == 0, "failed");
    c->r[RCX] = 2;
    CHECK_EQ("xsave.xgetbv.gp_ecx_2", run(xgetbv, 3), EXC_GP);
    c->xcr0 = 3;
    /* XINUSE: all-initial x87 and SSE state reads 0 through XGETBV(1) */
    memset(c->fpu.fxsave, 0, 512);
    store_le(&c->fpu.fxsave[FX_FCW], 2, 0x37f);
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    c->r[RCX] = 1;
    CHECK("xsave.xgetbv1.init_state", run(xgetbv, 3) == -1 && c->r[RAX] == 0, "%#llx",
          (unsigned long long)c->r[RAX]);
    c->fpu.fxsave[FX_XMM0 + 5] = 1;
    c->r[RCX] = 1;
    CHECK("xsave.xgetbv1.sse_in_use", run(xgetbv, 3) == -1 && c->r[RAX] == 2, "%#llx",
          (unsigned long long)c->r[RAX]);
}

static void test_cr4(void)
{
    struct harness *w = harness_new(MODE_LONG);
    w->m->cpu_model = cpu_model_lookup("westmere");
    u8 code[] = {0x0f, 0x22, 0xe0}; /* mov cr4, rax */
    w->c->r[RAX] = w->c->cr4 | CR4_OSXSAVE;
    CHECK_EQ("xsave.cr4.osxsave_gp_on_westmere", harness_run(w, code, 3, 10), EXC_GP);
    static const u8 xgetbv[] = {0x0f, 0x01, 0xd0};
    CHECK_EQ("xsave.xgetbv.ud_on_westmere", harness_run(w, xgetbv, 3, 10), EXC_UD);
    harness_free(w);
    c->r[RAX] = c->cr4 & ~(u64)CR4_OSXSAVE;
    run(code, 3);
    c->r[RAX] = c->cr4 | CR4_OSXSAVE;
    CHECK("xsave.cr4.osxsave_settable", run(code, 3) == -1 && (c->cr4 & CR4_OSXSAVE), "failed");
}

static void test_area(void)
{
    osxsave(true);
    c->xcr0 = 3;
    /* xsaves [rbx]; xrstors [rbx]; xsave [rbx] */
    static const u8 xsaves[] = {0x0f, 0xc7, 0x2b}, xrstors[] = {0x0f, 0xc7, 0x1b},
                    xsave[] = {0x0f, 0xae, 0x23}, xrstor[] = {0x0f, 0xae, 0x2b};
    u8 z[576] = {0};
    phys_copy_in(h->m, HARNESS_DATA, z, sizeof z);
    c->r[RBX] = HARNESS_DATA;
    c->r[RAX] = 3, c->r[RDX] = 0;
    store_le(&c->fpu.fxsave[FX_XMM0 + 16], 8, 0x1234);
    CHECK_EQ("xsave.xsaves.runs", run(xsaves, 3), -1);
    u8 a[576];
    phys_copy_out(h->m, HARNESS_DATA, a, sizeof a);
    CHECK("xsave.xsaves.compacted_header",
          load_le(a + 512, 8) == 2 && load_le(a + 520, 8) == (XCOMP_BV_COMPACT | 3) &&
              load_le(a + FX_XMM0 + 16, 8) == 0x1234,
          "xstate_bv %#llx xcomp_bv %#llx", (unsigned long long)load_le(a + 512, 8),
          (unsigned long long)load_le(a + 520, 8));
    memset(&c->fpu.fxsave[FX_XMM0], 0xee, 256);
    CHECK("xsave.xrstors.restores", run(xrstors, 3) == -1 &&
          load_le(&c->fpu.fxsave[FX_XMM0 + 16], 8) == 0x1234 &&
          load_le(&c->fpu.fxsave[FX_XMM0 + 32], 8) == 0, "failed");
    CHECK_EQ("xsave.xrstor.reads_compacted", run(xrstor, 3), -1);
    /* XRSTORS needs the compacted form */
    phys_copy_in(h->m, HARNESS_DATA + 520, z, 8);
    CHECK_EQ("xsave.xrstors.gp_standard_form", run(xrstors, 3), EXC_GP);
    c->r[RBX] = HARNESS_DATA + 32;
    CHECK_EQ("xsave.xsave.gp_misaligned", run(xsave, 3), EXC_GP);
    CHECK_EQ("xsave.xsaves.gp_misaligned", run(xsaves, 3), EXC_GP);
    c->r[RBX] = HARNESS_DATA;
    c->cr0 |= CR0_TS;
    CHECK_EQ("xsave.xsave.nm_ts", run(xsave, 3), EXC_NM);
    c->cr0 &= ~(u64)CR0_TS;
    osxsave(false);
    CHECK_EQ("xsave.xsave.ud_without_osxsave", run(xsave, 3), EXC_UD);
    CHECK_EQ("xsave.xsaves.ud_without_osxsave", run(xsaves, 3), EXC_UD);
    osxsave(true);
    u64 v = 0;
    CHECK("xsave.xss.reads_0", msr_read(c, MSR_XSS, &v) && v == 0, "failed");
    CHECK("xsave.xss.no_bit_writable", msr_write(c, MSR_XSS, 0) && !msr_write(c, MSR_XSS, 1) &&
          !msr_write(c, MSR_XSS, 1ull << 8), "failed");
}

/* Component 2 with AVX offered. */
static void test_avx(void)
{
    static const u8 xgetbv[] = {0x0f, 0x01, 0xd0}, xsetbv[] = {0x0f, 0x01, 0xd1},
                    xsave[] = {0x0f, 0xae, 0x23}, xrstor[] = {0x0f, 0xae, 0x2b},
                    xsavec[] = {0x0f, 0xc7, 0x23}, xsaves[] = {0x0f, 0xc7, 0x2b},
                    xrstors[] = {0x0f, 0xc7, 0x1b}, xsaveopt[] = {0x0f, 0xae, 0x33};
    harness_feature(h, FEAT_AVX, true);
    osxsave(true);
    c->xcr0 = 3;
    u32 q[4];
    cpuid_query(c, 0xd, 0, q);
    CHECK("xsave.avx.cpuid.d0_xcr0_3", q[0] == 7 && q[1] == 576 && q[2] == 832 && q[3] == 0,
          "%x %x %x %x", q[0], q[1], q[2], q[3]);
    c->r[RCX] = 0, c->r[RAX] = 7, c->r[RDX] = 0;
    CHECK("xsave.avx.xsetbv.sets_7", run(xsetbv, 3) == -1 && c->xcr0 == 7, "xcr0 %#llx",
          (unsigned long long)c->xcr0);
    cpuid_query(c, 0xd, 0, q);
    CHECK("xsave.avx.cpuid.d0_xcr0_7", q[0] == 7 && q[1] == 832 && q[2] == 832, "%x %x %x",
          q[0], q[1], q[2]);
    cpuid_query(c, 0xd, 1, q);
    CHECK("xsave.avx.cpuid.d1_compacted_size", q[1] == 832, "ebx %u", q[1]);
    cpuid_query(c, 0xd, 2, q);
    CHECK("xsave.avx.cpuid.d2", q[0] == 256 && q[1] == 576 && q[2] == 0 && q[3] == 0,
          "%x %x %x %x", q[0], q[1], q[2], q[3]);
    bool z = true;
    for (u32 s = 3; s < 64; s++) {
        cpuid_query(c, 0xd, s, q);
        z &= !(q[0] | q[1] | q[2] | q[3]);
    }
    CHECK("xsave.avx.cpuid.components_3_63_zero", z, "non-zero");
    static const struct { const char *n; u64 rax; } gp[] = {
        {"xsave.avx.xsetbv.gp_avx_without_sse", 5}, {"xsave.avx.xsetbv.gp_bit3", 0xf},
        {"xsave.avx.xsetbv.gp_avx_only", 4},
    };
    for (unsigned k = 0; k < ARRAY_LEN(gp); k++) {
        c->r[RCX] = 0, c->r[RAX] = gp[k].rax, c->r[RDX] = 0;
        CHECK(gp[k].n, run(xsetbv, 3) == EXC_GP && c->xcr0 == 7, "xcr0 %#llx",
              (unsigned long long)c->xcr0);
    }
    /* XINUSE[2]: the upper halves non-zero */
    memset(c->fpu.fxsave, 0, 512);
    store_le(&c->fpu.fxsave[FX_FCW], 2, 0x37f);
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    memset(c->fpu.ymmh, 0, sizeof c->fpu.ymmh);
    c->r[RCX] = 1;
    CHECK("xsave.avx.xgetbv1.init", run(xgetbv, 3) == -1 && c->r[RAX] == 0, "%#llx",
          (unsigned long long)c->r[RAX]);
    c->fpu.ymmh[15][15] = 0x80;
    c->r[RCX] = 1;
    CHECK("xsave.avx.xgetbv1.in_use", run(xgetbv, 3) == -1 && c->r[RAX] == 4, "%#llx",
          (unsigned long long)c->r[RAX]);

    /* XSAVE, RFBM 7: the upper halves at 576, XSTATE_BV[2] = XINUSE[2] */
    u8 a[832], fill[832];
    memset(fill, 0xaa, sizeof fill);
    memset(fill + 512, 0, 64);
    for (unsigned r = 0; r < 16; r++) memset(c->fpu.ymmh[r], r + 1, 16);
    c->r[RBX] = HARNESS_DATA, c->r[RAX] = 7, c->r[RDX] = 0;
    phys_copy_in(h->m, HARNESS_DATA, fill, sizeof fill);
    CHECK_EQ("xsave.avx.xsave.runs", run(xsave, 3), -1);
    phys_copy_out(h->m, HARNESS_DATA, a, sizeof a);
    CHECK("xsave.avx.xsave.component_2", a[576] == 1 && a[576 + 255] == 16 &&
          load_le(a + 512, 8) == 4, "bytes %#x %#x xstate_bv %#llx", a[576], a[576 + 255],
          (unsigned long long)load_le(a + 512, 8));
    /* XRSTOR with XSTATE_BV[2] = 1 loads them; RFBM without bit 2 leaves them */
    memset(c->fpu.ymmh, 0x5c, sizeof c->fpu.ymmh);
    c->r[RAX] = 3;
    CHECK("xsave.avx.xrstor.rfbm_3_keeps", run(xrstor, 3) == -1 && c->fpu.ymmh[4][0] == 0x5c,
          "%#x", c->fpu.ymmh[4][0]);
    c->r[RAX] = 7;
    CHECK("xsave.avx.xrstor.loads", run(xrstor, 3) == -1 && c->fpu.ymmh[4][0] == 5 &&
          c->fpu.ymmh[15][15] == 16, "%#x %#x", c->fpu.ymmh[4][0], c->fpu.ymmh[15][15]);
    /* XSTATE_BV[2] = 0: initialized (zero) */
    store_le(a + 512, 8, 2);
    phys_copy_in(h->m, HARNESS_DATA, a, sizeof a);
    CHECK("xsave.avx.xrstor.initializes", run(xrstor, 3) == -1 &&
          zero_bytes(&c->fpu.ymmh[0][0], sizeof c->fpu.ymmh), "%#x", c->fpu.ymmh[3][0]);
    /* XSAVE of the initial state writes zeros and XSTATE_BV[2] = 0; XSAVEOPT and XSAVEC
     * (init optimization) leave the area alone */
    phys_copy_in(h->m, HARNESS_DATA, fill, sizeof fill);
    run(xsave, 3);
    phys_copy_out(h->m, HARNESS_DATA, a, sizeof a);
    CHECK("xsave.avx.xsave.init_writes_zero", !(load_le(a + 512, 8) & 4) &&
          zero_bytes(a + 576, 256), "xstate_bv %#llx", (unsigned long long)load_le(a + 512, 8));
    static const struct { const char *n; const u8 *code; u64 comp; } opt[] = {
        {"xsave.avx.xsaveopt.init_skips", xsaveopt, 0},
        {"xsave.avx.xsavec.init_skips", xsavec, XCOMP_BV_COMPACT | 7},
    };
    for (unsigned k = 0; k < ARRAY_LEN(opt); k++) {
        phys_copy_in(h->m, HARNESS_DATA, fill, sizeof fill);
        run(opt[k].code, 3);
        phys_copy_out(h->m, HARNESS_DATA, a, sizeof a);
        CHECK(opt[k].n, !(load_le(a + 512, 8) & 4) && load_le(a + 520, 8) == opt[k].comp &&
              a[576] == 0xaa && a[831] == 0xaa, "xstate_bv %#llx xcomp_bv %#llx byte %#x",
              (unsigned long long)load_le(a + 512, 8), (unsigned long long)load_le(a + 520, 8),
              a[576]);
    }
    /* Compacted: XSAVES and XRSTORS with component 2 at 576 */
    for (unsigned r = 0; r < 16; r++) memset(c->fpu.ymmh[r], 0x30 + r, 16);
    phys_copy_in(h->m, HARNESS_DATA, fill, sizeof fill);
    run(xsaves, 3);
    phys_copy_out(h->m, HARNESS_DATA, a, sizeof a);
    CHECK("xsave.avx.xsaves.compacted", load_le(a + 520, 8) == (XCOMP_BV_COMPACT | 7) &&
          (load_le(a + 512, 8) & 4) && a[576] == 0x30 && a[831] == 0x3f, "failed");
    memset(c->fpu.ymmh, 0, sizeof c->fpu.ymmh);
    CHECK("xsave.avx.xrstors.loads", run(xrstors, 3) == -1 && c->fpu.ymmh[9][3] == 0x39,
          "%#x", c->fpu.ymmh[9][3]);
    memset(c->fpu.ymmh, 0, sizeof c->fpu.ymmh);
    CHECK("xsave.avx.xrstor.compacted_loads", run(xrstor, 3) == -1 && c->fpu.ymmh[15][0] == 0x3f,
          "%#x", c->fpu.ymmh[15][0]);
    /* XSTATE_BV[2] set in the compacted form but not XCOMP_BV[2]: #GP */
    store_le(a + 520, 8, XCOMP_BV_COMPACT | 3);
    phys_copy_in(h->m, HARNESS_DATA, a, sizeof a);
    CHECK_EQ("xsave.avx.xrstor.gp_bv_outside_comp", run(xrstor, 3), EXC_GP);
    /* Outside 64-bit mode only YMM0-7 */
    harness_set_mode(h, MODE_PROT);
    osxsave(true);
    c->xcr0 = 7;
    c->r[RBX] = HARNESS_DATA, c->r[RAX] = 7, c->r[RDX] = 0;
    for (unsigned r = 0; r < 16; r++) memset(c->fpu.ymmh[r], 0x40 + r, 16);
    phys_copy_in(h->m, HARNESS_DATA, fill, sizeof fill);
    run(xsave, 3);
    phys_copy_out(h->m, HARNESS_DATA, a, sizeof a);
    CHECK("xsave.avx.xsave.pm32_ymm0_7", a[576] == 0x40 && a[576 + 127] == 0x47 &&
          a[576 + 128] == 0xaa, "%#x %#x %#x", a[576], a[576 + 127], a[576 + 128]);
    store_le(a + 512, 8, 3);
    phys_copy_in(h->m, HARNESS_DATA, a, sizeof a);
    CHECK("xsave.avx.xrstor.pm32_init_ymm0_7", run(xrstor, 3) == -1 &&
          c->fpu.ymmh[7][0] == 0 && c->fpu.ymmh[8][0] == 0x48, "%#x %#x", c->fpu.ymmh[7][0],
          c->fpu.ymmh[8][0]);
    harness_set_mode(h, MODE_LONG);
    harness_feature(h, FEAT_AVX, false);
    c->xcr0 = 3;
}

int main(void)
{
    h = harness_new(MODE_LONG);
    c = h->c;
    test_models();
    test_cpuid();
    test_xcr0();
    test_cr4();
    test_area();
    test_avx();
    harness_free(h);
    return check_exit();
}
