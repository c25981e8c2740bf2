/* VMX capability MSRs per CPU model (SDM Vol. 3 Appendix A): allowed-0 bits really
 * required, allowed-1 bits only for implemented controls, TRUE forms, which MSRs exist,
 * VMCS_ENUM, FEATURE_CONTROL rules. */
#include "vmx_util.h"

static const char *const models[] = {"core2", "westmere", "skylake", "icelake"};

static u64 rd(struct harness *h, u32 msr, bool *ok)
{
    u64 v = 0;
    *ok = msr_read(h->c, msr, &v);
    return v;
}

/* Control bits whose behaviour is not implemented: never allowed-1. */
#define PROC_UNIMPL (CPU_TPR_SHADOW | CPU_TERTIARY_CONTROLS)
#define PROC2_UNIMPL (SEC_VIRT_APIC_ACCESSES | \
                      SEC_VMCS_SHADOWING)

static void test_model(const char *model)
{
    char name[96];
#define N(s) (snprintf(name, sizeof name, "%s.%s", model, s), name)
    struct harness *h = harness_new(MODE_LONG);
    h->m->cpu_model = cpu_model_lookup(model);
    bool ok;
    harness_feature(h, FEAT_VMX, false);
    rd(h, MSR_VMX_BASIC, &ok);
    CHECK(N("basic.gp_without_vmx"), !ok, "readable");
    vmx_enable_feature(h, model);
    u64 basic = rd(h, MSR_VMX_BASIC, &ok);
    CHECK(N("basic.readable"), ok, "gp");
    CHECK_EQ(N("basic.region_size_4096"), (basic >> 32) & 0x1fff, 4096);
    CHECK_EQ(N("basic.memtype_wb"), (basic >> 50) & 0xf, 6);
    CHECK_EQ(N("basic.rev_bit31_clear"), (basic >> 31) & 1, 0);
    CHECK_EQ(N("basic.no_32bit_limit_no_dual_monitor"), (basic >> 48) & 3, 0);
    bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;
    CHECK(N("basic.true_ctls_per_model"), true_ctls == (strcmp(model, "core2") != 0), "%d", true_ctls);
    CHECK(N("wrmsr.basic_gp"), !msr_write(h->c, MSR_VMX_BASIC, basic), "writable");

    static const struct { u32 msr, true_msr, default1, clearable; const char *what; } ctls[] = {
        {MSR_VMX_PINBASED_CTLS, MSR_VMX_TRUE_PINBASED_CTLS, PIN_DEFAULT1, 0, "pin"},
        {MSR_VMX_PROCBASED_CTLS, MSR_VMX_TRUE_PROCBASED_CTLS, CPU_DEFAULT1, CPU_TRUE_CLEARABLE, "proc"},
        {MSR_VMX_EXIT_CTLS, MSR_VMX_TRUE_EXIT_CTLS, EXIT_DEFAULT1, EXIT_TRUE_CLEARABLE, "exit"},
        {MSR_VMX_ENTRY_CTLS, MSR_VMX_TRUE_ENTRY_CTLS, ENTRY_DEFAULT1, ENTRY_TRUE_CLEARABLE, "entry"},
    };
    for (size_t k = 0; k < ARRAY_LEN(ctls); k++) {
        char n2[64];
        u64 v = rd(h, ctls[k].msr, &ok);
        u32 must1 = (u32)v, may1 = (u32)(v >> 32);
        snprintf(n2, sizeof n2, "%s.allowed0_default1", ctls[k].what);
        CHECK_EQ(N(n2), must1, ctls[k].default1);
        snprintf(n2, sizeof n2, "%s.allowed0_within_allowed1", ctls[k].what);
        CHECK(N(n2), ok && !(must1 & ~may1), "%#llx", (unsigned long long)v);
        u64 t = rd(h, ctls[k].true_msr, &ok);
        snprintf(n2, sizeof n2, "%s.true_form", ctls[k].what);
        if (true_ctls)
            CHECK(N(n2), ok && (u32)t == (ctls[k].default1 & ~ctls[k].clearable) &&
                  (t >> 32) == may1, "%#llx", (unsigned long long)t);
        else
            CHECK(N(n2), !ok, "readable without BASIC[55]");
    }
    u32 proc1 = (u32)(rd(h, MSR_VMX_PROCBASED_CTLS, &ok) >> 32);
    CHECK(N("proc.unimplemented_not_offered"), !(proc1 & PROC_UNIMPL), "%#x", proc1);
    CHECK(N("proc.hlt_exiting_offered"), proc1 & CPU_HLT_EXITING, "%#x", proc1);
    u64 p2 = rd(h, MSR_VMX_PROCBASED_CTLS2, &ok);
    bool has2 = proc1 & CPU_SECONDARY_CONTROLS;
    CHECK(N("proc2.exists_iff_secondary"), ok == has2, "ok %d secondary %d", ok, has2);
    CHECK(N("proc2.core2_none"), strcmp(model, "core2") != 0 || !has2, "offered");
    CHECK(N("proc2.unimplemented_not_offered"), !((p2 >> 32) & PROC2_UNIMPL) && (u32)p2 == 0,
          "%#llx", (unsigned long long)p2);
    /* SDM A.10: IA32_VMX_EPT_VPID_CAP exists iff EPT or VPID can be enabled (EPT here:
     * every model but core2; test_vmx_ept checks its value). */
    bool ept = (p2 >> 32) & SEC_EPT;
    CHECK(N("proc2.ept_offered_except_core2"), ept == (strcmp(model, "core2") != 0), "%#llx",
          (unsigned long long)p2);
    rd(h, MSR_VMX_EPT_VPID_CAP, &ok);
    CHECK(N("ept_vpid_cap.exists_iff_ept_vpid"), ok == ept, "readable %d", ok);
    /* SDM A.11: IA32_VMX_VMFUNC exists iff VM functions can be enabled (test_vmx_vmfunc). */
    rd(h, MSR_VMX_VMFUNC, &ok);
    CHECK(N("vmfunc.exists_iff_vmfunc"), ok == !!((p2 >> 32) & SEC_VMFUNC), "readable %d", ok);
    rd(h, MSR_VMX_PROCBASED_CTLS3, &ok);
    CHECK(N("procbased3.absent"), !ok, "readable");

    u64 misc = rd(h, MSR_VMX_MISC, &ok);
    CHECK_EQ(N("misc.cr3_targets_4"), (misc >> 16) & 0x1ff, 4);
    CHECK_EQ(N("misc.msr_list_512"), (misc >> 25) & 7, 0);
    CHECK(N("misc.hlt_wait_sipi_states"), (misc & (VMX_MISC_ACT_HLT | VMX_MISC_ACT_WAIT_SIPI)) ==
          (VMX_MISC_ACT_HLT | VMX_MISC_ACT_WAIT_SIPI), "%#llx", (unsigned long long)misc);
    CHECK(N("misc.shutdown_state"), misc & VMX_MISC_ACT_SHUTDOWN, "%#llx",
          (unsigned long long)misc);
    CHECK(N("misc.no_zero_len_inject"), !(misc & VMX_MISC_ZERO_LEN_INJECT), "%#llx",
          (unsigned long long)misc);
    bool timer = (rd(h, MSR_VMX_PINBASED_CTLS, &ok) >> 32) & PIN_PREEMPTION_TIMER;
    CHECK(N("misc.timer_rate_iff_timer"), ((misc & 0x1f) != 0) == timer, "%#llx", (unsigned long long)misc);
    CHECK(N("misc.vmwrite_any_per_model"),
          ((misc & VMX_MISC_VMWRITE_ANY) != 0) == (!strcmp(model, "skylake") || !strcmp(model, "icelake")),
          "%#llx", (unsigned long long)misc);
    CHECK_EQ(N("cr0_fixed0"), rd(h, MSR_VMX_CR0_FIXED0, &ok), CR0_PE | CR0_NE | CR0_PG);
    CHECK_EQ(N("cr0_fixed1"), rd(h, MSR_VMX_CR0_FIXED1, &ok), 0xffffffff);
    CHECK_EQ(N("cr4_fixed0"), rd(h, MSR_VMX_CR4_FIXED0, &ok), CR4_VMXE);
    u64 f1 = rd(h, MSR_VMX_CR4_FIXED1, &ok);
    CHECK(N("cr4_fixed1"), (f1 & CR4_VMXE) && (f1 & CR4_PAE) && !(f1 & (1ull << 15)), "%#llx",
          (unsigned long long)f1);
    CHECK(N("cr4_fixed1_la57_per_model"), ((f1 & CR4_LA57) != 0) == !strcmp(model, "icelake"), "%#llx",
          (unsigned long long)f1);
    /* VMCS_ENUM: highest index of a supported field. */
    u64 en = rd(h, MSR_VMX_VMCS_ENUM, &ok);
    u32 max = 0;
    for (int s = 0; s < VMCS_NSLOTS; s++) {
        bool high;
        u32 enc = vmcs_encoding((enum vmcs_slot)s);
        if (vmcs_slot_of(h->c, enc, &high) >= 0 && ((enc >> 1) & 0x1ff) > max) max = (enc >> 1) & 0x1ff;
    }
    CHECK(N("vmcs_enum"), ok && en == (u64)max << 1 && max >= 0x15, "%#llx", (unsigned long long)en);
    CHECK_EQ(N("vmcs_enum_timer"), en, timer ? 0x2e : 0x2a); /* 482EH or 482AH */

    /* IA32_FEATURE_CONTROL: bit 2 with VMX, bit 1 needs SMX (not offered); lock. */
    h->c->feature_control = 0;
    CHECK(N("feature_control.smx_enable_gp"), !msr_write(h->c, MSR_FEATURE_CONTROL, 3), "accepted");
    CHECK(N("feature_control.vmx_enable"), msr_write(h->c, MSR_FEATURE_CONTROL, 5), "refused");
    CHECK(N("feature_control.locked_gp"), !msr_write(h->c, MSR_FEATURE_CONTROL, 1), "accepted");
    harness_free(h);
#undef N
}

int main(void)
{
    for (size_t k = 0; k < ARRAY_LEN(models); k++) test_model(models[k]);
    struct harness *h = harness_new(MODE_LONG);
    harness_feature(h, FEAT_VMX, false);
    CHECK("feature_control.vmx_bits_gp_without_vmx", !msr_write(h->c, MSR_FEATURE_CONTROL, 5), "accepted");
    harness_free(h);
    return check_exit();
}
