/* INVEPT, INVVPID (SDM Vol. 3 31.3) and VMFUNC (SDM 26.5.6): each #UD unless EPT, VPID or
 * VM functions are offered (caps.c). The soft TLB is not tagged yet (every VM entry and
 * exit flushes it, 29.4.3), so it holds only the current context's translations. */
#include "../cpu/cpumodel.h"
#include "caps.h"
#include "ept.h"
#include "vmxinsn.h"

static u32 secondary_allowed(const struct cpu *c)
{
    if (!((vmx_cap(c, MSR_VMX_PROCBASED_CTLS) >> 32) & CPU_SECONDARY_CONTROLS)) return 0;
    return (u32)(vmx_cap(c, MSR_VMX_PROCBASED_CTLS2) >> 32);
}

/* An EPTP value the processor supports: the one rule of ept.c (SDM 25.6.11), with the
 * capability word as this processor reports it (0 while EPT is not offered). */
bool vmx_eptp_valid(const struct cpu *c, u64 eptp)
{
    return ept_eptp_valid(eptp, vmx_cap(c, MSR_VMX_EPT_VPID_CAP), cpu_phys_bits(c));
}

/* The register operand (type) and the 128-bit descriptor in memory. */
static u64 inv_type(const struct cpu *c, const struct insn *i)
{
    return reg_get(c, i->reg, c->mode == MODE_LONG ? 8 : 4);
}
static void read_desc(struct cpu *c, const struct insn *i, u64 d[2])
{
    u64 ea = insn_ea(c, i);
    seg_check(c, i->seg, ea, 16, ACC_READ); /* the whole 16 bytes, before either half */
    d[0] = seg_read(c, i->seg, ea, 8);
    d[1] = seg_read(c, i->seg, (ea + 8) & size_mask(i->adsz), 8);
}

/* Prefix and offer checks shared by INVEPT and INVVPID: 66 0F 38 80/81 with a memory
 * operand, else #UD. */
static void inv_prologue(struct cpu *c, const struct insn *i, bool offered, u32 reason)
{
    vmx_diag_insn(c, i);
    if (!c->vmx || !cpu_has(c, FEAT_VMX) || !offered || !i->p66 || i->rep || i->mod == 3)
        cpu_ud(c);
    vmx_check_common(c, i, reason);
}

/* SDM 31.3 INVEPT: types 1 (single context) and 2 (global), as IA32_VMX_EPT_VPID_CAP
 * offers them. Single-context drops the combined mappings of the descriptor's EP4TA, all
 * contexts those of every EP4TA, for all VPIDs and PCIDs (29.4.3.1); linear mappings
 * (tagged without EPT) stay. */
void vmx_insn_invept(struct cpu *c, const struct insn *i)
{
    u64 cap = vmx_cap(c, MSR_VMX_EPT_VPID_CAP);
    inv_prologue(c, i, (secondary_allowed(c) & SEC_EPT) && (cap & EPT_CAP_INVEPT), VMX_EXIT_INVEPT);
    u64 type = inv_type(c, i);
    if (!((type == 1 && (cap & EPT_CAP_INVEPT_SINGLE)) || (type == 2 && (cap & EPT_CAP_INVEPT_ALL)))) {
        vmx_fail(c, VMERR_INVEPT_INVVPID_OPERAND);
        return;
    }
    u64 d[2];
    read_desc(c, i, d);
    if (type == 1 && !vmx_eptp_valid(c, d[0])) {
        vmx_fail(c, VMERR_INVEPT_INVVPID_OPERAND);
        return;
    }
    tlb_invalidate(c, TLB_ANY, TLB_ANY, type == 1 ? d[0] & 0x000ffffffffff000ull : TLB_NONZERO,
                   TLB_ANY, TLB_DROP_ALL);
    vmx_succeed(c);
}

/* SDM 31.3 INVVPID: types 0 (individual address), 1 (single context), 2 (all contexts),
 * 3 (single context retaining globals), as IA32_VMX_EPT_VPID_CAP bits 40-43 offer them;
 * descriptor: VPID in bits 15:0, bits 63:16 reserved, linear address in bits 127:64. No
 * current VMCS is needed: its VMfails are then VMfailInvalid (vmx_fail). */
void vmx_insn_invvpid(struct cpu *c, const struct insn *i)
{
    u64 cap = vmx_cap(c, MSR_VMX_EPT_VPID_CAP);
    inv_prologue(c, i, (secondary_allowed(c) & SEC_VPID) && (cap & VPID_CAP_INVVPID), VMX_EXIT_INVVPID);
    u64 type = inv_type(c, i);
    if (type > 3 || !(cap & BIT(40 + type))) {
        vmx_fail(c, VMERR_INVEPT_INVVPID_OPERAND);
        return;
    }
    u64 d[2];
    read_desc(c, i, d);
    u16 vpid = (u16)d[0];
    bool bad = (d[0] >> 16) != 0 || (type != 2 && vpid == 0) ||
               (type == 0 && !cpu_is_canonical_max(c, d[1]));
    if (bad) {
        vmx_fail(c, VMERR_INVEPT_INVVPID_OPERAND);
        return;
    }
    /* 29.4.3.1: the VPID's linear and combined mappings for all PCIDs and EP4TAs: one
     * address (globals too), all, all but global ones; type 2 every VPID but 0. */
    if (type == 0)
        tlb_invalidate(c, vpid, TLB_ANY, TLB_ANY, d[1], TLB_DROP_ALL);
    else
        tlb_invalidate(c, type == 2 ? TLB_NONZERO : vpid, TLB_ANY, TLB_ANY, TLB_ANY,
                       type == 3 ? TLB_KEEP_GLOBAL : TLB_DROP_ALL);
    vmx_succeed(c);
}

/* VMFUNC (0F 01 D4, SDM 26.5.6): #UD in root operation and unless "enable VM functions" is
 * set. EAX selects the function: one that is not enabled in the VM-function controls (any
 * EAX >= 64) exits with reason 59. EPTP switching (function 0, 26.5.6.3): ECX indexes the
 * 512-entry EPTP list; an index >= 512 or an entry that is not a valid EPTP (the one rule,
 * vmx_eptp_valid) exits 59; otherwise the entry becomes the EPTP (the PDPTEs are not
 * reloaded) and, with "EPT-violation #VE", ECX the EPTP index. No flags change. */
void vmx_insn_vmfunc(struct cpu *c, const struct insn *i)
{
    if (!c->vmx_nonroot || !(vmx_proc2(c) & SEC_VMFUNC)) cpu_ud(c);
    u32 fn = (u32)reg_get(c, RAX, 4), idx = (u32)reg_get(c, RCX, 4);
    u64 enabled = vmcs_get(c, VMCS_VM_FUNCTION_CONTROL);
    if (fn >= 64 || !((enabled >> fn) & 1) || idx >= 512) vmx_insn_exit(c, i, VMX_EXIT_VMFUNC);
    u64 eptp = phys_read(c->m, c, vmcs_get(c, VMCS_EPTP_LIST_ADDRESS) + 8ull * idx, 8);
    if (!vmx_eptp_valid(c, eptp)) vmx_insn_exit(c, i, VMX_EXIT_VMFUNC);
    vmcs_set(c, VMCS_EPT_POINTER, eptp);
    c->vmx->ept.eptp = eptp;
    if (vmx_proc2(c) & SEC_EPT_VE) vmcs_set(c, VMCS_EPTP_INDEX, idx);
    /* Translations of the old EPTP must not serve the new one: the TLB set of the new
     * EP4TA (29.4.1; EPTP switching invalidates nothing); the code that follows may now
     * live elsewhere. */
    c->tlb_ep4ta = eptp & 0x000ffffffffff000ull;
    tlb_switch(c);
    c->stop_block = true;
}
