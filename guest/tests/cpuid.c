/* (i) CPUID and MSR basics: only facts every Intel VT-x capable x86-64 model shares,
 * so Bochs' corei7_skylake_x and Vanderpool's default model must both pass. */
#include "guest.h"

static u32 a, b, c, d;
static void leaf(u32 l, u32 s) { cpuid(l, s, &a, &b, &c, &d); }

static void bad_rdmsr(void *arg) { (void)rdmsr((u32)(uptr)arg); }
static void bad_wrmsr_efer(void *arg) { wrmsr(MSR_EFER, rdmsr(MSR_EFER) | (1ull << 63)); }

void test_main(struct multiboot_info *mbi)
{
    /* Vendor and leaf ranges. */
    leaf(0, 0);
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    check("cpuid_vendor_intel", strcmp(vendor, "GenuineIntel") == 0);
    check("cpuid_max_basic_ge_0xd", a >= 0xd);
    leaf(0x80000000, 0);
    check("cpuid_max_ext_ge_0x80000008", a >= 0x80000008);

    /* Leaf 1 features a 64-bit VT-x processor has. */
    leaf(1, 0);
    static const struct { const char *name; int reg; int bit; } feats[] = {
        {"cpuid1_edx_fpu", 'd', 0},  {"cpuid1_edx_tsc", 'd', 4},   {"cpuid1_edx_msr", 'd', 5},
        {"cpuid1_edx_pae", 'd', 6},  {"cpuid1_edx_cx8", 'd', 8},   {"cpuid1_edx_apic", 'd', 9},
        {"cpuid1_edx_sep", 'd', 11}, {"cpuid1_edx_pge", 'd', 13},  {"cpuid1_edx_cmov", 'd', 15},
        {"cpuid1_edx_fxsr", 'd', 24}, {"cpuid1_edx_sse2", 'd', 26}, {"cpuid1_ecx_cx16", 'c', 13},
    };
    for (u32 i = 0; i < ARRAY_SIZE(feats); i++) {
        u32 r = feats[i].reg == 'd' ? d : c;
        check(feats[i].name, (r >> feats[i].bit) & 1);
    }
    check_eq("cpuid1_initial_apic_id", b >> 24, 0);
    check_eq("cpuid1_clflush_64", (b >> 8) & 0xff, 8);
    leaf(0x80000001, 0);
    check("cpuid_ext_lm", (d >> 29) & 1);
    check("cpuid_ext_nx", (d >> 20) & 1);
    check("cpuid_ext_lahf", c & 1);
    leaf(0x80000008, 0);
    check("cpuid_physbits_ge_36", (a & 0xff) >= 36);
    check_eq("cpuid_linbits_48", (a >> 8) & 0xff, 48);

    /* MSRs: read with rdmsr_safe so one missing MSR fails one check, not the rest. */
    u64 m = 0;
    if (rdmsr_safe(0x1b, &m) == 0)
        check_eq("msr_apic_base", m & 0xfffff900ull, 0xfee00900ull);
    else
        fail("msr_apic_base", "#GP");
    if (rdmsr_safe(0x277, &m) == 0)
        check_eq("msr_pat_reset", m, 0x0007040600070406ull);
    else
        fail("msr_pat_reset", "#GP");
    u64 t0 = rdtsc(), t1 = rdtsc();
    check("msr_tsc_advances", t1 > t0);
    u64 tsc_msr = 0;
    check("msr_tsc_matches_rdtsc", rdmsr_safe(0x10, &tsc_msr) == 0 && tsc_msr >= t1);
    wrmsr(0x174, 0x1234);
    check_eq("msr_sysenter_cs_roundtrip", rdmsr(0x174), 0x1234);
    wrmsr(0x174, 0);
    /* CPUID.1:ECX.VMX and the VMX capability MSRs are checked by the VT-x conformance
     * suite, which also runs each CPU model; this test covers the processor without them. */
    int v = catch_fault(bad_rdmsr, (void *)0x2fffu);
    check("msr_unknown_gp", v == 13 && last_trap.err == 0);
    v = catch_fault(bad_wrmsr_efer, 0);
    check("msr_efer_reserved_gp", v == 13 && last_trap.err == 0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    check_eq("msr_efer_nxe_roundtrip", rdmsr(MSR_EFER) & EFER_NXE, EFER_NXE);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(u64)EFER_NXE);
    call64(0);
}
