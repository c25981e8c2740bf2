/* SALC and FNOP, and the machine-check, thermal/EIST and xTPR facts CPUID promises:
 * IA32_MCG_CAP and the MCi banks of a healthy processor, IA32_MISC_ENABLE bits 3, 16
 * and 23. The 64-bit half checks SALC's #UD and LGDT/LIDT with a non-canonical base. */
#include "guest.h"

static u64 msr_val;
static void do_wrmsr(void *arg) { wrmsr((u32)(uptr)arg, msr_val); }
static int wrmsr_fault(u32 msr, u64 v)
{
    msr_val = v;
    return catch_fault(do_wrmsr, (void *)(uptr)msr);
}

static u32 salc(int cf)
{
    u32 a = 0x12345678;
    if (cf) __asm__ volatile("stc; .byte 0xd6" : "+a"(a)::"cc");
    else __asm__ volatile("clc; .byte 0xd6" : "+a"(a)::"cc");
    return a;
}

static void do_fnop(void *arg) { __asm__ volatile("fnop"); }
static void do_fwait(void *arg) { __asm__ volatile("fwait"); }
static u8 fx_area[512] ALIGNED(16);

void test_main(struct multiboot_info *mbi)
{
    check_eq("salc_cf1_al_ff", salc(1), 0x123456ff);
    check_eq("salc_cf0_al_00", salc(0), 0x12345600);

    /* FNOP: x87, so #NM with CR0.TS and #MF for a pending unmasked exception (NE=1). */
    uptr cr0 = read_cr0();
    write_cr0((cr0 & ~(uptr)0xc) | 0x20); /* EM=0 TS=0 NE=1 */
    __asm__ volatile("fninit");
    check_eq("fnop_runs", catch_fault(do_fnop, 0), -1);
    write_cr0(read_cr0() | 8);
    check_eq("fnop_ts_nm", catch_fault(do_fnop, 0), 7);
    write_cr0(read_cr0() & ~(uptr)8);
    __asm__ volatile("fxsave %0" : "=m"(fx_area));
    fx_area[0] = 0x7e, fx_area[1] = 0x03; /* FCW: invalid operation unmasked */
    fx_area[2] = 0x81, fx_area[3] = 0x80; /* FSW: IE, ES, B */
    __asm__ volatile("fxrstor %0" ::"m"(fx_area));
    check_eq("fnop_pending_unmasked_mf", catch_fault(do_fnop, 0), 16);
    check_eq("fwait_pending_unmasked_mf", catch_fault(do_fwait, 0), 16);
    __asm__ volatile("fnclex");
    check_eq("fnop_after_fnclex_runs", catch_fault(do_fnop, 0), -1);
    write_cr0(cr0);

    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    check("cpuid1_edx_mce", (d >> 7) & 1);
    check("cpuid1_edx_mca", (d >> 14) & 1);
    check("cpuid1_ecx_eist", (c >> 7) & 1);
    check("cpuid1_ecx_xtpr", (c >> 14) & 1);

    /* Machine-check architecture (SDM Vol. 3 16.3): a healthy processor. */
    u64 cap = 0, v = 0;
    check("mcg_cap_readable", rdmsr_safe(0x179, &cap) == 0);
    check("mcg_cap_has_banks", (cap & 0xff) > 0);
    check("mcg_cap_write_gp", wrmsr_fault(0x179, cap) == 13);
    check("mcg_status_reads_zero", rdmsr_safe(0x17a, &v) == 0 && v == 0);
    check("mc0_status_reads_zero", rdmsr_safe(0x401, &v) == 0 && v == 0);
    check("mc0_status_write_zero_ok", wrmsr_fault(0x401, 0) == -1);
    check("mc0_status_write_nonzero_gp", wrmsr_fault(0x401, 1ull << 63) == 13);
    check("mc0_ctl_all_ones_ok", wrmsr_fault(0x400, ~0ull) == -1);
    check("mc0_ctl_roundtrip", rdmsr_safe(0x400, &v) == 0 && v == ~0ull);
    unsigned n = cap & 0xff;
    check("mc_bank_past_count_gp", n == 0 || rdmsr_safe(0x400 + 4 * n, &v) != 0);
    write_cr4(read_cr4() | 0x40);
    check("cr4_mce_set", (read_cr4() & 0x40) != 0);

    /* IA32_MISC_ENABLE (SDM Vol. 4 Table 2-2): bit 3, and 16/23 with EIST/xTPR. */
    u64 me = 0;
    check("misc_enable_readable", rdmsr_safe(0x1a0, &me) == 0);
    check("misc_enable_bit3_writable", wrmsr_fault(0x1a0, me | (1u << 3)) == -1);
    check("misc_enable_bit16_writable", wrmsr_fault(0x1a0, me | (1u << 3) | (1u << 16)) == -1);
    check("misc_enable_bit23_writable", wrmsr_fault(0x1a0, me | (1u << 3) | (1u << 16) | (1u << 23)) == -1);
    check("misc_enable_bits_read_back",
          rdmsr_safe(0x1a0, &v) == 0 && (v & 0x810008) == 0x810008);
    wrmsr_fault(0x1a0, me);
    call64(0);
}
