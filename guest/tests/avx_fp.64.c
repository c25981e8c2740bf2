/* AVX floating point as an operating system meets it (SDM Vol. 1 14.8-14.9, Vol. 2
 * VDIVPS, VCMPPS, VMASKMOV, VMOVNTPS, VLDMXCSR, VMOVLPS), 64-bit mode with CR4.OSXSAVE and
 * XCR0 = 7: an unmasked exception in the high lane of a VEX.256 division is #XM (#UD
 * without CR4.OSXMMEXCPT) with YMM1 unchanged and the flag set, masked it gives infinity;
 * the signalling and quiet TRUE predicates on a QNaN; VMASKMOVPS loads and stores beside a
 * not-present page (masked-off elements never fault, a masked-in one does and the store
 * writes nothing); VMOVNTPS needs a 32-byte-aligned operand, VADDPS none; VLDMXCSR #GP for
 * a reserved bit; VMOVLPS with VEX.L = 1 is #UD. */
#include "fpu_guest.h"

#define P 0x1ull
#define RW 0x2ull
#define WIN 0x8000000000ull /* PML4 index 1 */
#define PAGE2 (WIN + 0x1000)

static u64 pml4[512] ALIGNED(4096);
static u64 pdpt[512] ALIGNED(4096);
static u64 pd[512] ALIGNED(4096);
static u64 pt[512] ALIGNED(4096);
static u8 frames[2][4096] ALIGNED(4096);

/* ymm1, ymm2, ymm3 through memory. */
static u32 regs[3][8] ALIGNED(32);
static u8 buf[128] ALIGNED(64);
static void set_regs(void)
{
    __asm__ volatile(
        "vmovups (%0), %%ymm1; vmovups 32(%0), %%ymm2; vmovups 64(%0), %%ymm3" ::"r"(regs)
        : "memory");
}
static void get_regs(void)
{
    __asm__ volatile("vmovups %%ymm1, (%0); vmovups %%ymm2, 32(%0)" ::"r"(regs) : "memory");
}
static void vdivps(void *a)
{
    __asm__ volatile("vdivps %%ymm3, %%ymm2, %%ymm1" ::: "memory");
}
static void vcmp_true_us(void *a)
{
    __asm__ volatile("vcmpps $0x1f, %%ymm3, %%ymm2, %%ymm1" ::: "memory");
}
static void vcmp_true_uq(void *a)
{
    __asm__ volatile("vcmpps $0x0f, %%ymm3, %%ymm2, %%ymm1" ::: "memory");
}
static void maskload(void *p)
{
    __asm__ volatile("vmaskmovps (%0), %%ymm2, %%ymm1" ::"r"(p) : "memory");
}
static void maskstore(void *p)
{
    __asm__ volatile("vmaskmovps %%ymm1, %%ymm2, (%0)" ::"r"(p) : "memory");
}
static void vmovntps(void *p)
{
    __asm__ volatile("vmovntps %%ymm1, (%0)" ::"r"(p) : "memory");
}
static void vaddps_mem(void *p)
{
    __asm__ volatile("vaddps (%0), %%ymm2, %%ymm1" ::"r"(p) : "memory");
}
static void vldmxcsr(void *p)
{
    __asm__ volatile("vldmxcsr (%0)" ::"r"(p) : "memory");
}
static void vmovlps_l1(void *p)
{
    /* vmovlps xmm0, xmm0, [rax] with VEX.L = 1 (C5 FC 12 00): #UD */
    __asm__ volatile(".byte 0xc5, 0xfc, 0x12, 0x00" ::"a"(p) : "memory");
}

static void fill(u32 *r, u32 v)
{
    for (unsigned k = 0; k < 8; k++)
        r[k] = v;
}
static int regs_are(const u32 *want1, const u32 *want2)
{
    get_regs();
    for (unsigned k = 0; k < 8; k++)
        if (regs[0][k] != want1[k] || (want2 && regs[1][k] != want2[k])) return 0;
    return 1;
}

/* VDIVPS ymm1, ymm2, ymm3: 1.0 / 1.0 except 1.0 / 0.0 in element 6. */
static void test_xm(void)
{
    static const u32 old1[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    memcpy(regs[0], old1, 32);
    fill(regs[1], 0x3f800000u);
    fill(regs[2], 0x3f800000u);
    regs[2][6] = 0;
    set_regs();
    mxcsr_set(MX_DEFAULT & ~MX_MASK(MX_ZE));
    check_eq("vdivps_ze_unmasked_xm", (u32)catch_fault(vdivps, 0), 19);
    check("vdivps_xm_dest_unchanged", regs_are(old1, 0));
    check_eq("vdivps_xm_mxcsr", mxcsr_get(), (MX_DEFAULT & ~MX_MASK(MX_ZE)) | MX_ZE);
    cr4_set(0, CR4_OSXMMEXCPT);
    mxcsr_set(MX_DEFAULT & ~MX_MASK(MX_ZE));
    check_eq("vdivps_ze_no_osxmmexcpt_ud", (u32)catch_fault(vdivps, 0), 6);
    cr4_set(CR4_OSXMMEXCPT, 0);
    mxcsr_set(MX_DEFAULT);
    check_eq("vdivps_ze_masked_runs", (u32)catch_fault(vdivps, 0), (u32)-1);
    u32 want[8];
    fill(want, 0x3f800000u);
    want[6] = 0x7f800000u;
    check("vdivps_ze_masked_infinity", regs_are(want, 0));
    check_eq("vdivps_ze_masked_mxcsr", mxcsr_get(), MX_DEFAULT | MX_ZE);

    /* TRUE_US (31) signals on a QNaN, TRUE_UQ (15) does not; both are all ones */
    regs[1][3] = 0x7fc00000u;
    set_regs();
    mxcsr_set(MX_DEFAULT);
    catch_fault(vcmp_true_us, 0);
    fill(want, 0xffffffffu);
    check("vcmpps_true_us_ones", regs_are(want, 0));
    check_eq("vcmpps_true_us_qnan_ie", mxcsr_get(), MX_DEFAULT | MX_IE);
    mxcsr_set(MX_DEFAULT);
    catch_fault(vcmp_true_uq, 0);
    check("vcmpps_true_uq_ones", regs_are(want, 0));
    check_eq("vcmpps_true_uq_quiet", mxcsr_get(), MX_DEFAULT);
    mxcsr_set(MX_DEFAULT);
}

static void map_page2(int on)
{
    pt[1] = on ? (u64)frames[1] | RW | P : 0;
    invlpg((void *)PAGE2);
}
static void expect_pf(const char *name, void (*fn)(void *), void *arg, u64 cr2)
{
    int v = catch_fault(fn, arg);
    if (v != 14)
        fail(name, "vector %d, want 14", v);
    else if (last_trap.cr2 != cr2 || (last_trap.err & 1))
        fail(name, "cr2 0x%llx error 0x%x, want 0x%llx and a not-present fault",
             (unsigned long long)last_trap.cr2, last_trap.err, (unsigned long long)cr2);
    else
        pass(name);
}

/* VMASKMOVPS ymm1, ymm2, [PAGE2 - 16]: elements 4-7 on the missing page. */
static void test_maskmov(void)
{
    u8 *p = (u8 *)(PAGE2 - 16);
    const u32 *w = (const u32 *)p;
    static const u32 dst0[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const u32 m_lo[8] = {0x80000000u, 0, 0xffffffffu, 0x7fffffffu, 0, 0x7fffffffu, 0, 1};
    static const u32 m_hi[8] = {0x80000000u, 0, 0, 0, 0, 0, 0xbf800000u, 0};
    memcpy(regs[0], dst0, 32);
    memcpy(regs[1], m_lo, 32);
    set_regs();
    check_eq("maskload_masked_off_no_fault", (u32)catch_fault(maskload, p), (u32)-1);
    u32 want[8] = {w[0], 0, w[2], 0, 0, 0, 0, 0};
    check("maskload_value", regs_are(want, m_lo));
    memcpy(regs[0], dst0, 32);
    memcpy(regs[1], m_hi, 32);
    set_regs();
    expect_pf("maskload_masked_in_faults", maskload, p, PAGE2 + 8);
    check("maskload_fault_dest_unchanged", regs_are(dst0, m_hi));
    u32 before[4];
    memcpy(before, p, 16);
    expect_pf("maskstore_masked_in_faults", maskstore, p, PAGE2 + 8);
    check("maskstore_fault_stores_nothing", !memcmp(before, p, 16));
    memcpy(regs[1], m_lo, 32);
    set_regs();
    check_eq("maskstore_masked_off_no_fault", (u32)catch_fault(maskstore, p), (u32)-1);
    check("maskstore_value", w[0] == 1 && w[1] == before[1] && w[2] == 3 && w[3] == before[3]);
}

static void test_operands(void)
{
    check_eq("vmovntps_ymm_16_aligned_gp", (u32)catch_fault(vmovntps, buf + 16), 13);
    check_eq("vmovntps_ymm_32_aligned", (u32)catch_fault(vmovntps, buf + 32), (u32)-1);
    check_eq("vaddps_ymm_unaligned", (u32)catch_fault(vaddps_mem, buf + 3), (u32)-1);
    u32 m = MX_DEFAULT | 0x10000;
    check_eq("vldmxcsr_reserved_gp", (u32)catch_fault(vldmxcsr, &m), 13);
    check_eq("vldmxcsr_reserved_unchanged", mxcsr_get(), MX_DEFAULT);
    m = MX_DEFAULT | MX_FTZ;
    check_eq("vldmxcsr_loads", (u32)catch_fault(vldmxcsr, &m), (u32)-1);
    check_eq("vldmxcsr_value", mxcsr_get(), MX_DEFAULT | MX_FTZ);
    mxcsr_set(MX_DEFAULT);
    check_eq("vmovlps_vex_l1_ud", (u32)catch_fault(vmovlps_l1, buf), 6);
}

void main64(u64 arg)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    int avx = c >> 28 & 1;
    check("cpuid_avx", avx);
    if (!avx) return;
    cr4_set(CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE, 0);
    __asm__ volatile("xsetbv" ::"c"(0), "a"(7), "d"(0));
    test_xm();
    test_operands();

    u64 *old = (u64 *)read_cr3();
    pml4[0] = old[0];
    pml4[1] = (u64)pdpt | RW | P;
    pdpt[0] = (u64)pd | RW | P;
    pd[0] = (u64)pt | RW | P;
    pt[0] = (u64)frames[0] | RW | P;
    for (unsigned k = 0; k < 4096; k++)
        frames[0][k] = (u8)(k * 7 + 3), frames[1][k] = (u8)(k ^ 0xa5);
    write_cr3((u64)pml4);
    map_page2(0);
    test_maskmov();
    write_cr3((u64)old);
}
