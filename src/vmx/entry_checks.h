/* Every VM-entry check of SDM Vol. 3 27.2 and 27.3.1, one line each:
 *
 *   ENTRY_CHECK(id, "stable.name", "SDM section", class, qualification, needs)
 *
 * class CK_CTL fails with VMfailValid(7), CK_HOST with VMfailValid(8), CK_GUEST with a
 * VM-entry-failure exit, reason 33, and the qualification given (SDM 27.8: 0 default,
 * 2 PDPTE loading, 3 NMI injection, 4 VMCS link pointer). Checks run in this order; the
 * first failure decides. Each id has a function `bool ck_<id>(struct echk *x)` in
 * entry_checks.c (controls, host) or entry_guest.c (guest) that returns true when the
 * VMCS passes, or returns echk_bad(x, "values...") when it does not. needs names the
 * capability (needs.h) without which the check cannot fail: the coverage column of
 * docs/vmx-entry-checks.md is generated from it (tests/unit/test_vmx_entry_doc.c). */
#ifndef VP_VMX_ENTRY_CHECKS_H
#define VP_VMX_ENTRY_CHECKS_H

#include "ctls.h"

#define ENTRY_CHECKS(X) \
    /* 27.2.1.1 VM-execution control fields */ \
    X(pin_reserved,      "ctl.pin.reserved",            "27.2.1.1", CK_CTL, 0, NONE) \
    X(proc_reserved,     "ctl.proc.reserved",           "27.2.1.1", CK_CTL, 0, NONE) \
    X(proc2_reserved,    "ctl.proc2.reserved",          "27.2.1.1", CK_CTL, 0, NONE) \
    X(cr3_target_count,  "ctl.cr3_target_count",        "27.2.1.1", CK_CTL, 0, NONE) \
    X(io_bitmaps,        "ctl.io_bitmap.address",       "27.2.1.1", CK_CTL, 0, NONE) \
    X(msr_bitmap,        "ctl.msr_bitmap.address",      "27.2.1.1", CK_CTL, 0, NONE) \
    X(vapic_addr,        "ctl.tpr_shadow.vapic_address","27.2.1.1", CK_CTL, 0, PROC_TPR_SHADOW) \
    X(tpr_threshold,     "ctl.tpr_shadow.threshold",    "27.2.1.1", CK_CTL, 0, PROC_TPR_SHADOW) \
    X(tpr_vtpr,          "ctl.tpr_shadow.threshold_vtpr","27.2.1.1", CK_CTL, 0, PROC_TPR_SHADOW) \
    X(apicv_needs_tpr,   "ctl.no_tpr_shadow.apicv",     "27.2.1.1", CK_CTL, 0, SEC_APICV) \
    X(vnmi_nmi,          "ctl.vnmi.nmi_exiting",        "27.2.1.1", CK_CTL, 0, PIN_VIRTUAL_NMIS) \
    X(nmi_window_vnmi,   "ctl.nmi_window.vnmi",         "27.2.1.1", CK_CTL, 0, PROC_NMI_WINDOW) \
    X(apic_access_addr,  "ctl.apic_access.address",     "27.2.1.1", CK_CTL, 0, SEC_VIRT_APIC_ACCESSES) \
    X(x2apic_apic_access,"ctl.x2apic_and_apic_access",  "27.2.1.1", CK_CTL, 0, SEC_VIRT_X2APIC) \
    X(vintr_extint,      "ctl.vintr.extint_exiting",    "27.2.1.1", CK_CTL, 0, SEC_VIRT_INTR_DELIVERY) \
    X(posted,            "ctl.posted_interrupts",       "27.2.1.1", CK_CTL, 0, PIN_POSTED_INTR) \
    X(vpid_nonzero,      "ctl.vpid.nonzero",            "27.2.1.1", CK_CTL, 0, SEC_VPID) \
    X(eptp,              "ctl.ept.eptp",                "27.2.1.1", CK_CTL, 0, SEC_EPT) \
    X(pml,               "ctl.pml",                     "27.2.1.1", CK_CTL, 0, SEC_PML) \
    X(unrestricted_ept,  "ctl.unrestricted.ept",        "27.2.1.1", CK_CTL, 0, SEC_UNRESTRICTED_GUEST) \
    X(mbec_ept,          "ctl.mode_based_ept.ept",      "27.2.1.1", CK_CTL, 0, SEC_MODE_BASED_EPT) \
    X(vmfunc,            "ctl.vmfunc",                  "27.2.1.1", CK_CTL, 0, SEC_VMFUNC) \
    X(shadow_bitmaps,    "ctl.shadow_vmcs.bitmaps",     "27.2.1.1", CK_CTL, 0, SEC_VMCS_SHADOWING) \
    X(ve_info_addr,      "ctl.ept_ve.address",          "27.2.1.1", CK_CTL, 0, SEC_EPT_VE) \
    /* 27.2.1.2 VM-exit control fields */ \
    X(exit_reserved,     "ctl.exit.reserved",           "27.2.1.2", CK_CTL, 0, NONE) \
    X(exit_save_preempt, "ctl.exit.save_preempt_timer", "27.2.1.2", CK_CTL, 0, EXIT_SAVE_PREEMPTION_TIMER) \
    X(exit_msr_store,    "ctl.exit.msr_store.address",  "27.2.1.2", CK_CTL, 0, NONE) \
    X(exit_msr_load,     "ctl.exit.msr_load.address",   "27.2.1.2", CK_CTL, 0, NONE) \
    /* 27.2.1.3 VM-entry control fields */ \
    X(entry_reserved,    "ctl.entry.reserved",          "27.2.1.3", CK_CTL, 0, NONE) \
    X(inject_type,       "ctl.entry.inject.type",       "27.2.1.3", CK_CTL, 0, NONE) \
    X(inject_vector,     "ctl.entry.inject.vector",     "27.2.1.3", CK_CTL, 0, NONE) \
    X(inject_has_error,  "ctl.entry.inject.deliver_error","27.2.1.3", CK_CTL, 0, NONE) \
    X(inject_reserved,   "ctl.entry.inject.reserved",   "27.2.1.3", CK_CTL, 0, NONE) \
    X(inject_error,      "ctl.entry.inject.error_code", "27.2.1.3", CK_CTL, 0, NONE) \
    X(inject_len,        "ctl.entry.inject.insn_length","27.2.1.3", CK_CTL, 0, NONE) \
    X(entry_msr_load,    "ctl.entry.msr_load.address",  "27.2.1.3", CK_CTL, 0, NONE) \
    X(entry_smm,         "ctl.entry.smm",               "27.2.1.3", CK_CTL, 0, DUAL_MONITOR) \
    /* 27.2.2 host control registers and MSRs */ \
    X(host_cr0,          "host.cr0.fixed",              "27.2.2",   CK_HOST, 0, NONE) \
    X(host_cr4,          "host.cr4.fixed",              "27.2.2",   CK_HOST, 0, NONE) \
    X(host_cr3,          "host.cr3.width",              "27.2.2",   CK_HOST, 0, NONE) \
    X(host_sysenter,     "host.sysenter.canonical",     "27.2.2",   CK_HOST, 0, NONE) \
    X(host_pat,          "host.pat",                    "27.2.2",   CK_HOST, 0, EXIT_LOAD_PAT) \
    X(host_efer,         "host.efer.reserved",          "27.2.2",   CK_HOST, 0, EXIT_LOAD_EFER) \
    X(host_efer_lma,     "host.efer.lma_lme",           "27.2.2",   CK_HOST, 0, EXIT_LOAD_EFER) \
    /* 27.2.3 host segment and descriptor-table registers */ \
    X(host_sel_rpl_ti,   "host.sel.rpl_ti",             "27.2.3",   CK_HOST, 0, NONE) \
    X(host_cs_null,      "host.cs.null",                "27.2.3",   CK_HOST, 0, NONE) \
    X(host_tr_null,      "host.tr.null",                "27.2.3",   CK_HOST, 0, NONE) \
    X(host_ss_null,      "host.ss.null",                "27.2.3",   CK_HOST, 0, NONE) \
    X(host_bases,        "host.base.canonical",         "27.2.3",   CK_HOST, 0, NONE) \
    /* 27.2.4 address-space size */ \
    X(host_lma0,         "host.addr_size.outside_ia32e","27.2.4",   CK_HOST, 0, NONE) \
    X(host_lma1,         "host.addr_size.in_ia32e",     "27.2.4",   CK_HOST, 0, NONE) \
    X(host32_guest,      "host.addr32.ia32e_guest",     "27.2.4",   CK_HOST, 0, NONE) \
    X(host32_pcide,      "host.addr32.pcide",           "27.2.4",   CK_HOST, 0, NONE) \
    X(host32_rip,        "host.addr32.rip",             "27.2.4",   CK_HOST, 0, NONE) \
    X(host64_pae,        "host.addr64.pae",             "27.2.4",   CK_HOST, 0, NONE) \
    X(host64_rip,        "host.addr64.rip",             "27.2.4",   CK_HOST, 0, NONE) \
    /* 27.3.1.1 guest control registers, debug registers and MSRs */ \
    X(g_cr0,             "guest.cr0.fixed",             "27.3.1.1", CK_GUEST, 0, NONE) \
    X(g_cr0_pg_pe,       "guest.cr0.pg_without_pe",     "27.3.1.1", CK_GUEST, 0, SEC_UNRESTRICTED_GUEST) \
    X(g_cr4,             "guest.cr4.fixed",             "27.3.1.1", CK_GUEST, 0, NONE) \
    X(g_debugctl,        "guest.debugctl.reserved",     "27.3.1.1", CK_GUEST, 0, ENTRY_LOAD_DEBUG_CONTROLS) \
    X(g_ia32e_paging,    "guest.ia32e.pg_pae",          "27.3.1.1", CK_GUEST, 0, NONE) \
    X(g_pcide,           "guest.no_ia32e.pcide",        "27.3.1.1", CK_GUEST, 0, NONE) \
    X(g_cr3,             "guest.cr3.width",             "27.3.1.1", CK_GUEST, 0, NONE) \
    X(g_dr7,             "guest.dr7.high",              "27.3.1.1", CK_GUEST, 0, ENTRY_LOAD_DEBUG_CONTROLS) \
    X(g_sysenter,        "guest.sysenter.canonical",    "27.3.1.1", CK_GUEST, 0, NONE) \
    X(g_pat,             "guest.pat",                   "27.3.1.1", CK_GUEST, 0, ENTRY_LOAD_PAT) \
    X(g_efer,            "guest.efer.reserved",         "27.3.1.1", CK_GUEST, 0, ENTRY_LOAD_EFER) \
    X(g_efer_lma,        "guest.efer.lma",              "27.3.1.1", CK_GUEST, 0, ENTRY_LOAD_EFER) \
    X(g_efer_lme,        "guest.efer.lme",              "27.3.1.1", CK_GUEST, 0, ENTRY_LOAD_EFER) \
    /* 27.3.1.2 guest segment registers */ \
    X(g_tr_ti,           "guest.tr.ti",                 "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_ldtr_ti,         "guest.ldtr.ti",               "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_ss_rpl,          "guest.ss.rpl",                "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_v86_base,        "guest.v86.base",              "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_v86_limit,       "guest.v86.limit",             "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_v86_ar,          "guest.v86.ar",                "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_base_canonical,  "guest.base.canonical",        "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_base_high,       "guest.base.high",             "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_cs_type,         "guest.cs.type",               "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_ss_type,         "guest.ss.type",               "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_data_type,       "guest.data.type",             "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_seg_s,           "guest.seg.s",                 "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_cs_dpl,          "guest.cs.dpl",                "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_cs_dpl_data,     "guest.cs.dpl_data_type",      "27.3.1.2", CK_GUEST, 0, SEC_UNRESTRICTED_GUEST) \
    X(g_ss_dpl,          "guest.ss.dpl",                "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_ss_dpl_real,     "guest.ss.dpl_real_mode",      "27.3.1.2", CK_GUEST, 0, SEC_UNRESTRICTED_GUEST) \
    X(g_data_dpl,        "guest.data.dpl",              "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_seg_p,           "guest.seg.p",                 "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_seg_reserved,    "guest.seg.reserved",          "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_cs_l_d,          "guest.cs.l_and_d",            "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_seg_g,           "guest.seg.g_limit",           "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_tr_type,         "guest.tr.type",               "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_tr_ar,           "guest.tr.ar",                 "27.3.1.2", CK_GUEST, 0, NONE) \
    X(g_ldtr_ar,         "guest.ldtr.ar",               "27.3.1.2", CK_GUEST, 0, NONE) \
    /* 27.3.1.3 guest descriptor-table registers */ \
    X(g_dtr_base,        "guest.dtr.base",              "27.3.1.3", CK_GUEST, 0, NONE) \
    X(g_dtr_limit,       "guest.dtr.limit",             "27.3.1.3", CK_GUEST, 0, NONE) \
    /* 27.3.1.4 guest RIP and RFLAGS */ \
    X(g_rip_high,        "guest.rip.high",              "27.3.1.4", CK_GUEST, 0, NONE) \
    X(g_rip_canonical,   "guest.rip.canonical",         "27.3.1.4", CK_GUEST, 0, NONE) \
    X(g_rflags_reserved, "guest.rflags.reserved",       "27.3.1.4", CK_GUEST, 0, NONE) \
    X(g_rflags_vm,       "guest.rflags.vm",             "27.3.1.4", CK_GUEST, 0, NONE) \
    X(g_rflags_if,       "guest.rflags.if_extint",      "27.3.1.4", CK_GUEST, 0, NONE) \
    /* 27.3.1.5 guest non-register state */ \
    X(g_act_value,       "guest.activity.value",        "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_act_hlt_dpl,     "guest.activity.hlt_ss_dpl",   "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_act_blocking,    "guest.activity.blocking",     "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_act_inject,      "guest.activity.injection",    "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_act_sipi_smm,    "guest.activity.sipi_smm",     "27.3.1.5", CK_GUEST, 0, DUAL_MONITOR) \
    X(g_int_reserved,    "guest.intr.reserved",         "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_int_sti_movss,   "guest.intr.sti_and_movss",    "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_int_sti_if,      "guest.intr.sti_if",           "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_int_extint,      "guest.intr.inject_extint",    "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_int_nmi_movss,   "guest.intr.inject_nmi_movss", "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_int_smi,         "guest.intr.smi",              "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_int_vnmi,        "guest.intr.inject_vnmi",      "27.3.1.5", CK_GUEST, 0, PIN_VIRTUAL_NMIS) \
    X(g_int_nmi_sti,     "guest.intr.inject_nmi_sti",   "27.3.1.5", CK_GUEST, 3, NONE) \
    X(g_pdbg_reserved,   "guest.pending_dbg.reserved",  "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_pdbg_bs,         "guest.pending_dbg.bs",        "27.3.1.5", CK_GUEST, 0, NONE) \
    X(g_link_align,      "guest.link.address",          "27.3.1.5", CK_GUEST, 4, NONE) \
    X(g_link_revision,   "guest.link.revision",         "27.3.1.5", CK_GUEST, 4, NONE) \
    X(g_link_current,    "guest.link.current_vmcs",     "27.3.1.5", CK_GUEST, 4, NONE) \
    /* 27.3.1.6 PDPTEs (PAE paging; from the VMCS with EPT, else loaded from CR3) */ \
    X(g_pdpte,           "guest.pdpte.reserved",        "27.3.1.6", CK_GUEST, 2, NONE)

enum check_class { CK_CTL, CK_HOST, CK_GUEST };

/* What the checks look at, gathered once. */
struct echk {
    struct cpu *c;
    u32 pin, proc, proc2, exit, entry, inject;
    bool ia32e_guest, unrestricted, host64;
    u64 cr0, cr4, rflags;
    u32 ar[8];
    bool v86;
    char why[200]; /* values involved in the failure */
};

#define ENTRY_CHECK(id, name, sec, cls, qual, needs) bool ck_##id(struct echk *x);
ENTRY_CHECKS(ENTRY_CHECK)
#undef ENTRY_CHECK

/* Record the values involved in a failure; returns false for `return echk_bad(...)`. */
bool echk_bad(struct echk *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Outcome of the checks. */
struct entry_verdict {
    int fail;         /* 0 pass, else VMERR_ENTRY_INVALID_CONTROLS / _HOST, or 33 */
    u32 qual;         /* exit qualification for reason 33 */
    const char *name; /* the failing check, or NULL */
    const char *section;
};
/* Run the checks of SDM 27.2 and 27.3.1 in order; the first failure decides. With -d vmx
 * a failure is logged as one line with the check's name, section and values. */
struct entry_verdict vmx_entry_checks(struct cpu *c);

/* Number of checks in the table. */
int vmx_entry_check_count(void);

/* Helpers shared by the check files. */
bool echk_canonical(struct cpu *c, u64 a);
bool echk_pat_ok(u64 pat);
/* value satisfies fixed-0 / fixed-1 (bits 1 in fixed0 must be 1; 0 in fixed1 must be 0). */
static inline bool echk_fixed(u64 v, u64 fixed0, u64 fixed1)
{
    return (v & fixed0) == fixed0 && (v & ~fixed1) == 0;
}

#endif
