/* -cpu switches for VMX capabilities (src/vmx/caps.c): switching a control off clears its
 * allowed-1 bit and what depends on it, fields of a withdrawn feature become unsupported
 * (VMfail 12), implemented controls a model lacks can be switched on, and capabilities
 * that are not implemented yet are refused with one clear line. */
#include "vmx_util.h"

static u32 may1(struct harness *h, u32 msr) { return (u32)(vmx_cap(h->c, msr) >> 32); }

static bool readable(struct harness *h, u32 msr)
{
    u64 v;
    return msr_read(h->c, msr, &v);
}

static void test_refused(void)
{
    int m;
    struct cpu_features f;
    char err[200] = "";
    CHECK("refuse.minus_tpr_shadow", !cpu_model_parse("skylake,+vmx,-tpr-shadow", &m, &f, err, sizeof err) &&
          strstr(err, "'tpr-shadow'") && strstr(err, "not implemented yet") && !strchr(err, '\n'), "'%s'", err);
    CHECK("refuse.plus_vmcs_shadowing",
          !cpu_model_parse("skylake,-ept,+vmcs-shadowing", &m, &f, err, sizeof err) &&
          strstr(err, "not implemented yet"), "'%s'", err);
    CHECK("refuse.plus_tpr_shadow", !cpu_model_parse("core2,+vmx,+tpr-shadow", &m, &f, err, sizeof err) &&
          strstr(err, "tpr-shadow"), "'%s'", err);
    CHECK("refuse.unknown", !cpu_model_parse("skylake,+vmx,-warp-drive", &m, &f, err, sizeof err) &&
          strstr(err, "unknown"), "'%s'", err);
    CHECK("accept.mixed_case", cpu_model_parse("skylake,+vmx,-Preemption_Timer,-MTF", &m, &f, err, sizeof err),
          "%s", err);
}

static void test_preemption_timer_off(void)
{
    struct harness *h = vmx_spec_harness("skylake,+vmx,-preemption-timer");
    CHECK("timer_off.pin_bit6_clear", !(may1(h, MSR_VMX_PINBASED_CTLS) & PIN_PREEMPTION_TIMER), "offered");
    CHECK("timer_off.true_pin_bit6_clear", !(may1(h, MSR_VMX_TRUE_PINBASED_CTLS) & PIN_PREEMPTION_TIMER), "offered");
    CHECK("timer_off.save_timer_exit_ctl_clear",
          !(may1(h, MSR_VMX_EXIT_CTLS) & EXIT_SAVE_PREEMPTION_TIMER), "offered");
    CHECK_EQ("timer_off.misc_rate_zero", vmx_cap(h->c, MSR_VMX_MISC) & VMX_MISC_TIMER_RATE_MASK, 0);
    CHECK("timer_off.others_kept", may1(h, MSR_VMX_PINBASED_CTLS) & PIN_VIRTUAL_NMIS, "vNMI lost");
    CHECK_EQ("timer_off.vmxon", RUN_M(h, I_VMXON, VMXON_PA), -1);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    u64 v;
    vmread(h, 0x482e, &v);
    CHECK("timer_off.vmread_field_vmfail12", vmx_outcome(h) == 'V' && vm_error(h) == 12,
          "%c %u", vmx_outcome(h), vm_error(h));
    vmwrite(h, 0x482e, 5);
    CHECK("timer_off.vmwrite_field_vmfail12", vmx_outcome(h) == 'V' && vm_error(h) == 12,
          "%c %u", vmx_outcome(h), vm_error(h));
    harness_free(h);

    h = vmx_spec_harness("skylake,+vmx");
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    vmread(h, 0x482e, &v);
    CHECK("timer_on.vmread_field_ok", vmx_outcome(h) == 'S', "%c %u", vmx_outcome(h), vm_error(h));
    harness_free(h);
}

static void test_basic_bits(void)
{
    struct harness *h = vmx_spec_harness("skylake,+vmx,-true-ctls,-ins-outs-info");
    u64 basic = vmx_cap(h->c, MSR_VMX_BASIC);
    CHECK("true_off.basic55_clear", !(basic & VMX_BASIC_TRUE_CTLS), "set");
    CHECK("inout_off.basic54_clear", !(basic & VMX_BASIC_INOUT), "set");
    CHECK("true_off.true_msrs_gp", !readable(h, MSR_VMX_TRUE_PINBASED_CTLS) &&
          !readable(h, MSR_VMX_TRUE_PROCBASED_CTLS) && !readable(h, MSR_VMX_TRUE_EXIT_CTLS) &&
          !readable(h, MSR_VMX_TRUE_ENTRY_CTLS), "readable");
    CHECK_EQ("true_off.revision_kept", basic & VMX_BASIC_REVISION_MASK, vmx_caps_skylake.revision);
    harness_free(h);
}

static void test_dependencies(void)
{
    struct harness *h = vmx_spec_harness("skylake,+vmx,-vnmi");
    CHECK("vnmi_off.pin_bit5_clear", !(may1(h, MSR_VMX_PINBASED_CTLS) & PIN_VIRTUAL_NMIS), "offered");
    CHECK("vnmi_off.nmi_window_clear", !(may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_NMI_WINDOW_EXITING), "offered");
    CHECK("vnmi_off.nmi_exiting_kept", may1(h, MSR_VMX_PINBASED_CTLS) & PIN_NMI_EXITING, "lost");
    harness_free(h);

    h = vmx_spec_harness("skylake,+vmx,-nmi-exiting");
    CHECK("nmi_off.vnmi_and_window_clear", !(may1(h, MSR_VMX_PINBASED_CTLS) & (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)) &&
          !(may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_NMI_WINDOW_EXITING), "offered");
    harness_free(h);

    h = vmx_spec_harness("skylake,+vmx,-mtf,-hlt-exiting,-exit-load-efer");
    CHECK("mtf_off.proc_bit27_clear", !(may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_MONITOR_TRAP_FLAG), "offered");
    CHECK("mtf_off.true_proc_bit27_clear", !(may1(h, MSR_VMX_TRUE_PROCBASED_CTLS) & CPU_MONITOR_TRAP_FLAG), "offered");
    CHECK("hlt_off.proc_bit7_clear", !(may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_HLT_EXITING), "offered");
    CHECK("load_efer_off.exit_bit21_clear", !(may1(h, MSR_VMX_EXIT_CTLS) & EXIT_LOAD_EFER), "offered");
    CHECK("load_efer_off.host_efer_field_vmfail12", (RUN_M(h, I_VMXON, VMXON_PA), RUN_M(h, I_VMPTRLD, VMCS_A),
          vmwrite(h, 0x2c02, 0), vmx_outcome(h) == 'V' && vm_error(h) == 12), "%c", vmx_outcome(h));
    harness_free(h);

    h = vmx_spec_harness("skylake,+vmx,-secondary-ctls");
    CHECK("secondary_off.proc_bit31_clear", !(may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_SECONDARY_CONTROLS), "offered");
    CHECK("secondary_off.procbased2_gp", !readable(h, MSR_VMX_PROCBASED_CTLS2), "readable");
    harness_free(h);

    h = vmx_spec_harness("skylake,+vmx,-wbinvd-exiting,-rdrand-exiting");
    u32 p2 = may1(h, MSR_VMX_PROCBASED_CTLS2);
    CHECK("sec_ctl_off.bits_clear", !(p2 & (SEC_WBINVD_EXITING | SEC_RDRAND_EXITING)) && (p2 & SEC_RDSEED_EXITING),
          "0x%x", p2);
    harness_free(h);
}

static void test_switch_on(void)
{
    struct harness *h = vmx_spec_harness("core2,+vmx");
    CHECK("core2.default_no_timer_mtf_true", !(may1(h, MSR_VMX_PINBASED_CTLS) & PIN_PREEMPTION_TIMER) &&
          !(may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_MONITOR_TRAP_FLAG) &&
          !(vmx_cap(h->c, MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS), "offered");
    harness_free(h);

    h = vmx_spec_harness("core2,+vmx,+preemption-timer,+exit-save-preemption-timer,+mtf,+true-ctls,+wbinvd-exiting");
    CHECK("core2_on.timer", may1(h, MSR_VMX_PINBASED_CTLS) & PIN_PREEMPTION_TIMER, "missing");
    CHECK("core2_on.save_timer", may1(h, MSR_VMX_EXIT_CTLS) & EXIT_SAVE_PREEMPTION_TIMER, "missing");
    CHECK("core2_on.mtf", may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_MONITOR_TRAP_FLAG, "missing");
    CHECK("core2_on.true_ctls", readable(h, MSR_VMX_TRUE_PROCBASED_CTLS), "TRUE MSR #GP");
    CHECK("core2_on.secondary_with_wbinvd", (may1(h, MSR_VMX_PROCBASED_CTLS) & CPU_SECONDARY_CONTROLS) &&
          may1(h, MSR_VMX_PROCBASED_CTLS2) == SEC_WBINVD_EXITING, "0x%x", may1(h, MSR_VMX_PROCBASED_CTLS2));
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    u64 v;
    vmread(h, 0x482e, &v);
    CHECK("core2_on.timer_field_supported", vmx_outcome(h) == 'S', "%c %u", vmx_outcome(h), vm_error(h));
    harness_free(h);
}

static void test_help(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cpu_model_list(f);
    fclose(f);
    CHECK("help.lists_switches", buf && strstr(buf, "preemption-timer") && strstr(buf, "secondary-ctls") &&
          strstr(buf, "true-ctls") && strstr(buf, "ins-outs-info"), "missing");
    CHECK("help.marks_unimplemented", buf && strstr(buf, "use TPR shadow [not implemented yet]"), "missing");
    free(buf);
}

/* Without secondary controls the secondary-controls field itself does not exist. */
static void test_secondary_field(void)
{
    u64 v;
    struct harness *h = vmx_spec_harness("skylake,+vmx,-secondary-ctls");
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    vmread(h, 0x401e, &v);
    CHECK("secondary_off.vmread_field_vmfail12", vmx_outcome(h) == 'V' && vm_error(h) == 12,
          "%c %u", vmx_outcome(h), vm_error(h));
    harness_free(h);
    h = vmx_spec_harness("skylake,+vmx");
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    vmread(h, 0x401e, &v);
    CHECK("secondary_on.vmread_field_ok", vmx_outcome(h) == 'S', "%c %u", vmx_outcome(h), vm_error(h));
    harness_free(h);
}

int main(void)
{
    test_secondary_field();
    test_refused();
    test_preemption_timer_off();
    test_basic_bits();
    test_dependencies();
    test_switch_on();
    test_help();
    return check_exit();
}
