/* Host tests: MSR rules (existence per model, reserved bits, canonical addresses, lock
 * bits, EFER transitions, MTRR/PAT validation) and RDMSR/WRMSR privilege. */
#include "check.h"
#include "harness.h"
#include "cpu/cpumodel.h"
#include "cpu/msr.h"

static u64 v;
#define RD_OK(name, c, idx) CHECK(name, msr_read(c, idx, &v), "rdmsr %#x failed", (unsigned)(idx))
#define WR_OK(name, c, idx, val) CHECK(name, msr_write(c, idx, val), "wrmsr %#x failed", (unsigned)(idx))
#define WR_GP(name, c, idx, val) CHECK(name, !msr_write(c, idx, val), "wrmsr %#x accepted", (unsigned)(idx))

static void test_core(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;

    CHECK("msr.unknown", !msr_read(c, 0x12345, &v) && !msr_write(c, 0x12345, 0), "exists");
    /* TSC writes move the offset: reading back gives the written value (time is frozen
     * outside the executor). */
    WR_OK("msr.tsc.write", c, MSR_TSC, 1000000);
    RD_OK("msr.tsc.read", c, MSR_TSC);
    CHECK_EQ("msr.tsc.value", v, 1000000);
    CHECK_EQ("msr.tsc.cpu_tsc", cpu_tsc(c), 1000000);

    RD_OK("msr.platform_id", c, MSR_PLATFORM_ID);
    WR_GP("msr.platform_id.ro", c, MSR_PLATFORM_ID, 0);
    RD_OK("msr.bios_sign_id", c, MSR_BIOS_SIGN_ID);
    CHECK_EQ("msr.bios_sign_id.skylake", v >> 32, 0xf0);

    /* FEATURE_CONTROL: writable until locked; the VMX enables are reserved without VMX. */
    harness_feature(h, FEAT_VMX, false);
    WR_GP("msr.feature_control.vmx_reserved", c, MSR_FEATURE_CONTROL, 5);
    WR_OK("msr.feature_control.lock", c, MSR_FEATURE_CONTROL, 1);
    WR_GP("msr.feature_control.locked", c, MSR_FEATURE_CONTROL, 1);

    /* EFER: reserved bits, LMA read-only, LME frozen while paging. */
    WR_GP("msr.efer.reserved", c, MSR_EFER, c->efer | BIT(2));
    WR_GP("msr.efer.lme_with_paging", c, MSR_EFER, EFER_LMA);
    WR_OK("msr.efer.nxe", c, MSR_EFER, c->efer | EFER_NXE | EFER_SCE);
    CHECK_EQ("msr.efer.value", c->efer, EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE);
    c->misc_enable |= MISC_ENABLE_XD_DISABLE;
    WR_GP("msr.efer.nxe_xd_disabled", c, MSR_EFER, EFER_LME | EFER_LMA | EFER_NXE);
    c->misc_enable &= ~MISC_ENABLE_XD_DISABLE;

    /* Canonical address MSRs. */
    WR_OK("msr.lstar.canonical", c, MSR_LSTAR, 0xffffffff81000000ull);
    WR_GP("msr.lstar.noncanonical", c, MSR_LSTAR, 0x0000800000000000ull);
    WR_OK("msr.fs_base", c, MSR_FS_BASE, 0x7fff00001000ull);
    CHECK_EQ("msr.fs_base.seg", c->seg[SEG_FS].base, 0x7fff00001000ull);
    WR_OK("msr.gs_base", c, MSR_GS_BASE, 0x1234);
    WR_OK("msr.kernel_gs_base", c, MSR_KERNEL_GS_BASE, 0x5678);
    WR_GP("msr.kernel_gs_base.noncanonical", c, MSR_KERNEL_GS_BASE, 0x8000000000000000ull);
    WR_GP("msr.sysenter_eip.noncanonical", c, MSR_SYSENTER_EIP, 0x0001000000000000ull);
    WR_OK("msr.sysenter_cs", c, MSR_SYSENTER_CS, 0x10);
    WR_GP("msr.fmask.reserved", c, MSR_FMASK, BIT(32));
    WR_GP("msr.tsc_aux.reserved", c, MSR_TSC_AUX, BIT(32));
    WR_OK("msr.tsc_aux", c, MSR_TSC_AUX, 7);
    h->m->cpu_model = cpu_model_lookup("icelake"); /* 57-bit linear addresses */
    WR_OK("msr.lstar.la57_canonical", c, MSR_LSTAR, 0x0000800000000000ull);
    h->m->cpu_model = 0;

    /* MISC_ENABLE: read-only BTS/PEBS-unavailable bits, unknown bits reserved. */
    RD_OK("msr.misc_enable", c, MSR_MISC_ENABLE);
    CHECK_EQ("msr.misc_enable.ro_bits", v & (MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL),
             MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL);
    WR_OK("msr.misc_enable.writeback", c, MSR_MISC_ENABLE, v | MISC_ENABLE_MONITOR);
    CHECK_EQ("msr.misc_enable.monitor", c->misc_enable & MISC_ENABLE_MONITOR, MISC_ENABLE_MONITOR);
    WR_GP("msr.misc_enable.reserved", c, MSR_MISC_ENABLE, BIT(40));

    /* APIC base: reserved bits above MAXPHYADDR. */
    WR_GP("msr.apic_base.reserved", c, MSR_APIC_BASE, BIT(45) | 0xfee00000 | APIC_BASE_EN);
    WR_GP("msr.apic_base.low_reserved", c, MSR_APIC_BASE, 0xfee00001 | APIC_BASE_EN);

    /* Speculation MSRs exist only where the model offers them. */
    CHECK("msr.spec_ctrl.skylake_absent", !msr_read(c, MSR_SPEC_CTRL, &v), "present");
    h->m->cpu_model = cpu_model_lookup("icelake");
    WR_OK("msr.spec_ctrl.icelake", c, MSR_SPEC_CTRL, 7);
    WR_GP("msr.spec_ctrl.reserved", c, MSR_SPEC_CTRL, 8);
    WR_OK("msr.pred_cmd", c, MSR_PRED_CMD, 1);
    CHECK("msr.pred_cmd.write_only", !msr_read(c, MSR_PRED_CMD, &v), "readable");
    RD_OK("msr.arch_capabilities", c, MSR_ARCH_CAPABILITIES);
    CHECK_EQ("msr.arch_capabilities.rdcl_no", v & 1, 1);
    h->m->cpu_model = cpu_model_lookup("core2");
    CHECK("msr.tsc_aux.core2_absent", !msr_read(c, MSR_TSC_AUX, &v), "present");
    harness_free(h);
}

static void test_mtrr(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    RD_OK("msr.mtrrcap", c, MSR_MTRRCAP);
    CHECK_EQ("msr.mtrrcap.value", v, 10 | BIT(8) | BIT(10));
    WR_GP("msr.mtrrcap.ro", c, MSR_MTRRCAP, 0);
    WR_OK("msr.mtrr_def_type", c, MSR_MTRR_DEF_TYPE, 0xc06);
    WR_GP("msr.mtrr_def_type.bad_type", c, MSR_MTRR_DEF_TYPE, 0xc02);
    WR_GP("msr.mtrr_def_type.reserved", c, MSR_MTRR_DEF_TYPE, 0x1006);
    WR_OK("msr.mtrr_physbase0", c, MSR_MTRR_PHYSBASE0, 0x80000000 | 6);
    WR_GP("msr.mtrr_physbase0.type7", c, MSR_MTRR_PHYSBASE0, 0x80000000 | 7);
    WR_GP("msr.mtrr_physbase0.above_maxphyaddr", c, MSR_MTRR_PHYSBASE0, BIT(40) | 6);
    WR_OK("msr.mtrr_physmask0", c, MSR_MTRR_PHYSBASE0 + 1, 0x7f80000800ull);
    WR_GP("msr.mtrr_physmask0.reserved", c, MSR_MTRR_PHYSBASE0 + 1, 0x7f80000801ull);
    CHECK("msr.mtrr_var.beyond_vcnt", !msr_read(c, MSR_MTRR_PHYSBASE0 + 20, &v), "present");
    /* All ten pairs skylake reports hold their values, and nothing beside them changes
     * (the array once held eight pairs: pairs 8 and 9 overwrote the next fields). */
    u64 spec = c->spec_ctrl, pdpte[4];
    memcpy(pdpte, c->pdpte, sizeof pdpte);
    for (u32 n = 0; n < 10; n++) {
        msr_write(c, MSR_MTRR_PHYSBASE0 + 2 * n, 0x10000000ull * (n + 1) | 6);
        msr_write(c, MSR_MTRR_PHYSBASE0 + 2 * n + 1, 0x7ff0000800ull);
    }
    u64 b9 = 0, m9 = 0;
    msr_read(c, MSR_MTRR_PHYSBASE0 + 18, &b9);
    msr_read(c, MSR_MTRR_PHYSBASE0 + 19, &m9);
    CHECK("msr.mtrr_var.pair9", b9 == (0xa0000000ull | 6) && m9 == 0x7ff0000800ull, "0x%llx 0x%llx",
          (unsigned long long)b9, (unsigned long long)m9);
    CHECK("msr.mtrr_var.neighbours_untouched", c->spec_ctrl == spec && !memcmp(pdpte, c->pdpte, sizeof pdpte),
          "spec_ctrl 0x%llx", (unsigned long long)c->spec_ctrl);
    WR_OK("msr.mtrr_fix64k", c, MSR_MTRR_FIX64K_00000, 0x0606060606060606ull);
    WR_GP("msr.mtrr_fix4k.bad", c, MSR_MTRR_FIX4K_C0000, 0x0606060606060602ull);
    RD_OK("msr.mtrr_fix64k.read", c, MSR_MTRR_FIX64K_00000);
    CHECK_EQ("msr.mtrr_fix64k.value", v, 0x0606060606060606ull);
    WR_OK("msr.pat", c, MSR_PAT, 0x0007010600070106ull);
    WR_GP("msr.pat.type2", c, MSR_PAT, 0x0007010600070102ull);
    WR_GP("msr.pat.high_bits", c, MSR_PAT, 0x0007010600070186ull);
    h->m->cpu_model = cpu_model_lookup("core2");
    CHECK("msr.core2.vcnt8", !msr_read(c, MSR_MTRR_PHYSBASE0 + 16, &v), "present");
    harness_free(h);
}

/* RDMSR/WRMSR instructions: EDX:EAX, CPL 0 only, #GP for unknown MSRs. */
static void test_insn(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    /* mov ecx,0xc0000081; mov eax,0x11223344; mov edx,0x00080010; wrmsr; xor eax,eax;
     * xor edx,edx; rdmsr */
    static const u8 code[] = {0xb9, 0x81, 0x00, 0x00, 0xc0, 0xb8, 0x44, 0x33, 0x22, 0x11,
                              0xba, 0x10, 0x00, 0x08, 0x00, 0x0f, 0x30, 0x31, 0xc0, 0x31,
                              0xd2, 0x0f, 0x32};
    int r = harness_run(h, code, sizeof code, 100);
    CHECK_EQ("msr.insn.run", r, -1);
    CHECK_EQ("msr.insn.star", c->star, 0x0008001011223344ull);
    CHECK_EQ("msr.insn.eax", c->r[RAX], 0x11223344);
    CHECK_EQ("msr.insn.edx", c->r[RDX], 0x00080010);
    /* mov ecx,0x12345; rdmsr */
    static const u8 bad[] = {0xb9, 0x45, 0x23, 0x01, 0x00, 0x0f, 0x32};
    CHECK_EQ("msr.insn.unknown_gp", harness_run(h, bad, sizeof bad, 100), EXC_GP);
    c->cpl = 3;
    cpu_update_mode(c);
    static const u8 user[] = {0xb9, 0x10, 0x00, 0x00, 0x00, 0x0f, 0x32};
    CHECK_EQ("msr.insn.cpl3_gp", harness_run(h, user, sizeof user, 100), EXC_GP);
    harness_free(h);
}

int main(void)
{
    test_core();
    test_mtrr();
    test_insn();
    return check_exit();
}
