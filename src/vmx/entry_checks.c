/* VM-entry checks on the VMX controls and the host-state area (SDM Vol. 3 27.2), and the
 * driver that runs every check of entry_checks.h in order. Section numbers follow the
 * SDM's current numbering (chapter 27 "VM Entries", 28 "VM Exits"). */
#include <stdarg.h>
#include <stdio.h>

#include "../cpu/cpumodel.h"
#include "../machine/machine.h"
#include "entry_checks.h"

bool echk_bad(struct echk *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->why, sizeof x->why, fmt, ap);
    va_end(ap);
    return false;
}

/* VMCS addresses are canonical for the processor, whatever the current CR4.LA57 (SDM
 * 27.2.2, 27.2.3, 27.3.1.1-27.3.1.4: "N linear-address bits" the processor supports). */
bool echk_canonical(struct cpu *c, u64 a) { return cpu_is_canonical_max(c, a); }

/* Memory types valid in IA32_PAT: UC WC WT WP WB UC- (SDM Vol. 3 12.12.2). */
bool echk_pat_ok(u64 pat)
{
    for (int k = 0; k < 8; k++) {
        unsigned t = (pat >> (8 * k)) & 0xff;
        if (t == 2 || t == 3 || t > 7) return false;
    }
    return true;
}


/* Reserved bits of a control against its capability MSR: allowed-0 settings in bits 31:0
 * must be 1, bits clear in the allowed-1 half (63:32) must be 0 (SDM Appendix A.3-A.5). */
static bool ctl_ok(struct echk *x, u32 ctl, u32 msr, u32 true_msr, const char *what)
{
    bool use_true = vmx_cap(x->c, MSR_VMX_BASIC) & BIT(55);
    u64 cap = vmx_cap(x->c, use_true && true_msr ? true_msr : msr);
    u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);
    if ((ctl & must1) == must1 && !(ctl & ~may1)) return true;
    return echk_bad(x, "%s=%#x must1=%#x allowed1=%#x", what, ctl, must1, may1);
}

/* A 4-KiB aligned physical address within MAXPHYADDR. */
static bool page_addr_ok(struct echk *x, enum vmcs_slot s, const char *what)
{
    u64 a = vmcs_get(x->c, s);
    if (!(a & 0xfff) && vmx_pa_ok(x->c, a)) return true;
    return echk_bad(x, "%s=%#llx maxphyaddr=%u", what, LL(a), cpu_phys_bits(x->c));
}

/* --- 27.2.1.1 VM-execution control fields ------------------------------------------- */

bool ck_pin_reserved(struct echk *x)
{
    return ctl_ok(x, x->pin, MSR_VMX_PINBASED_CTLS, MSR_VMX_TRUE_PINBASED_CTLS, "pin");
}
bool ck_proc_reserved(struct echk *x)
{
    return ctl_ok(x, x->proc, MSR_VMX_PROCBASED_CTLS, MSR_VMX_TRUE_PROCBASED_CTLS, "proc");
}
bool ck_proc2_reserved(struct echk *x)
{
    if (!(x->proc & CPU_SECONDARY_CONTROLS)) return true;
    return ctl_ok(x, x->proc2, MSR_VMX_PROCBASED_CTLS2, 0, "proc2");
}
bool ck_cr3_target_count(struct echk *x)
{
    u32 n = vmcs_get32(x->c, VMCS_CR3_TARGET_COUNT);
    unsigned max = (vmx_cap(x->c, MSR_VMX_MISC) >> 16) & 0x1ff;
    return n <= max || echk_bad(x, "count=%u max=%u", n, max);
}
bool ck_io_bitmaps(struct echk *x)
{
    if (!(x->proc & CPU_USE_IO_BITMAPS)) return true;
    return page_addr_ok(x, VMCS_IO_BITMAP_A, "io_bitmap_a") &&
           page_addr_ok(x, VMCS_IO_BITMAP_B, "io_bitmap_b");
}
bool ck_msr_bitmap(struct echk *x)
{
    return !(x->proc & CPU_USE_MSR_BITMAPS) || page_addr_ok(x, VMCS_MSR_BITMAP, "msr_bitmap");
}
bool ck_vapic_addr(struct echk *x)
{
    return !(x->proc & CPU_TPR_SHADOW) ||
           page_addr_ok(x, VMCS_VIRTUAL_APIC_PAGE_ADDR, "virtual_apic_page");
}
bool ck_tpr_threshold(struct echk *x)
{
    u32 t = vmcs_get32(x->c, VMCS_TPR_THRESHOLD);
    if (!(x->proc & CPU_TPR_SHADOW) || (x->proc2 & SEC_VIRT_INTR_DELIVERY) || !(t >> 4)) return true;
    return echk_bad(x, "tpr_threshold=%#x", t);
}
bool ck_tpr_vtpr(struct echk *x)
{
    if (!(x->proc & CPU_TPR_SHADOW) || (x->proc2 & (SEC_VIRT_INTR_DELIVERY | SEC_VIRT_APIC_ACCESSES)))
        return true;
    u32 t = vmcs_get32(x->c, VMCS_TPR_THRESHOLD) & 0xf;
    u64 pa = vmcs_get(x->c, VMCS_VIRTUAL_APIC_PAGE_ADDR) + 0x80;
    unsigned vtpr = (unsigned)(phys_read(x->c->m, x->c, pa, 1) >> 4) & 0xf;
    return t <= vtpr || echk_bad(x, "tpr_threshold=%#x vtpr[7:4]=%#x", t, vtpr);
}
bool ck_apicv_needs_tpr(struct echk *x)
{
    u32 bad = x->proc2 & (SEC_VIRT_X2APIC | SEC_APIC_REGISTER_VIRT | SEC_VIRT_INTR_DELIVERY);
    return (x->proc & CPU_TPR_SHADOW) || !bad || echk_bad(x, "proc2=%#x", x->proc2);
}
bool ck_x2apic_apic_access(struct echk *x)
{
    u32 both = SEC_VIRT_X2APIC | SEC_VIRT_APIC_ACCESSES;
    return (x->proc2 & both) != both || echk_bad(x, "proc2=%#x", x->proc2);
}
bool ck_vintr_extint(struct echk *x)
{
    return !(x->proc2 & SEC_VIRT_INTR_DELIVERY) || (x->pin & PIN_EXT_INTR_EXITING) ||
           echk_bad(x, "pin=%#x proc2=%#x", x->pin, x->proc2);
}
bool ck_posted(struct echk *x)
{
    if (!(x->pin & PIN_POSTED_INTR)) return true;
    u16 nv = (u16)vmcs_get(x->c, VMCS_POSTED_INTR_NV);
    u64 d = vmcs_get(x->c, VMCS_POSTED_INTR_DESC_ADDR);
    if ((x->proc2 & SEC_VIRT_INTR_DELIVERY) && (x->exit & EXIT_ACK_INTR_ON_EXIT) && !(nv >> 8) &&
        !(d & 0x3f) && vmx_pa_ok(x->c, d))
        return true;
    return echk_bad(x, "proc2=%#x exit=%#x vector=%#x desc=%#llx", x->proc2, x->exit, nv, LL(d));
}
bool ck_vnmi_nmi(struct echk *x)
{
    return !(x->pin & PIN_VIRTUAL_NMIS) || (x->pin & PIN_NMI_EXITING) || echk_bad(x, "pin=%#x", x->pin);
}
bool ck_nmi_window_vnmi(struct echk *x)
{
    return !(x->proc & CPU_NMI_WINDOW_EXITING) || (x->pin & PIN_VIRTUAL_NMIS) ||
           echk_bad(x, "pin=%#x proc=%#x", x->pin, x->proc);
}
bool ck_apic_access_addr(struct echk *x)
{
    return !(x->proc2 & SEC_VIRT_APIC_ACCESSES) ||
           page_addr_ok(x, VMCS_APIC_ACCESS_ADDR, "apic_access");
}
bool ck_vpid_nonzero(struct echk *x)
{
    return !(x->proc2 & SEC_VPID) || vmcs_get(x->c, VMCS_VIRTUAL_PROCESSOR_ID) != 0 ||
           echk_bad(x, "vpid=0");
}
/* EPTP (SDM 25.6.11): the rule INVEPT and VMFUNC share, vmx_eptp_valid (ept.c). */
bool ck_eptp(struct echk *x)
{
    if (!(x->proc2 & SEC_EPT)) return true;
    u64 e = vmcs_get(x->c, VMCS_EPT_POINTER), cap = vmx_cap(x->c, MSR_VMX_EPT_VPID_CAP);
    return vmx_eptp_valid(x->c, e) ||
           echk_bad(x, "eptp=%#llx ept_vpid_cap=%#llx maxphyaddr=%u", LL(e), LL(cap),
                    cpu_phys_bits(x->c));
}
bool ck_pml(struct echk *x)
{
    if (!(x->proc2 & SEC_PML)) return true;
    if (!(x->proc2 & SEC_EPT)) return echk_bad(x, "proc2=%#x (PML without EPT)", x->proc2);
    return page_addr_ok(x, VMCS_PML_ADDRESS, "pml_address");
}
bool ck_unrestricted_ept(struct echk *x)
{
    return !(x->proc2 & SEC_UNRESTRICTED_GUEST) || (x->proc2 & SEC_EPT) ||
           echk_bad(x, "proc2=%#x", x->proc2);
}
bool ck_mbec_ept(struct echk *x)
{
    return !(x->proc2 & SEC_MODE_BASED_EPT) || (x->proc2 & SEC_EPT) ||
           echk_bad(x, "proc2=%#x", x->proc2);
}
bool ck_vmfunc(struct echk *x)
{
    if (!(x->proc2 & SEC_VMFUNC)) return true;
    u64 f = vmcs_get(x->c, VMCS_VM_FUNCTION_CONTROL), may1 = vmx_cap(x->c, MSR_VMX_VMFUNC);
    if (f & ~may1) return echk_bad(x, "vmfunc=%#llx allowed=%#llx", LL(f), LL(may1));
    if (!(f & 1)) return true;
    if (!(x->proc2 & SEC_EPT)) return echk_bad(x, "EPTP switching without EPT");
    return page_addr_ok(x, VMCS_EPTP_LIST_ADDRESS, "eptp_list");
}
bool ck_shadow_bitmaps(struct echk *x)
{
    if (!(x->proc2 & SEC_VMCS_SHADOWING)) return true;
    return page_addr_ok(x, VMCS_VMREAD_BITMAP, "vmread_bitmap") &&
           page_addr_ok(x, VMCS_VMWRITE_BITMAP, "vmwrite_bitmap");
}
bool ck_ve_info_addr(struct echk *x)
{
    return !(x->proc2 & SEC_EPT_VE) || page_addr_ok(x, VMCS_VE_INFORMATION_ADDRESS, "ve_info");
}

/* --- 27.2.1.2 VM-exit control fields -------------------------------------------------- */

bool ck_exit_reserved(struct echk *x)
{
    return ctl_ok(x, x->exit, MSR_VMX_EXIT_CTLS, MSR_VMX_TRUE_EXIT_CTLS, "exit");
}
bool ck_exit_save_preempt(struct echk *x)
{
    return !(x->exit & EXIT_SAVE_PREEMPTION_TIMER) || (x->pin & PIN_PREEMPTION_TIMER) ||
           echk_bad(x, "exit=%#x pin=%#x", x->exit, x->pin);
}
/* MSR-list address: 16-byte aligned, the whole list below MAXPHYADDR. */
static bool msr_list_ok(struct echk *x, enum vmcs_slot count, enum vmcs_slot addr, const char *what)
{
    u32 n = vmcs_get32(x->c, count);
    u64 a = vmcs_get(x->c, addr);
    if (!n || (!(a & 0xf) && vmx_pa_ok(x->c, a) && vmx_pa_ok(x->c, a + (u64)n * 16 - 1))) return true;
    return echk_bad(x, "%s=%#llx count=%u", what, LL(a), n);
}
bool ck_exit_msr_store(struct echk *x)
{
    return msr_list_ok(x, VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_STORE_ADDR, "store");
}
bool ck_exit_msr_load(struct echk *x)
{
    return msr_list_ok(x, VMCS_VM_EXIT_MSR_LOAD_COUNT, VMCS_VM_EXIT_MSR_LOAD_ADDR, "load");
}

/* --- 27.2.1.3 VM-entry control fields ------------------------------------------------- */

bool ck_entry_reserved(struct echk *x)
{
    return ctl_ok(x, x->entry, MSR_VMX_ENTRY_CTLS, MSR_VMX_TRUE_ENTRY_CTLS, "entry");
}
#define INJ(x) ((x)->inject & INTR_INFO_VALID)
bool ck_inject_type(struct echk *x)
{
    unsigned t = intr_info_type(x->inject);
    bool mtf = vmx_ctl_allowed1(x->c, MSR_VMX_PROCBASED_CTLS, CPU_MONITOR_TRAP_FLAG);
    return !INJ(x) || (t != 1 && (t != INTR_TYPE_OTHER || mtf)) || echk_bad(x, "info=%#x", x->inject);
}
bool ck_inject_vector(struct echk *x)
{
    unsigned t = intr_info_type(x->inject), v = x->inject & 0xff;
    bool ok = (t != EV_NMI || v == 2) && (t != EV_HWEXC || v <= 31) && (t != INTR_TYPE_OTHER || v == 0);
    return !INJ(x) || ok || echk_bad(x, "info=%#x", x->inject);
}
bool ck_inject_has_error(struct echk *x)
{
    if (!INJ(x)) return true;
    unsigned t = intr_info_type(x->inject), v = x->inject & 0xff;
    bool pe = !x->unrestricted || (x->cr0 & CR0_PE);
    bool errvec = v == 8 || (v >= 10 && v <= 14) || v == 17;
    bool want = pe && t == EV_HWEXC && errvec;
    bool has = x->inject & INTR_INFO_ERRCODE;
    return want == has || echk_bad(x, "info=%#x guest_cr0=%#llx", x->inject, LL(x->cr0));
}
bool ck_inject_reserved(struct echk *x)
{
    return !INJ(x) || !(x->inject & 0x7ffff000u) || echk_bad(x, "info=%#x", x->inject);
}
/* Bits 31:16 of the error code must be 0; bit 15 is free (it is #PF's SGX bit). */
bool ck_inject_error(struct echk *x)
{
    u32 e = vmcs_get32(x->c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE);
    return !INJ(x) || !(x->inject & INTR_INFO_ERRCODE) || !(e >> 16) || echk_bad(x, "error_code=%#x", e);
}
bool ck_inject_len(struct echk *x)
{
    unsigned t = intr_info_type(x->inject);
    if (!INJ(x) || (t != EV_SWINT && t != EV_PRIV_SWEXC && t != EV_SWEXC)) return true;
    u32 len = vmcs_get32(x->c, VMCS_VM_ENTRY_INSTRUCTION_LEN);
    bool zero_ok = vmx_cap(x->c, MSR_VMX_MISC) & BIT(30);
    return (len <= 15 && (len || zero_ok)) || echk_bad(x, "insn_len=%u", len);
}
bool ck_entry_msr_load(struct echk *x)
{
    return msr_list_ok(x, VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_MSR_LOAD_ADDR, "load");
}
/* Outside SMM, "entry to SMM" and "deactivate dual-monitor treatment" must be 0. */
bool ck_entry_smm(struct echk *x)
{
    return !(x->entry & (ENTRY_SMM | ENTRY_DEACT_DUAL_MONITOR)) || echk_bad(x, "entry=%#x", x->entry);
}

/* --- 27.2.2 host control registers and MSRs ------------------------------------------- */

bool ck_host_cr0(struct echk *x)
{
    u64 v = vmcs_get(x->c, VMCS_HOST_CR0);
    u64 f0 = vmx_cap(x->c, MSR_VMX_CR0_FIXED0), f1 = vmx_cap(x->c, MSR_VMX_CR0_FIXED1);
    return echk_fixed(v, f0, f1) || echk_bad(x, "cr0=%#llx fixed0=%#llx fixed1=%#llx", LL(v), LL(f0), LL(f1));
}
bool ck_host_cr4(struct echk *x)
{
    u64 v = vmcs_get(x->c, VMCS_HOST_CR4);
    u64 f0 = vmx_cap(x->c, MSR_VMX_CR4_FIXED0), f1 = vmx_cap(x->c, MSR_VMX_CR4_FIXED1);
    return echk_fixed(v, f0, f1) || echk_bad(x, "cr4=%#llx fixed0=%#llx fixed1=%#llx", LL(v), LL(f0), LL(f1));
}
bool ck_host_cr3(struct echk *x)
{
    u64 v = vmcs_get(x->c, VMCS_HOST_CR3);
    return vmx_pa_ok(x->c, v) || echk_bad(x, "cr3=%#llx maxphyaddr=%u", LL(v), cpu_phys_bits(x->c));
}
bool ck_host_sysenter(struct echk *x)
{
    u64 esp = vmcs_get(x->c, VMCS_HOST_IA32_SYSENTER_ESP), eip = vmcs_get(x->c, VMCS_HOST_IA32_SYSENTER_EIP);
    return (echk_canonical(x->c, esp) && echk_canonical(x->c, eip)) ||
           echk_bad(x, "sysenter_esp=%#llx sysenter_eip=%#llx", LL(esp), LL(eip));
}
bool ck_host_pat(struct echk *x)
{
    u64 p = vmcs_get(x->c, VMCS_HOST_IA32_PAT);
    return !(x->exit & EXIT_LOAD_PAT) || echk_pat_ok(p) || echk_bad(x, "pat=%#llx", LL(p));
}
static u64 efer_reserved(struct cpu *c)
{
    u64 ok = EFER_SCE | EFER_LME | EFER_LMA;
    if (cpu_has(c, FEAT_NX)) ok |= EFER_NXE;
    return ~ok;
}
bool ck_host_efer(struct echk *x)
{
    u64 e = vmcs_get(x->c, VMCS_HOST_IA32_EFER);
    return !(x->exit & EXIT_LOAD_EFER) || !(e & efer_reserved(x->c)) || echk_bad(x, "efer=%#llx", LL(e));
}
bool ck_host_efer_lma(struct echk *x)
{
    u64 e = vmcs_get(x->c, VMCS_HOST_IA32_EFER);
    if (!(x->exit & EXIT_LOAD_EFER)) return true;
    bool lma = e & EFER_LMA, lme = e & EFER_LME;
    return (lma == x->host64 && lme == x->host64) || echk_bad(x, "efer=%#llx exit=%#x", LL(e), x->exit);
}

/* --- 27.2.3 host segment and descriptor-table registers ------------------------------- */

static const int host_segs[7] = {SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_TR};
static const char seg_names[8][5] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};

bool ck_host_sel_rpl_ti(struct echk *x)
{
    for (int k = 0; k < 7; k++) {
        u16 s = (u16)vmcs_get(x->c, vmx_hseg_sel(host_segs[k]));
        if (s & 7) return echk_bad(x, "%s=%#x", seg_names[host_segs[k]], s);
    }
    return true;
}
bool ck_host_cs_null(struct echk *x)
{
    return vmcs_get(x->c, VMCS_HOST_CS_SELECTOR) != 0 || echk_bad(x, "cs=0");
}
bool ck_host_tr_null(struct echk *x)
{
    return vmcs_get(x->c, VMCS_HOST_TR_SELECTOR) != 0 || echk_bad(x, "tr=0");
}
bool ck_host_ss_null(struct echk *x)
{
    return x->host64 || vmcs_get(x->c, VMCS_HOST_SS_SELECTOR) != 0 || echk_bad(x, "ss=0 with 32-bit host");
}
bool ck_host_bases(struct echk *x)
{
    static const enum vmcs_slot f[5] = {VMCS_HOST_FS_BASE, VMCS_HOST_GS_BASE, VMCS_HOST_GDTR_BASE,
                                        VMCS_HOST_IDTR_BASE, VMCS_HOST_TR_BASE};
    static const char *n[5] = {"fs", "gs", "gdtr", "idtr", "tr"};
    for (int k = 0; k < 5; k++) {
        u64 b = vmcs_get(x->c, f[k]);
        if (!echk_canonical(x->c, b)) return echk_bad(x, "%s_base=%#llx", n[k], LL(b));
    }
    return true;
}

/* --- 27.2.4 address-space size -------------------------------------------------------- */

bool ck_host_lma0(struct echk *x)
{
    if (x->c->efer & EFER_LMA) return true;
    return (!x->ia32e_guest && !x->host64) || echk_bad(x, "host efer.lma=0 entry=%#x exit=%#x", x->entry, x->exit);
}
bool ck_host_lma1(struct echk *x)
{
    return !(x->c->efer & EFER_LMA) || x->host64 || echk_bad(x, "host efer.lma=1 exit=%#x", x->exit);
}
bool ck_host32_guest(struct echk *x)
{
    return x->host64 || !x->ia32e_guest || echk_bad(x, "entry=%#x exit=%#x", x->entry, x->exit);
}
bool ck_host32_pcide(struct echk *x)
{
    u64 cr4 = vmcs_get(x->c, VMCS_HOST_CR4);
    return x->host64 || !(cr4 & CR4_PCIDE) || echk_bad(x, "cr4=%#llx", LL(cr4));
}
bool ck_host32_rip(struct echk *x)
{
    u64 rip = vmcs_get(x->c, VMCS_HOST_RIP);
    return x->host64 || !(rip >> 32) || echk_bad(x, "rip=%#llx", LL(rip));
}
bool ck_host64_pae(struct echk *x)
{
    u64 cr4 = vmcs_get(x->c, VMCS_HOST_CR4);
    return !x->host64 || (cr4 & CR4_PAE) || echk_bad(x, "cr4=%#llx", LL(cr4));
}
bool ck_host64_rip(struct echk *x)
{
    /* Host RIP is the first fetch after the VM exit: canonical for the paging mode the
     * exit loads, 57 bits only if the host CR4 field sets LA57 (SDM 27.2.4). */
    u64 rip = vmcs_get(x->c, VMCS_HOST_RIP);
    bool la57 = vmcs_get(x->c, VMCS_HOST_CR4) & CR4_LA57;
    bool ok = la57 ? echk_canonical(x->c, rip) : canonical48(rip);
    return !x->host64 || ok || echk_bad(x, "rip=%#llx", LL(rip));
}

/* --- Driver --------------------------------------------------------------------------- */

struct check_def {
    bool (*fn)(struct echk *x);
    const char *name, *section;
    enum check_class cls;
    u32 qual;
};
#define ENTRY_CHECK(id, name, sec, cls, qual, needs) {ck_##id, name, sec, cls, qual},
static const struct check_def checks[] = {ENTRY_CHECKS(ENTRY_CHECK)};
#undef ENTRY_CHECK

static void gather(struct cpu *c, struct echk *x)
{
    memset(x, 0, sizeof *x);
    x->c = c;
    x->pin = vmcs_get32(c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
    x->proc = vmcs_get32(c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
    x->proc2 = vmx_proc2(c);
    x->exit = vmcs_get32(c, VMCS_VM_EXIT_CONTROLS);
    x->entry = vmcs_get32(c, VMCS_VM_ENTRY_CONTROLS);
    x->inject = vmcs_get32(c, VMCS_VM_ENTRY_INTR_INFO_FIELD);
    x->ia32e_guest = x->entry & ENTRY_IA32E_MODE;
    x->unrestricted = x->proc2 & SEC_UNRESTRICTED_GUEST;
    x->host64 = x->exit & EXIT_HOST_ADDR_SPACE_SIZE;
    x->cr0 = vmcs_get(c, VMCS_GUEST_CR0);
    x->cr4 = vmcs_get(c, VMCS_GUEST_CR4);
    x->rflags = vmcs_get(c, VMCS_GUEST_RFLAGS);
    x->v86 = x->rflags & FL_VM;
    for (int s = 0; s < 8; s++) x->ar[s] = vmcs_get32(c, vmx_gseg_ar(s));
}

int vmx_entry_check_count(void) { return (int)ARRAY_LEN(checks); }

struct entry_verdict vmx_entry_checks(struct cpu *c)
{
    struct echk x;
    struct entry_verdict v = {0};
    gather(c, &x);
    for (size_t k = 0; k < ARRAY_LEN(checks); k++) {
        const struct check_def *d = &checks[k];
        if (d->fn(&x)) continue;
        v.name = d->name;
        v.section = d->section;
        v.qual = d->qual;
        v.fail = d->cls == CK_CTL ? VMERR_ENTRY_INVALID_CONTROLS
                 : d->cls == CK_HOST ? VMERR_ENTRY_INVALID_HOST : (int)VMX_EXIT_INVALID_STATE;
        if (c->m->trace & TRACE_VMX)
            machine_log(c->m, "cpu%d: vmx: VM entry fails check %s (SDM %s): %s", c->index,
                        d->name, d->section, x.why);
        return v;
    }
    return v;
}
