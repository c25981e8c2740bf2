/* VM-entry checks on the guest-state area (SDM Vol. 3 27.3.1): control and debug
 * registers and MSRs, segment registers in every mode (protected, IA-32e, virtual-8086,
 * unrestricted guest), descriptor tables, RIP and RFLAGS, activity and interruptibility
 * state, pending debug exceptions, the VMCS link pointer and the PDPTEs. */
#include "../cpu/cpumodel.h"
#include "../cpu/gpa.h"
#include "../cpu/lbr.h"
#include "../machine/machine.h"
#include "entry_checks.h"


static const char seg_names[8][5] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};
static const int data_segs[4] = {SEG_DS, SEG_ES, SEG_FS, SEG_GS};

static bool usable(const struct echk *x, int s) { return !(x->ar[s] & AR_UNUSABLE); }
static unsigned type_of(const struct echk *x, int s) { return x->ar[s] & AR_TYPE; }
static unsigned dpl_of(const struct echk *x, int s) { return (x->ar[s] & AR_DPL) >> AR_DPL_SHIFT; }
static u16 sel_of(const struct echk *x, int s) { return (u16)vmcs_get(x->c, vmx_gseg_sel(s)); }
static u64 base_of(const struct echk *x, int s) { return vmcs_get(x->c, vmx_gseg_base(s)); }
static u32 limit_of(const struct echk *x, int s) { return vmcs_get32(x->c, vmx_gseg_limit(s)); }
static u32 inj_type(const struct echk *x) { return intr_info_type(x->inject); }
static bool injecting(const struct echk *x, unsigned type)
{
    return (x->inject & INTR_INFO_VALID) && inj_type(x) == type;
}
static u32 intr_state(const struct echk *x) { return vmcs_get32(x->c, VMCS_GUEST_INTERRUPTIBILITY_INFO); }
static u32 activity(const struct echk *x) { return vmcs_get32(x->c, VMCS_GUEST_ACTIVITY_STATE); }

/* --- 27.3.1.1 ------------------------------------------------------------------------- */

bool ck_g_cr0(struct echk *x)
{
    u64 f0 = vmx_cap(x->c, MSR_VMX_CR0_FIXED0), f1 = vmx_cap(x->c, MSR_VMX_CR0_FIXED1);
    if (x->unrestricted) f0 &= ~(u64)(CR0_PE | CR0_PG);
    return echk_fixed(x->cr0, f0, f1) ||
           echk_bad(x, "cr0=%#llx fixed0=%#llx fixed1=%#llx", LL(x->cr0), LL(f0), LL(f1));
}
bool ck_g_cr0_pg_pe(struct echk *x)
{
    return !(x->cr0 & CR0_PG) || (x->cr0 & CR0_PE) || echk_bad(x, "cr0=%#llx", LL(x->cr0));
}
bool ck_g_cr4(struct echk *x)
{
    u64 f0 = vmx_cap(x->c, MSR_VMX_CR4_FIXED0), f1 = vmx_cap(x->c, MSR_VMX_CR4_FIXED1);
    return echk_fixed(x->cr4, f0, f1) ||
           echk_bad(x, "cr4=%#llx fixed0=%#llx fixed1=%#llx", LL(x->cr4), LL(f0), LL(f1));
}
/* IA32_DEBUGCTL: the bits WRMSR would refuse are reserved (one definition, lbr.c). */
bool ck_g_debugctl(struct echk *x)
{
    u64 d = vmcs_get(x->c, VMCS_GUEST_IA32_DEBUGCTL), valid = debugctl_valid_bits(x->c);
    return !(x->entry & ENTRY_LOAD_DEBUG_CONTROLS) || !(d & ~valid) ||
           echk_bad(x, "debugctl=%#llx valid=%#llx", LL(d), LL(valid));
}
bool ck_g_ia32e_paging(struct echk *x)
{
    return !x->ia32e_guest || ((x->cr0 & CR0_PG) && (x->cr4 & CR4_PAE)) ||
           echk_bad(x, "cr0=%#llx cr4=%#llx", LL(x->cr0), LL(x->cr4));
}
bool ck_g_pcide(struct echk *x)
{
    return x->ia32e_guest || !(x->cr4 & CR4_PCIDE) || echk_bad(x, "cr4=%#llx", LL(x->cr4));
}
bool ck_g_cr3(struct echk *x)
{
    u64 v = vmcs_get(x->c, VMCS_GUEST_CR3);
    return vmx_pa_ok(x->c, v) || echk_bad(x, "cr3=%#llx maxphyaddr=%u", LL(v), cpu_phys_bits(x->c));
}
bool ck_g_dr7(struct echk *x)
{
    u64 v = vmcs_get(x->c, VMCS_GUEST_DR7);
    return !(x->entry & ENTRY_LOAD_DEBUG_CONTROLS) || !(v >> 32) || echk_bad(x, "dr7=%#llx", LL(v));
}
bool ck_g_sysenter(struct echk *x)
{
    u64 esp = vmcs_get(x->c, VMCS_GUEST_SYSENTER_ESP), eip = vmcs_get(x->c, VMCS_GUEST_SYSENTER_EIP);
    return (echk_canonical(x->c, esp) && echk_canonical(x->c, eip)) ||
           echk_bad(x, "sysenter_esp=%#llx sysenter_eip=%#llx", LL(esp), LL(eip));
}
bool ck_g_pat(struct echk *x)
{
    u64 p = vmcs_get(x->c, VMCS_GUEST_IA32_PAT);
    return !(x->entry & ENTRY_LOAD_PAT) || echk_pat_ok(p) || echk_bad(x, "pat=%#llx", LL(p));
}
bool ck_g_efer(struct echk *x)
{
    u64 e = vmcs_get(x->c, VMCS_GUEST_IA32_EFER);
    u64 ok = EFER_SCE | EFER_LME | EFER_LMA | (cpu_has(x->c, FEAT_NX) ? EFER_NXE : 0);
    return !(x->entry & ENTRY_LOAD_EFER) || !(e & ~ok) || echk_bad(x, "efer=%#llx", LL(e));
}
bool ck_g_efer_lma(struct echk *x)
{
    u64 e = vmcs_get(x->c, VMCS_GUEST_IA32_EFER);
    return !(x->entry & ENTRY_LOAD_EFER) || !!(e & EFER_LMA) == x->ia32e_guest ||
           echk_bad(x, "efer=%#llx entry=%#x", LL(e), x->entry);
}
bool ck_g_efer_lme(struct echk *x)
{
    u64 e = vmcs_get(x->c, VMCS_GUEST_IA32_EFER);
    if (!(x->entry & ENTRY_LOAD_EFER) || !(x->cr0 & CR0_PG)) return true;
    return !!(e & EFER_LME) == !!(e & EFER_LMA) || echk_bad(x, "efer=%#llx cr0=%#llx", LL(e), LL(x->cr0));
}

/* --- 27.3.1.2 segment registers --------------------------------------------------------- */

bool ck_g_tr_ti(struct echk *x)
{
    return !(sel_of(x, SEG_TR) & 4) || echk_bad(x, "tr=%#x", sel_of(x, SEG_TR));
}
bool ck_g_ldtr_ti(struct echk *x)
{
    return !usable(x, SEG_LDTR) || !(sel_of(x, SEG_LDTR) & 4) || echk_bad(x, "ldtr=%#x", sel_of(x, SEG_LDTR));
}
bool ck_g_ss_rpl(struct echk *x)
{
    if (x->v86 || x->unrestricted) return true;
    return (sel_of(x, SEG_SS) & 3) == (sel_of(x, SEG_CS) & 3) ||
           echk_bad(x, "ss=%#x cs=%#x", sel_of(x, SEG_SS), sel_of(x, SEG_CS));
}
bool ck_g_v86_base(struct echk *x)
{
    for (int s = 0; x->v86 && s < 6; s++)
        if (base_of(x, s) != (u64)sel_of(x, s) << 4)
            return echk_bad(x, "%s sel=%#x base=%#llx", seg_names[s], sel_of(x, s), LL(base_of(x, s)));
    return true;
}
bool ck_g_v86_limit(struct echk *x)
{
    for (int s = 0; x->v86 && s < 6; s++)
        if (limit_of(x, s) != 0xffff) return echk_bad(x, "%s limit=%#x", seg_names[s], limit_of(x, s));
    return true;
}
bool ck_g_v86_ar(struct echk *x)
{
    for (int s = 0; x->v86 && s < 6; s++)
        if (x->ar[s] != 0xf3) return echk_bad(x, "%s ar=%#x", seg_names[s], x->ar[s]);
    return true;
}
bool ck_g_base_canonical(struct echk *x)
{
    static const int segs[4] = {SEG_TR, SEG_FS, SEG_GS, SEG_LDTR};
    for (int k = 0; k < 4; k++) {
        int s = segs[k];
        if (s == SEG_LDTR && !usable(x, s)) continue;
        if (!echk_canonical(x->c, base_of(x, s)))
            return echk_bad(x, "%s base=%#llx", seg_names[s], LL(base_of(x, s)));
    }
    return true;
}
bool ck_g_base_high(struct echk *x)
{
    static const int segs[4] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES};
    for (int k = 0; k < 4; k++) {
        int s = segs[k];
        if (s != SEG_CS && !usable(x, s)) continue;
        if (base_of(x, s) >> 32) return echk_bad(x, "%s base=%#llx", seg_names[s], LL(base_of(x, s)));
    }
    return true;
}
bool ck_g_cs_type(struct echk *x)
{
    unsigned t = type_of(x, SEG_CS);
    if (x->v86 || t == 9 || t == 11 || t == 13 || t == 15 || (x->unrestricted && t == 3)) return true;
    return echk_bad(x, "cs ar=%#x", x->ar[SEG_CS]);
}
bool ck_g_ss_type(struct echk *x)
{
    unsigned t = type_of(x, SEG_SS);
    return x->v86 || !usable(x, SEG_SS) || t == 3 || t == 7 || echk_bad(x, "ss ar=%#x", x->ar[SEG_SS]);
}
bool ck_g_data_type(struct echk *x)
{
    for (int k = 0; !x->v86 && k < 4; k++) {
        int s = data_segs[k];
        unsigned t = type_of(x, s);
        if (usable(x, s) && (!(t & 1) || ((t & 8) && !(t & 2))))
            return echk_bad(x, "%s ar=%#x", seg_names[s], x->ar[s]);
    }
    return true;
}
bool ck_g_seg_s(struct echk *x)
{
    for (int s = 0; !x->v86 && s < 6; s++)
        if ((s == SEG_CS || usable(x, s)) && !(x->ar[s] & AR_S))
            return echk_bad(x, "%s ar=%#x", seg_names[s], x->ar[s]);
    return true;
}
bool ck_g_cs_dpl(struct echk *x)
{
    if (x->v86) return true;
    unsigned t = type_of(x, SEG_CS), d = dpl_of(x, SEG_CS), ssd = dpl_of(x, SEG_SS);
    bool ok = (t == 9 || t == 11) ? d == ssd : (t == 13 || t == 15) ? d <= ssd : true;
    return ok || echk_bad(x, "cs ar=%#x ss ar=%#x", x->ar[SEG_CS], x->ar[SEG_SS]);
}
/* CS of type 3 (only with unrestricted guest, ck_g_cs_type) must have DPL 0. */
bool ck_g_cs_dpl_data(struct echk *x)
{
    return x->v86 || type_of(x, SEG_CS) != 3 || dpl_of(x, SEG_CS) == 0 ||
           echk_bad(x, "cs ar=%#x", x->ar[SEG_CS]);
}
bool ck_g_ss_dpl(struct echk *x)
{
    if (x->v86 || x->unrestricted) return true;
    return dpl_of(x, SEG_SS) == (sel_of(x, SEG_SS) & 3u) ||
           echk_bad(x, "ss sel=%#x ar=%#x", sel_of(x, SEG_SS), x->ar[SEG_SS]);
}
/* SS.DPL 0 with CS type 3 or CR0.PE = 0: both need unrestricted guest, as the checks on
 * CS type and CR0 come first. */
bool ck_g_ss_dpl_real(struct echk *x)
{
    if (x->v86 || (type_of(x, SEG_CS) != 3 && (x->cr0 & CR0_PE)) || dpl_of(x, SEG_SS) == 0) return true;
    return echk_bad(x, "ss ar=%#x cs ar=%#x cr0=%#llx", x->ar[SEG_SS], x->ar[SEG_CS], LL(x->cr0));
}
bool ck_g_data_dpl(struct echk *x)
{
    for (int k = 0; !x->v86 && !x->unrestricted && k < 4; k++) {
        int s = data_segs[k];
        if (usable(x, s) && type_of(x, s) <= 11 && dpl_of(x, s) < (sel_of(x, s) & 3u))
            return echk_bad(x, "%s sel=%#x ar=%#x", seg_names[s], sel_of(x, s), x->ar[s]);
    }
    return true;
}
bool ck_g_seg_p(struct echk *x)
{
    for (int s = 0; !x->v86 && s < 6; s++)
        if ((s == SEG_CS || usable(x, s)) && !(x->ar[s] & AR_P))
            return echk_bad(x, "%s ar=%#x", seg_names[s], x->ar[s]);
    return true;
}
#define AR_RESERVED 0xfffe0f00u /* bits 11:8 and 31:17 */
bool ck_g_seg_reserved(struct echk *x)
{
    for (int s = 0; !x->v86 && s < 6; s++)
        if ((s == SEG_CS || usable(x, s)) && (x->ar[s] & AR_RESERVED))
            return echk_bad(x, "%s ar=%#x", seg_names[s], x->ar[s]);
    return true;
}
bool ck_g_cs_l_d(struct echk *x)
{
    u32 a = x->ar[SEG_CS];
    return x->v86 || !x->ia32e_guest || !(a & AR_L) || !(a & AR_DB) || echk_bad(x, "cs ar=%#x", a);
}
/* Granularity against the limit: limit[11:0] not all ones => G=0; limit[31:20] nonzero => G=1. */
static bool g_ok(u32 limit, u32 ar)
{
    if ((limit & 0xfff) != 0xfff && (ar & AR_G)) return false;
    if ((limit >> 20) && !(ar & AR_G)) return false;
    return true;
}
bool ck_g_seg_g(struct echk *x)
{
    for (int s = 0; !x->v86 && s < 6; s++)
        if ((s == SEG_CS || usable(x, s)) && !g_ok(limit_of(x, s), x->ar[s]))
            return echk_bad(x, "%s limit=%#x ar=%#x", seg_names[s], limit_of(x, s), x->ar[s]);
    return true;
}
bool ck_g_tr_type(struct echk *x)
{
    unsigned t = type_of(x, SEG_TR);
    return t == 11 || (!x->ia32e_guest && t == 3) || echk_bad(x, "tr ar=%#x", x->ar[SEG_TR]);
}
static bool system_ar_ok(struct echk *x, int s)
{
    u32 a = x->ar[s];
    if ((a & AR_S) || !(a & AR_P) || (a & (AR_RESERVED | AR_UNUSABLE)) || !g_ok(limit_of(x, s), a))
        return echk_bad(x, "%s limit=%#x ar=%#x", seg_names[s], limit_of(x, s), a);
    return true;
}
bool ck_g_tr_ar(struct echk *x) { return system_ar_ok(x, SEG_TR); }
bool ck_g_ldtr_ar(struct echk *x)
{
    if (!usable(x, SEG_LDTR)) return true;
    if (type_of(x, SEG_LDTR) != 2) return echk_bad(x, "ldtr ar=%#x", x->ar[SEG_LDTR]);
    return system_ar_ok(x, SEG_LDTR);
}

/* --- 27.3.1.3 / 27.3.1.4 --------------------------------------------------------------- */

bool ck_g_dtr_base(struct echk *x)
{
    u64 g = vmcs_get(x->c, VMCS_GUEST_GDTR_BASE), i = vmcs_get(x->c, VMCS_GUEST_IDTR_BASE);
    return (echk_canonical(x->c, g) && echk_canonical(x->c, i)) ||
           echk_bad(x, "gdtr base=%#llx idtr base=%#llx", LL(g), LL(i));
}
bool ck_g_dtr_limit(struct echk *x)
{
    u32 g = vmcs_get32(x->c, VMCS_GUEST_GDTR_LIMIT), i = vmcs_get32(x->c, VMCS_GUEST_IDTR_LIMIT);
    return !((g | i) >> 16) || echk_bad(x, "gdtr limit=%#x idtr limit=%#x", g, i);
}
static bool code64(const struct echk *x) { return x->ia32e_guest && (x->ar[SEG_CS] & AR_L); }
bool ck_g_rip_high(struct echk *x)
{
    u64 rip = vmcs_get(x->c, VMCS_GUEST_RIP);
    return code64(x) || !(rip >> 32) || echk_bad(x, "rip=%#llx cs ar=%#x", LL(rip), x->ar[SEG_CS]);
}
bool ck_g_rip_canonical(struct echk *x)
{
    u64 rip = vmcs_get(x->c, VMCS_GUEST_RIP);
    return !code64(x) || echk_canonical(x->c, rip) || echk_bad(x, "rip=%#llx", LL(rip));
}
bool ck_g_rflags_reserved(struct echk *x)
{
    u64 f = x->rflags, rsvd = ~0ull << 22 | BIT(15) | BIT(5) | BIT(3);
    return (!(f & rsvd) && (f & FL_FIXED1)) || echk_bad(x, "rflags=%#llx", LL(f));
}
bool ck_g_rflags_vm(struct echk *x)
{
    return !x->v86 || (!x->ia32e_guest && (x->cr0 & CR0_PE)) ||
           echk_bad(x, "rflags=%#llx cr0=%#llx entry=%#x", LL(x->rflags), LL(x->cr0), x->entry);
}
bool ck_g_rflags_if(struct echk *x)
{
    return !injecting(x, EV_EXTINT) || (x->rflags & FL_IF) ||
           echk_bad(x, "rflags=%#llx inject=%#x", LL(x->rflags), x->inject);
}

/* --- 27.3.1.5 non-register state ------------------------------------------------------ */

bool ck_g_act_value(struct echk *x)
{
    u32 a = activity(x);
    /* IA32_VMX_MISC bits 8:6 say which of HLT, shutdown and wait-for-SIPI are supported. */
    u64 misc = vmx_cap(x->c, MSR_VMX_MISC);
    return a == ACT_ACTIVE || (a <= 3 && (misc >> (5 + a)) & 1) ||
           echk_bad(x, "activity=%u misc=%#llx", a, LL(misc));
}
bool ck_g_act_hlt_dpl(struct echk *x)
{
    return activity(x) != ACT_HLT || dpl_of(x, SEG_SS) == 0 || echk_bad(x, "activity=HLT ss ar=%#x", x->ar[SEG_SS]);
}
bool ck_g_act_blocking(struct echk *x)
{
    return activity(x) == ACT_ACTIVE || !(intr_state(x) & (INTR_BLOCK_STI | INTR_BLOCK_MOVSS)) ||
           echk_bad(x, "activity=%u interruptibility=%#x", activity(x), intr_state(x));
}
bool ck_g_act_inject(struct echk *x)
{
    if (!(x->inject & INTR_INFO_VALID)) return true;
    unsigned t = inj_type(x), v = x->inject & 0xff;
    bool ok;
    switch (activity(x)) {
    case ACT_ACTIVE: ok = true; break;
    case ACT_HLT:
        ok = t == EV_EXTINT || t == EV_NMI || (t == EV_HWEXC && (v == 1 || v == 18)) ||
             (t == INTR_TYPE_OTHER && v == 0);
        break;
    case ACT_SHUTDOWN: ok = t == EV_NMI || (t == EV_HWEXC && v == 18); break;
    default: ok = false; break;
    }
    return ok || echk_bad(x, "activity=%u inject=%#x", activity(x), x->inject);
}
bool ck_g_act_sipi_smm(struct echk *x)
{
    return activity(x) != ACT_WAIT_SIPI || !(x->entry & ENTRY_SMM) || echk_bad(x, "entry=%#x", x->entry);
}
/* Bit 4 (enclave interruption) needs SGX, which is not offered: reserved here. */
bool ck_g_int_reserved(struct echk *x)
{
    return !(intr_state(x) & ~0xfu) || echk_bad(x, "interruptibility=%#x", intr_state(x));
}
bool ck_g_int_sti_movss(struct echk *x)
{
    u32 i = intr_state(x);
    return (i & 3) != 3 || echk_bad(x, "interruptibility=%#x", i);
}
bool ck_g_int_sti_if(struct echk *x)
{
    return !(intr_state(x) & INTR_BLOCK_STI) || (x->rflags & FL_IF) ||
           echk_bad(x, "interruptibility=%#x rflags=%#llx", intr_state(x), LL(x->rflags));
}
bool ck_g_int_extint(struct echk *x)
{
    return !injecting(x, EV_EXTINT) || !(intr_state(x) & 3) ||
           echk_bad(x, "interruptibility=%#x inject=%#x", intr_state(x), x->inject);
}
bool ck_g_int_nmi_movss(struct echk *x)
{
    return !injecting(x, EV_NMI) || !(intr_state(x) & INTR_BLOCK_MOVSS) ||
           echk_bad(x, "interruptibility=%#x inject=%#x", intr_state(x), x->inject);
}
/* Outside SMM blocking by SMI must be 0 (entry to SMM is rejected by ctl.entry.smm). */
bool ck_g_int_smi(struct echk *x)
{
    return !(intr_state(x) & INTR_BLOCK_SMI) || echk_bad(x, "interruptibility=%#x", intr_state(x));
}
bool ck_g_int_vnmi(struct echk *x)
{
    return !(x->pin & PIN_VIRTUAL_NMIS) || !injecting(x, EV_NMI) || !(intr_state(x) & INTR_BLOCK_NMI) ||
           echk_bad(x, "interruptibility=%#x inject=%#x", intr_state(x), x->inject);
}
/* A processor may refuse NMI injection under blocking by STI; this one does, with exit
 * qualification 3 (SDM 27.3.1.5, 27.8). */
bool ck_g_int_nmi_sti(struct echk *x)
{
    return !injecting(x, EV_NMI) || !(intr_state(x) & INTR_BLOCK_STI) ||
           echk_bad(x, "interruptibility=%#x inject=%#x", intr_state(x), x->inject);
}
/* Pending debug exceptions: bits 11:4, 13, 15 and 63:16 reserved (bit 16, RTM, needs RTM
 * which is not offered). */
bool ck_g_pdbg_reserved(struct echk *x)
{
    u64 p = vmcs_get(x->c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
    u64 rsvd = 0xff0ull | BIT(13) | BIT(15) | (~0ull << 16);
    return !(p & rsvd) || echk_bad(x, "pending_dbg=%#llx", LL(p));
}
bool ck_g_pdbg_bs(struct echk *x)
{
    if (!(intr_state(x) & 3) && activity(x) != ACT_HLT) return true;
    u64 p = vmcs_get(x->c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
    bool btf = (x->entry & ENTRY_LOAD_DEBUG_CONTROLS) && (vmcs_get(x->c, VMCS_GUEST_IA32_DEBUGCTL) & 2);
    bool want = (x->rflags & FL_TF) && !btf;
    return !!(p & BIT(14)) == want || echk_bad(x, "pending_dbg=%#llx rflags=%#llx", LL(p), LL(x->rflags));
}
bool ck_g_link_align(struct echk *x)
{
    u64 l = vmcs_get(x->c, VMCS_VMCS_LINK_POINTER);
    return l == ~0ull || (!(l & 0xfff) && vmx_pa_ok(x->c, l)) || echk_bad(x, "link=%#llx", LL(l));
}
bool ck_g_link_revision(struct echk *x)
{
    u64 l = vmcs_get(x->c, VMCS_VMCS_LINK_POINTER);
    if (l == ~0ull) return true;
    u32 hdr = (u32)phys_read(x->c->m, x->c, l, 4);
    u32 rev = (u32)vmx_cap(x->c, MSR_VMX_BASIC) & 0x7fffffffu;
    bool shadow = x->proc2 & SEC_VMCS_SHADOWING;
    bool ok = (hdr & 0x7fffffffu) == rev && !!(hdr >> 31) == shadow;
    return ok || echk_bad(x, "link=%#llx header=%#x revision=%#x", LL(l), hdr, rev);
}

/* Outside SMM the link pointer must not be the current-VMCS pointer. */
bool ck_g_link_current(struct echk *x)
{
    u64 l = vmcs_get(x->c, VMCS_VMCS_LINK_POINTER);
    return l != x->c->vmx->current_vmcs || echk_bad(x, "link=%#llx is the current VMCS", LL(l));
}

/* --- 27.3.1.6 PDPTEs ------------------------------------------------------------------ */

/* Reserved bits of a present PAE PDPTE: 2:1, 8:5, 63:MAXPHYADDR (SDM 4.4.1). */
static bool pdpte_ok(struct cpu *c, u64 e)
{
    return !(e & 1) || (!(e & 0x1e6) && vmx_pa_ok(c, e & ~0xfffull));
}
bool ck_g_pdpte(struct echk *x)
{
    if (!(x->cr0 & CR0_PG) || !(x->cr4 & CR4_PAE) || x->ia32e_guest) return true;
    u64 cr3 = vmcs_get(x->c, VMCS_GUEST_CR3) & 0xffffffe0ull;
    const struct gpa_why why = {.pdpte_load = true};
    for (int k = 0; k < 4; k++) {
        u64 e;
        if (x->proc2 & SEC_EPT)
            e = vmcs_get(x->c, (enum vmcs_slot)(VMCS_GUEST_PDPTR0 + k));
        else
            gpa_read_entry(x->c, cr3 + 8 * k, 8, &why, &e);
        if (!pdpte_ok(x->c, e)) return echk_bad(x, "pdpte%d=%#llx cr3=%#llx", k, LL(e), LL(cr3));
    }
    return true;
}
