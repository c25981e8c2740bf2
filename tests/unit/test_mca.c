/* Host tests: machine-check architecture (IA32_MCG_*, the MCi banks), IA32_MISC_ENABLE's
 * thermal, EIST and xTPR bits, the EIST and thermal MSRs, and the CPUID bits that promise
 * them, per CPU model. */
#include "check.h"
#include "harness.h"
#include "cpu/cpumodel.h"
#include "cpu/msr.h"
#include "cpu/sysreg.h"

static u64 v;
#define RD_OK(name, c, idx) CHECK(name, msr_read(c, idx, &v), "rdmsr %#x failed", (unsigned)(idx))
#define RD_GP(name, c, idx) CHECK(name, !msr_read(c, idx, &v), "rdmsr %#x succeeded", (unsigned)(idx))
#define WR_OK(name, c, idx, val) CHECK(name, msr_write(c, idx, val), "wrmsr %#x failed", (unsigned)(idx))
#define WR_GP(name, c, idx, val) CHECK(name, !msr_write(c, idx, val), "wrmsr %#x accepted", (unsigned)(idx))

static u32 cpuid_reg(struct cpu *c, u32 leaf, int reg)
{
    u32 out[4];
    cpuid_query(c, leaf, 0, out);
    return out[reg];
}

/* Each model's IA32_MCG_CAP: the real part's bank count and capability bits. */
static void test_mcg_cap_per_model(void)
{
    static const struct { const char *model; u64 cap; } want[] = {
        {"skylake", 0xc0a}, {"core2", 0x806}, {"westmere", 0x1c09}, {"icelake", 0xc14},
    };
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    char name[80];
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        h->m->cpu_model = cpu_model_lookup(want[k].model);
        u32 edx = cpuid_reg(c, 1, 3);
        snprintf(name, sizeof name, "mca.%s.cpuid_mce_mca", want[k].model);
        CHECK_EQ(name, edx & (BIT(7) | BIT(14)), BIT(7) | BIT(14));
        snprintf(name, sizeof name, "mca.%s.mcg_cap", want[k].model);
        CHECK(name, msr_read(c, MSR_MCG_CAP, &v) && v == want[k].cap, "got %#llx",
              (unsigned long long)v);
        unsigned n = want[k].cap & 0xff;
        snprintf(name, sizeof name, "mca.%s.last_bank", want[k].model);
        CHECK(name, msr_read(c, MSR_MC0_CTL + 4 * (n - 1), &v), "bank %u absent", n - 1);
        snprintf(name, sizeof name, "mca.%s.no_bank_past_count", want[k].model);
        CHECK(name, !msr_read(c, MSR_MC0_CTL + 4 * n, &v), "bank %u present", n);
        snprintf(name, sizeof name, "mca.%s.ctl2_iff_cmci", want[k].model);
        CHECK(name, msr_read(c, MSR_MC0_CTL2, &v) == !!(want[k].cap & BIT(10)), "CTL2 wrong");
    }
    harness_free(h);
}

static void test_mca_rules(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c; /* skylake: 10 banks, CMCI_P, no MCG_CTL */
    WR_GP("mca.mcg_cap.read_only", c, MSR_MCG_CAP, 0xc0a);
    RD_OK("mca.mcg_status.read", c, MSR_MCG_STATUS);
    CHECK_EQ("mca.mcg_status.zero", v, 0);
    WR_OK("mca.mcg_status.mcip", c, MSR_MCG_STATUS, BIT(2));
    WR_OK("mca.mcg_status.clear", c, MSR_MCG_STATUS, 0);
    WR_GP("mca.mcg_status.reserved", c, MSR_MCG_STATUS, BIT(4));
    RD_GP("mca.mcg_ctl.absent_without_ctl_p", c, MSR_MCG_CTL);
    WR_GP("mca.mcg_ctl.write_absent", c, MSR_MCG_CTL, ~0ull);

    WR_OK("mca.mc0_ctl.all_ones", c, MSR_MC0_CTL, ~0ull);
    RD_OK("mca.mc0_ctl.read", c, MSR_MC0_CTL);
    CHECK_EQ("mca.mc0_ctl.value", v, ~0ull);
    WR_OK("mca.mc9_ctl.zero", c, MSR_MC0_CTL + 36, 0);
    for (int r = 1; r <= 3; r++) {
        static const char *const reg[] = {"", "status", "addr", "misc"};
        char name[64];
        snprintf(name, sizeof name, "mca.mc3_%s.reads_zero", reg[r]);
        CHECK(name, msr_read(c, MSR_MC0_CTL + 12 + r, &v) && v == 0, "got %#llx",
              (unsigned long long)v);
        snprintf(name, sizeof name, "mca.mc3_%s.write_zero", reg[r]);
        WR_OK(name, c, MSR_MC0_CTL + 12 + r, 0);
        snprintf(name, sizeof name, "mca.mc3_%s.write_nonzero_gp", reg[r]);
        WR_GP(name, c, MSR_MC0_CTL + 12 + r, BIT(63));
    }
    WR_OK("mca.mc0_ctl2.cmci_threshold", c, MSR_MC0_CTL2, BIT(30) | 5);
    RD_OK("mca.mc0_ctl2.read", c, MSR_MC0_CTL2);
    CHECK_EQ("mca.mc0_ctl2.value", v, BIT(30) | 5);
    WR_GP("mca.mc0_ctl2.reserved", c, MSR_MC0_CTL2, BIT(31));
    RD_GP("mca.ctl2_past_count", c, MSR_MC0_CTL2 + 10);

    /* CR4.MCE can be set (also under VMX: IA32_VMX_CR4_FIXED1 is cr4_valid_bits). */
    CHECK("mca.cr4_mce_valid", cr4_valid_bits(c) & CR4_MCE, "CR4.MCE reserved");

    /* -cpu skylake,-mca: the MSRs disappear with the CPUID bit. */
    harness_feature(h, FEAT_MCA, false);
    CHECK("mca.off.cpuid", !(cpuid_reg(c, 1, 3) & BIT(14)), "MCA still reported");
    RD_GP("mca.off.mcg_cap", c, MSR_MCG_CAP);
    RD_GP("mca.off.mc0_ctl", c, MSR_MC0_CTL);
    harness_free(h);
}

/* RDMSR IA32_MCG_CAP through the instruction: mov ecx,0x179; rdmsr. */
static void test_mca_insn(void)
{
    struct harness *h = harness_new(MODE_LONG);
    static const u8 code[] = {0xb9, 0x79, 0x01, 0x00, 0x00, 0x0f, 0x32};
    CHECK_EQ("mca.rdmsr_mcg_cap.run", harness_run(h, code, sizeof code, 100), -1);
    CHECK_EQ("mca.rdmsr_mcg_cap.eax", h->c->r[RAX], 0xc0a);
    harness_free(h);
}

static void test_misc_enable_and_pm(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    u32 ecx = cpuid_reg(c, 1, 2), edx = cpuid_reg(c, 1, 3);
    CHECK("pm.skylake.cpuid_eist", ecx & BIT(7), "EIST hidden");
    CHECK("pm.skylake.cpuid_tm2", ecx & BIT(8), "TM2 hidden");
    CHECK("pm.skylake.cpuid_xtpr", ecx & BIT(14), "xTPR hidden");
    CHECK_EQ("pm.skylake.cpuid_acpi_tm_pbe", edx & (BIT(22) | BIT(29) | BIT(31)),
             BIT(22) | BIT(29) | BIT(31));

    RD_OK("misc_enable.read", c, MSR_MISC_ENABLE);
    u64 base = v;
    WR_OK("misc_enable.tcc_bit3", c, MSR_MISC_ENABLE, base | BIT(3));
    WR_OK("misc_enable.eist_bit16", c, MSR_MISC_ENABLE, base | BIT(3) | BIT(16));
    WR_OK("misc_enable.xtpr_bit23", c, MSR_MISC_ENABLE, base | BIT(3) | BIT(16) | BIT(23));
    RD_OK("misc_enable.reread", c, MSR_MISC_ENABLE);
    CHECK_EQ("misc_enable.bits_kept", v & (BIT(3) | BIT(16) | BIT(23)), BIT(3) | BIT(16) | BIT(23));
    harness_feature(h, FEAT_EIST, false);
    harness_feature(h, FEAT_XTPR, false);
    WR_GP("misc_enable.eist_bit16_without_eist", c, MSR_MISC_ENABLE, base | BIT(16));
    WR_GP("misc_enable.xtpr_bit23_without_xtpr", c, MSR_MISC_ENABLE, base | BIT(23));
    RD_GP("pm.perf_status.without_eist", c, MSR_PERF_STATUS);
    harness_feature(h, FEAT_EIST, true);
    harness_feature(h, FEAT_XTPR, true);

    RD_OK("pm.perf_status", c, MSR_PERF_STATUS);
    CHECK_EQ("pm.perf_status.base_ratio", v & 0xffff, 34 << 8);
    WR_GP("pm.perf_status.read_only", c, MSR_PERF_STATUS, 0);
    WR_OK("pm.perf_ctl.target", c, MSR_PERF_CTL, 0x1800);
    RD_OK("pm.perf_status.after_ctl", c, MSR_PERF_STATUS);
    CHECK_EQ("pm.perf_status.follows_ctl", v & 0xffff, 0x1800);
    WR_GP("pm.perf_ctl.reserved", c, MSR_PERF_CTL, BIT(40));
    RD_OK("pm.therm_status", c, MSR_THERM_STATUS);
    CHECK_EQ("pm.therm_status.no_event", v, 0);
    WR_OK("pm.therm_interrupt", c, MSR_THERM_INTERRUPT, 0x3);
    RD_OK("pm.therm_interrupt.read", c, MSR_THERM_INTERRUPT);
    CHECK_EQ("pm.therm_interrupt.value", v, 0x3);
    WR_OK("pm.clock_modulation", c, MSR_CLOCK_MODULATION, 0x1a);
    WR_GP("pm.clock_modulation.reserved", c, MSR_CLOCK_MODULATION, 0x20);
    harness_free(h);
}

int main(void)
{
    test_mcg_cap_per_model();
    test_mca_rules();
    test_mca_insn();
    test_misc_enable_and_pm();
    return check_exit();
}
