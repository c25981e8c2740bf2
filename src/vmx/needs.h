/* What a VMCS field or a VM-entry check depends on: the capability (a control the
 * processor may offer, SDM Vol. 3 Appendix A) without which the field does not exist (SDM
 * 25.6-25.8 and the footnotes of Appendix B) or the check cannot fail. The "needs" column
 * of vmcs_fields.h and entry_checks.h names one of these; everything else is derived:
 * VMREAD/VMWRITE support (vmcs.c), IA32_VMX_VMCS_ENUM, and the coverage column of
 * docs/vmx-entry-checks.md (tests/unit/test_vmx_entry_doc.c).
 *
 *   VMX_NEED(NAME, condition on the allowed-1 settings `a`, "what it is")
 *
 * No include guard on the list; the includer defines VMX_NEED. */
#ifndef VMX_NEED
#ifndef VP_VMX_NEEDS_H
#define VP_VMX_NEEDS_H

#include "../common.h"

struct cpu;

/* Allowed-1 settings of each control (bits 63:32 of the capability MSRs): proc2 is 0
 * unless "activate secondary controls" may be 1 (SDM A.3.3); vmfunc is IA32_VMX_VMFUNC. */
struct vmx_allowed {
    u32 pin, proc, proc2, exit, entry;
    u64 vmfunc;
};

#define VMX_NEED(name, cond, text) VMX_NEED_##name,
enum vmx_need {
#include "needs.h"
    VMX_NEED_COUNT
};
#undef VMX_NEED

/* The allowed settings of this processor (its capability MSRs), or of everything Vanderpool
 * implements (what a model or a -cpu switch can offer at most; caps.c). */
void vmx_allowed_of(const struct cpu *c, struct vmx_allowed *a);
void vmx_allowed_implemented(struct vmx_allowed *a);
bool vmx_need_met(const struct vmx_allowed *a, enum vmx_need n);
/* "SEC_EPT" and "enable EPT". */
const char *vmx_need_name(enum vmx_need n);
const char *vmx_need_text(enum vmx_need n);

#endif
#else
VMX_NEED(NONE, true, "nothing")
/* Pin-based controls (SDM 25.6.1) */
VMX_NEED(PIN_VIRTUAL_NMIS, a->pin & PIN_VIRTUAL_NMIS, "virtual NMIs")
VMX_NEED(PIN_PREEMPTION_TIMER, a->pin & PIN_PREEMPTION_TIMER, "activate VMX-preemption timer")
VMX_NEED(PIN_POSTED_INTR, a->pin & PIN_POSTED_INTR, "process posted interrupts")
/* Primary processor-based controls (SDM 25.6.2) */
VMX_NEED(PROC_TPR_SHADOW, a->proc & CPU_TPR_SHADOW, "use TPR shadow")
VMX_NEED(PROC_NMI_WINDOW, a->proc & CPU_NMI_WINDOW_EXITING, "NMI-window exiting")
VMX_NEED(PROC_SECONDARY, a->proc & CPU_SECONDARY_CONTROLS, "activate secondary controls")
VMX_NEED(PROC_TERTIARY, a->proc & CPU_TERTIARY_CONTROLS, "activate tertiary controls")
/* Secondary processor-based controls (SDM 25.6.2) */
VMX_NEED(SEC_VIRT_APIC_ACCESSES, a->proc2 & SEC_VIRT_APIC_ACCESSES, "virtualize APIC accesses")
VMX_NEED(SEC_EPT, a->proc2 & SEC_EPT, "enable EPT")
VMX_NEED(SEC_VIRT_X2APIC, a->proc2 & SEC_VIRT_X2APIC, "virtualize x2APIC mode")
VMX_NEED(SEC_VPID, a->proc2 & SEC_VPID, "enable VPID")
VMX_NEED(SEC_UNRESTRICTED_GUEST, a->proc2 & SEC_UNRESTRICTED_GUEST, "unrestricted guest")
VMX_NEED(SEC_APICV, a->proc2 & (SEC_VIRT_X2APIC | SEC_APIC_REGISTER_VIRT | SEC_VIRT_INTR_DELIVERY),
         "virtualize x2APIC, APIC-register virtualization or VID")
VMX_NEED(SEC_VIRT_INTR_DELIVERY, a->proc2 & SEC_VIRT_INTR_DELIVERY, "virtual-interrupt delivery")
VMX_NEED(SEC_PAUSE_LOOP_EXITING, a->proc2 & SEC_PAUSE_LOOP_EXITING, "PAUSE-loop exiting")
VMX_NEED(SEC_VMFUNC, a->proc2 & SEC_VMFUNC, "enable VM functions")
VMX_NEED(SEC_VMCS_SHADOWING, a->proc2 & SEC_VMCS_SHADOWING, "VMCS shadowing")
VMX_NEED(SEC_ENCLS_EXITING, a->proc2 & SEC_ENCLS_EXITING, "enable ENCLS exiting")
VMX_NEED(SEC_PML, a->proc2 & SEC_PML, "enable PML")
VMX_NEED(SEC_EPT_VE, a->proc2 & SEC_EPT_VE, "EPT-violation #VE")
VMX_NEED(SEC_MODE_BASED_EPT, a->proc2 & SEC_MODE_BASED_EPT, "mode-based execute control for EPT")
VMX_NEED(SEC_XSAVES, a->proc2 & SEC_XSAVES, "enable XSAVES/XRSTORS")
VMX_NEED(SEC_SPP, a->proc2 & SEC_SPP, "sub-page write permissions for EPT")
VMX_NEED(SEC_TSC_SCALING, a->proc2 & SEC_TSC_SCALING, "use TSC scaling")
VMX_NEED(SEC_ENCLV_EXITING, a->proc2 & SEC_ENCLV_EXITING, "enable ENCLV exiting")
/* VM functions (SDM 25.6.14): EPTP switching is VM function 0 */
VMX_NEED(VMFUNC_EPTP_SWITCHING, (a->proc2 & SEC_VMFUNC) && (a->vmfunc & 1), "EPTP switching")
/* VM-exit controls (SDM 25.7.1) */
VMX_NEED(EXIT_SAVE_PREEMPTION_TIMER, a->exit & EXIT_SAVE_PREEMPTION_TIMER,
         "save VMX-preemption timer value")
VMX_NEED(EXIT_LOAD_PAT, a->exit & EXIT_LOAD_PAT, "load IA32_PAT on exit")
VMX_NEED(EXIT_LOAD_EFER, a->exit & EXIT_LOAD_EFER, "load IA32_EFER on exit")
VMX_NEED(EXIT_LOAD_PERF_GLOBAL_CTRL, a->exit & EXIT_LOAD_PERF_GLOBAL_CTRL,
         "load IA32_PERF_GLOBAL_CTRL on exit")
/* VM-entry controls (SDM 25.8.1) */
VMX_NEED(ENTRY_LOAD_DEBUG_CONTROLS, a->entry & ENTRY_LOAD_DEBUG_CONTROLS, "load debug controls")
VMX_NEED(ENTRY_LOAD_PAT, a->entry & ENTRY_LOAD_PAT, "load IA32_PAT on entry")
VMX_NEED(ENTRY_LOAD_EFER, a->entry & ENTRY_LOAD_EFER, "load IA32_EFER on entry")
VMX_NEED(ENTRY_LOAD_PERF_GLOBAL_CTRL, a->entry & ENTRY_LOAD_PERF_GLOBAL_CTRL,
         "load IA32_PERF_GLOBAL_CTRL on entry")
/* Fields shared by an entry and an exit control (Appendix B footnotes) */
VMX_NEED(PAT_FIELD, (a->entry & ENTRY_LOAD_PAT) || (a->exit & EXIT_SAVE_PAT),
         "load IA32_PAT on entry or save it on exit")
VMX_NEED(EFER_FIELD, (a->entry & ENTRY_LOAD_EFER) || (a->exit & EXIT_SAVE_EFER),
         "load IA32_EFER on entry or save it on exit")
VMX_NEED(BNDCFGS_FIELD, (a->entry & ENTRY_LOAD_BNDCFGS) || (a->exit & EXIT_CLEAR_BNDCFGS),
         "load IA32_BNDCFGS on entry or clear it on exit")
VMX_NEED(RTIT_CTL_FIELD, (a->entry & ENTRY_LOAD_RTIT_CTL) || (a->exit & EXIT_CLEAR_RTIT_CTL),
         "load IA32_RTIT_CTL on entry or clear it on exit")
/* Never offered: SMM dual-monitor treatment (IA32_VMX_BASIC[49] is 0, SDM 32.15), and the
 * controls that load LBR, PKRS and CET state. */
VMX_NEED(DUAL_MONITOR, false, "SMM dual-monitor treatment")
VMX_NEED(LBR_CTL, false, "load guest IA32_LBR_CTL")
VMX_NEED(PKRS, false, "load IA32_PKRS")
VMX_NEED(CET, false, "load CET state")
#endif
