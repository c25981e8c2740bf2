/* fpu_exc's 64-bit half: the #NM/#UD matrix and the #XM table again (fpu_exc.h, names
 * prefixed lm64_), then what only 64-bit mode has: a REX-encoded destination (XMM8) left
 * untouched by #XM, the 64-bit FIP and FDP of a pending x87 exception in FXSAVE64's image
 * (SDM Vol. 2 FXSAVE, Table 3-56) and the #MF at the next waiting instruction, and #XM
 * and #NM raised in ring 3. */
#include "fpu_exc.h"

extern char lm_fdiv[], lm_fwait[];
u32 lm_zero; /* the divisor whose address FDP must hold */
static const u32 lm_one = 0x3f800000;

static void x_divss_x8(void *a)
{
    __asm__ volatile("divss %%xmm9, %%xmm8" ::: "memory");
}
static __attribute__((noinline)) void lm_divzero(void)
{
    fninit();
    fldcw(0x37b);
    __asm__ volatile("flds %0\n"
                     "lm_fdiv: fdivs %1\n" ::"m"(lm_one),
                     "m"(lm_zero)
                     : "memory");
}
static __attribute__((noinline)) void p_lm_fwait(void *a)
{
    __asm__ volatile("lm_fwait: fwait");
}
static void p_user(void *fn)
{
    run_user((void (*)(void *))fn, 0);
}

void main64(u64 arg)
{
    cr0_set(CR0_NE, CR0_MP | CR0_EM | CR0_TS);
    cr4_set(CR4_OSFXSR | CR4_OSXMMEXCPT, 0);
    fninit();
    mxcsr_set(MX_DEFAULT);
    test_nm("lm64_");
    test_xm("lm64_");

    /* XMM8 as destination: untouched by an unmasked divide-by-zero. */
    static const u32 one[4] = {ONE, S, S, S}, zero[4] = {0, S, S, S};
    u32 got[4];
    __asm__ volatile("movups (%0), %%xmm8; movups (%1), %%xmm9" ::"r"(one), "r"(zero) : "memory");
    mxcsr_set(MX_DEFAULT & ~MX_MASK(MX_ZE));
    check_eq("lm64_xmm8_divss_xm", (u32)catch_fault(x_divss_x8, 0), 19);
    check_eq("lm64_xmm8_divss_flags", mxcsr_get() & 0x3f, MX_ZE);
    __asm__ volatile("movups %%xmm8, (%0)" ::"r"(got) : "memory");
    check("lm64_xmm8_untouched", got[0] == ONE && got[1] == S && got[2] == S && got[3] == S);
    mxcsr_set(MX_DEFAULT);

    /* The x87 pointers in 64-bit mode: FXSAVE64 holds the 64-bit RIP and data address. */
    lm_divzero();
    check_eq("lm64_x87_unmasked_fwait_mf", (u32)catch_fault(p_lm_fwait, 0), 16);
    check_eq("lm64_x87_mf_rip_is_fwait", last_trap.ip, (uptr)lm_fwait);
    __asm__ volatile("fxsave64 %0" : "=m"(fxa));
    check_eq("lm64_fxsave64_fip", *(u64 *)&fxa[8], (uptr)lm_fdiv);
    check_eq("lm64_fxsave64_fdp", *(u64 *)&fxa[16], (uptr)&lm_zero);
    check_eq("lm64_fxsave64_fop", *(u16 *)&fxa[6] & 0x7ff, 0x035);
    check_eq("lm64_fxsave64_fsw", *(u16 *)&fxa[2] & 0x80ff, 0x8084);
    /* FNSTENV has no 64-bit layout: the 28-byte one holds the low 32 bits of the
     * pointers, the 14-byte one (operand-size prefix) the low 16 (SDM Vol. 1 8.1.10). */
    __asm__ volatile("fnstenv %0" : "=m"(fxa));
    check_eq("lm64_fnstenv28_fip", *(u32 *)&fxa[12], (u32)(uptr)lm_fdiv);
    check_eq("lm64_fnstenv28_fop", *(u16 *)&fxa[18] & 0x7ff, 0x035);
    check_eq("lm64_fnstenv28_fdp", *(u32 *)&fxa[20], (u32)(uptr)&lm_zero);
    __asm__ volatile("fldenv %0" ::"m"(fxa));
    __asm__ volatile("data16 fnstenv %0" : "=m"(fxa));
    check_eq("lm64_fnstenv14_fip", *(u16 *)&fxa[6], (u16)(uptr)lm_fdiv);
    check_eq("lm64_fnstenv14_fdp", *(u16 *)&fxa[10], (u16)(uptr)&lm_zero);
    check_eq("lm64_fnstenv14_fsw", *(u16 *)&fxa[2] & 0x80ff, 0x8084);
    fninit();

    /* Ring 3: #XM and #NM reach the kernel's handlers like any fault. */
    xmm0_load(one);
    xmm1_load(zero);
    mxcsr_set(MX_DEFAULT & ~MX_MASK(MX_ZE));
    int v = catch_fault(p_user, (void *)x_divss);
    check("lm64_user_divss_xm_from_ring3", v == 19 && (last_trap.cs & 3) == 3);
    mxcsr_set(MX_DEFAULT);
    cr0_set(CR0_TS, 0);
    v = catch_fault(p_user, (void *)p_sse);
    check("lm64_user_xorps_ts_nm_from_ring3", v == 7 && (last_trap.cs & 3) == 3);
    clts();
}
