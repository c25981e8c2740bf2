/* AVX2's fault rules as an operating system meets them (SDM Vol. 2 VPGATHERDD and
 * VPMASKMOV), 64-bit mode with CR4.OSXSAVE and XCR0 = 7: a 4 KiB window whose second page
 * is not present. VPGATHERDD with its third element on that page: #PF with CR2 there, the
 * elements before it gathered and their mask elements cleared, the rest of the
 * destination as it was and of the mask all ones or zeros by its sign bits; after the
 * page is mapped, the same instruction (restarted) finishes with an all-zero mask. VPMASKMOVD loads
 * and stores with masked-off elements on that page do not fault; a masked-in one does, and the
 * store then writes nothing. A gather whose mask and index are the same register is #UD. */
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

/* ymm1 (destination), ymm2 (mask), ymm3 (index) through memory. */
static u32 regs[3][8] ALIGNED(32);
static void set_regs(void)
{
    __asm__ volatile(
        "vmovdqu (%0), %%ymm1; vmovdqu 32(%0), %%ymm2; vmovdqu 64(%0), %%ymm3" ::"r"(regs)
        : "memory");
}
static void get_regs(void)
{
    __asm__ volatile("vmovdqu %%ymm1, (%0); vmovdqu %%ymm2, 32(%0)" ::"r"(regs) : "memory");
}
static void gather(void *base)
{
    __asm__ volatile("vpgatherdd %%ymm2, (%0,%%ymm3,4), %%ymm1" ::"r"(base) : "memory");
}
static void gather_mask_is_index(void *base)
{
    /* vpgatherdd ymm1, [rax + ymm3*4], ymm3 (VEX.vvvv = 3 = the index): #UD */
    __asm__ volatile(".byte 0xc4, 0xe2, 0x65, 0x90, 0x0c, 0x98" ::"a"(base) : "memory");
}
static void maskload(void *p)
{
    __asm__ volatile("vpmaskmovd (%0), %%ymm2, %%ymm1" ::"r"(p) : "memory");
}
static void maskstore(void *p)
{
    __asm__ volatile("vpmaskmovd %%ymm1, %%ymm2, (%0)" ::"r"(p) : "memory");
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

static void check_regs(const char *name, const u32 *dst, const u32 *mask)
{
    get_regs();
    for (unsigned k = 0; k < 8; k++)
        if (regs[0][k] != dst[k] || regs[1][k] != mask[k]) {
            fail(name, "element %u: dest 0x%x mask 0x%x, want 0x%x 0x%x", k, regs[0][k], regs[1][k],
                 dst[k], mask[k]);
            return;
        }
    pass(name);
}

static void test_gather(void)
{
    u8 *base = (u8 *)(PAGE2 - 8);
    static const u32 dst0[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    /* element 2 on page 2; 3 and 7 masked off (7 would be there too); 6 on page 2 */
    static const s32 idx[8] = {0, 1, 2, -2, 1, 0, 3, 4};
    static const u32 mask0[8] = {0x80000000u, 0xffffffffu, 0xffffffffu, 0,
                                 0x80000000u, 0x7fffffffu, 0xffffffffu, 0};
    memcpy(regs[0], dst0, 32);
    memcpy(regs[1], mask0, 32);
    memcpy(regs[2], idx, 32);
    set_regs();
    expect_pf("gather_pf_third_element", gather, base, PAGE2);
    const u32 *w = (const u32 *)base;
    u32 want_d[8] = {w[0], w[1], 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    u32 want_m[8] = {0, 0, 0xffffffffu, 0, 0xffffffffu, 0, 0xffffffffu, 0};
    check_regs("gather_pf_state", want_d, want_m);
    map_page2(1);
    const u32 *w2 = (const u32 *)frames[1];
    check_eq("gather_restart_completes", (u32)catch_fault(gather, base), (u32)-1);
    u32 done_d[8] = {w[0], w[1], w2[0], 0x44, w[1], 0x66, w2[1], 0x88};
    u32 zero[8] = {0};
    check_regs("gather_restart_state", done_d, zero);
    map_page2(0);

    /* Masked-off elements on the missing page never fault. */
    memcpy(regs[0], dst0, 32);
    static const u32 mask1[8] = {0xffffffffu, 0x80000000u, 0, 0, 0x80000000u, 0, 0, 0};
    memcpy(regs[1], mask1, 32);
    set_regs();
    check_eq("gather_masked_off_no_fault", (u32)catch_fault(gather, base), (u32)-1);
    u32 mo_d[8] = {w[0], w[1], 0x33, 0x44, w[1], 0x66, 0x77, 0x88};
    check_regs("gather_masked_off_state", mo_d, zero);
    check_eq("gather_mask_is_index_ud", (u32)catch_fault(gather_mask_is_index, base), 6);
}

/* VPMASKMOVD ymm1, ymm2, [PAGE2 - 16]: elements 4-7 on the missing page. */
static void test_maskmov(void)
{
    u8 *p = (u8 *)(PAGE2 - 16);
    const u32 *w = (const u32 *)p;
    static const u32 dst0[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const u32 m_lo[8] = {0x80000000u, 0, 0xffffffffu, 0x7fffffffu, 0, 0x7fffffffu, 0, 1};
    static const u32 m_hi[8] = {0x80000000u, 0, 0, 0, 0, 0x80000000u, 0, 0};
    memcpy(regs[0], dst0, 32);
    memcpy(regs[1], m_lo, 32);
    set_regs();
    check_eq("maskload_masked_off_no_fault", (u32)catch_fault(maskload, p), (u32)-1);
    u32 want[8] = {w[0], 0, w[2], 0, 0, 0, 0, 0};
    check_regs("maskload_value", want, m_lo);
    memcpy(regs[0], dst0, 32);
    memcpy(regs[1], m_hi, 32);
    set_regs();
    expect_pf("maskload_masked_in_faults", maskload, p, PAGE2 + 4);
    check_regs("maskload_fault_dest_unchanged", dst0, m_hi);
    u32 before[4];
    memcpy(before, p, 16);
    expect_pf("maskstore_masked_in_faults", maskstore, p, PAGE2 + 4);
    check("maskstore_fault_stores_nothing", !memcmp(before, p, 16));
    memcpy(regs[1], m_lo, 32);
    set_regs();
    check_eq("maskstore_masked_off_no_fault", (u32)catch_fault(maskstore, p), (u32)-1);
    check("maskstore_value", w[0] == 1 && w[1] == before[1] && w[2] == 3 && w[3] == before[3]);
}

void main64(u64 arg)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    int avx = c >> 28 & 1;
    cpuid(7, 0, &a, &b, &c, &d);
    int avx2 = b >> 5 & 1;
    check("cpuid_avx_avx2", avx && avx2);
    if (!avx || !avx2) return;
    cr4_set(CR4_OSXSAVE, 0);
    __asm__ volatile("xsetbv" ::"c"(0), "a"(7), "d"(0));

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
    test_gather();
    test_maskmov();
    write_cr3((u64)old);
}
