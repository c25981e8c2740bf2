/* CPU feature switches (issue 9): each vector-ISA feature the model offers shows in its
 * CPUID bit, and its instructions run; with the feature switched off (-cpu MODEL,-NAME,
 * and -append off=NAME so the test knows) the bit is clear and the instructions raise #UD
 * (SDM Vol. 2, each instruction's "#UD If CPUID.xx:reg.FEATURE = 0"). Without off= on the
 * command line every feature must be there: that run is compared with Bochs;
 * tests/cli/cpu_off.sh runs the switched-off variants on Vanderpool. */
#include "cmdline.h"
#include "fpu_guest.h"

static u8 buf[576] ALIGNED(64);

static void p_mmx(void *a)
{
    __asm__ volatile("movq %%mm0, %%mm1; emms" ::: "memory");
}
static void p_sse(void *a)
{
    __asm__ volatile("xorps %%xmm1, %%xmm1" ::: "memory");
}
static void p_sse_mxcsr(void *a)
{
    (void)mxcsr_get();
}
static void p_sse2(void *a)
{
    __asm__ volatile("pxor %%xmm1, %%xmm1" ::: "memory");
}
static void p_sse2_fp(void *a)
{
    __asm__ volatile("addsd %%xmm1, %%xmm1" ::: "memory");
}
static void p_sse3(void *a)
{
    __asm__ volatile("haddps %%xmm1, %%xmm1" ::: "memory");
}
static void p_ssse3(void *a)
{
    __asm__ volatile("pshufb %%xmm1, %%xmm1" ::: "memory");
}
static void p_sse41(void *a)
{
    __asm__ volatile("ptest %%xmm1, %%xmm1" ::: "memory", "cc");
}
static void p_sse42(void *a)
{
    __asm__ volatile("pcmpgtq %%xmm1, %%xmm1" ::: "memory");
}
static void p_sse42_crc(void *a)
{
    u32 x = 0;
    __asm__ volatile("crc32l %0, %0" : "+r"(x));
}
static void p_popcnt(void *a)
{
    u32 x = 5;
    __asm__ volatile("popcnt %0, %0" : "+r"(x)::"cc");
}
static void p_aes(void *a)
{
    __asm__ volatile("aesenc %%xmm1, %%xmm1" ::: "memory");
}
static void p_pclmul(void *a)
{
    __asm__ volatile("pclmulqdq $0, %%xmm1, %%xmm1" ::: "memory");
}
static void p_movbe(void *a)
{
    u32 x;
    __asm__ volatile("movbe %1, %0" : "=r"(x) : "m"(buf[0]));
}
static void p_xgetbv(void *a)
{
    u32 lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
}
static void p_xsave(void *a)
{
    __asm__ volatile("xsave (%0)" ::"r"(buf), "a"(3), "d"(0) : "memory");
}
static void p_xsaveopt(void *a)
{
    __asm__ volatile("xsaveopt (%0)" ::"r"(buf), "a"(3), "d"(0) : "memory");
}
static void p_xsavec(void *a)
{
    __asm__ volatile("xsavec (%0)" ::"r"(buf), "a"(3), "d"(0) : "memory");
}
static void p_avx(void *a)
{
    __asm__ volatile("vaddps %%ymm1, %%ymm1, %%ymm1" ::: "memory");
}
static void p_xsaves(void *a)
{
    __asm__ volatile("xsaves (%0)" ::"r"(buf), "a"(3), "d"(0) : "memory");
}

/* name (as -cpu spells it), CPUID leaf.subleaf register bit, a second feature the
 * instruction needs too (the XSAVE extensions need XSAVE), the probe. */
/* clang-format off */
static const struct feat {
    const char *name;
    u32 leaf, sub;
    char reg;
    u8 bit;
    int needs; /* index of another row, or -1 */
    void (*probe)(void *);
    const char *insn;
    int xmm; /* uses the XMM registers */
} feats[] = {
    {"mmx", 1, 0, 'd', 23, -1, p_mmx, "movq_mm", 0},
    {"sse", 1, 0, 'd', 25, -1, p_sse, "xorps", 1},
    {"sse", 1, 0, 'd', 25, -1, p_sse_mxcsr, "stmxcsr", 0},
    {"sse2", 1, 0, 'd', 26, -1, p_sse2, "pxor_xmm", 1},
    {"sse2", 1, 0, 'd', 26, -1, p_sse2_fp, "addsd", 1},
    {"sse3", 1, 0, 'c', 0, -1, p_sse3, "haddps", 1},
    {"ssse3", 1, 0, 'c', 9, -1, p_ssse3, "pshufb", 1},
    {"sse4.1", 1, 0, 'c', 19, -1, p_sse41, "ptest", 1},
    {"sse4.2", 1, 0, 'c', 20, -1, p_sse42, "pcmpgtq", 1},
    {"sse4.2", 1, 0, 'c', 20, -1, p_sse42_crc, "crc32", 0},
    {"popcnt", 1, 0, 'c', 23, -1, p_popcnt, "popcnt", 0},
    {"aes", 1, 0, 'c', 25, -1, p_aes, "aesenc", 1},
    {"pclmulqdq", 1, 0, 'c', 1, -1, p_pclmul, "pclmulqdq", 1},
    {"movbe", 1, 0, 'c', 22, -1, p_movbe, "movbe", 0},
    {"xsave", 1, 0, 'c', 26, -1, p_xgetbv, "xgetbv", 0},
    {"xsave", 1, 0, 'c', 26, -1, p_xsave, "xsave", 0},
    {"xsaveopt", 0xd, 1, 'a', 0, 15, p_xsaveopt, "xsaveopt", 0},
    {"xsavec", 0xd, 1, 'a', 1, 15, p_xsavec, "xsavec", 0},
    {"xsaves", 0xd, 1, 'a', 3, 15, p_xsaves, "xsaves", 0},
    {"avx", 1, 0, 'c', 28, 15, p_avx, "vaddps", 0},
};
/* clang-format on */

static u32 cpuid_reg(u32 leaf, u32 sub, char r)
{
    u32 v[4];
    cpuid(leaf, sub, &v[0], &v[1], &v[2], &v[3]);
    return v[r - 'a'];
}
static uptr cr4_want;
static void do_cr4(void *a)
{
    write_cr4(cr4_want);
}

void test_main(struct multiboot_info *mbi)
{
    static const char *const words[] = {"off=mmx",      "off=sse",       "off=sse2",   "off=sse3",
                                        "off=ssse3",    "off=sse4.1",    "off=sse4.2", "off=popcnt",
                                        "off=aes",      "off=pclmulqdq", "off=movbe",  "off=xsave",
                                        "off=xsaveopt", "off=xsavec",    "off=xsaves", "off=avx"};
    int w = cmdline_choice(mbi, words, (int)ARRAY_SIZE(words));
    const char *off = w < 0 ? "" : words[w] + 4;
    char nb[64];
    cr0_set(CR0_NE | CR0_MP, CR0_EM | CR0_TS);
    /* CR4.OSFXSR and OSXSAVE can be set exactly when the processor has FXSR and XSAVE;
     * OSXMMEXCPT (only checked with SSE there) too. */
    cr4_want = read_cr4() | CR4_OSFXSR;
    check_eq("cr4_osfxsr_set", (u32)catch_fault(do_cr4, 0), (u32)-1);
    cr4_want = read_cr4() | CR4_OSXMMEXCPT;
    int v = catch_fault(do_cr4, 0);
    if (strcmp(off, "sse") != 0) check_eq("cr4_osxmmexcpt_set", (u32)v, (u32)-1);
    int has_xsave = strcmp(off, "xsave") != 0;
    cr4_want = read_cr4() | CR4_OSXSAVE;
    check_eq("cr4_osxsave_set", (u32)catch_fault(do_cr4, 0), has_xsave ? (u32)-1 : 13);
    /* XCR0 with AVX when CPUID offers it (VEX instructions need XCR0[2], SDM Vol. 1 14.3). */
    u32 a1, b1, c1, d1;
    cpuid(1, 0, &a1, &b1, &c1, &d1);
    u32 xcr0 = 3 | (c1 >> 28 & 1) << 2;
    if (has_xsave) __asm__ volatile("xsetbv" ::"c"(0), "a"(xcr0), "d"(0));
    for (unsigned k = 0; k < ARRAY_SIZE(feats); k++) {
        const struct feat *f = &feats[k];
        int want = strcmp(off, f->name) != 0;
        if (f->needs >= 0 && !strcmp(off, feats[f->needs].name)) want = 0;
        check_eq(CHECK_NAME(nb, "%s_cpuid_bit", f->insn),
                 cpuid_reg(f->leaf, f->sub, f->reg) >> f->bit & 1, (u32)want);
        /* Without SSE no processor has the later XMM extensions: not checked then. */
        if (!strcmp(off, "sse") && f->xmm && strcmp(f->name, "sse")) continue;
        check_eq(CHECK_NAME(nb, "%s_runs_or_ud", f->insn), (u32)catch_fault(f->probe, 0),
                 want ? (u32)-1 : 6);
    }
}
