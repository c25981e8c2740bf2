/* The VMCS instructions: VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH and VMRESUME
 * (SDM Vol. 3 31.3), up to the point where VM entry takes over (vmx_vmentry). */
#include "../cpu/cpumodel.h"
#include "../machine/machine.h"
#include "caps.h"
#include "vmxinsn.h"

/* SDM 31.3 VMCLEAR. */
void vmx_insn_vmclear(struct cpu *c, const struct insn *i)
{
    struct vmx *v = c->vmx;
    vmx_check_common(c, i, VMX_EXIT_VMCLEAR);
    u64 pa = vmx_read_m64(c, i);
    if (!vmx_pointer_ok(c, pa)) {
        vmx_fail(c, VMERR_VMCLEAR_INVALID);
        return;
    }
    if (pa == v->vmxon_region) {
        vmx_fail(c, VMERR_VMCLEAR_VMXON);
        return;
    }
    if (pa == v->current_vmcs) {
        /* Write the cached data back, launch state clear; no current VMCS afterwards. */
        v->launch = VMCS_CLEAR;
        vmcs_flush(c);
        v->current_vmcs = VMCS_NONE;
    } else {
        phys_write(c->m, c, pa + VMCS_LAUNCH_OFFSET, 4, VMCS_CLEAR);
    }
    vmx_succeed(c);
}

/* SDM 31.3 VMPTRLD. Loading another VMCS writes the current one back first. */
void vmx_insn_vmptrld(struct cpu *c, const struct insn *i)
{
    struct vmx *v = c->vmx;
    vmx_check_common(c, i, VMX_EXIT_VMPTRLD);
    u64 pa = vmx_read_m64(c, i);
    if (!vmx_pointer_ok(c, pa)) {
        vmx_fail(c, VMERR_VMPTRLD_INVALID);
        return;
    }
    if (pa == v->vmxon_region) {
        vmx_fail(c, VMERR_VMPTRLD_VMXON);
        return;
    }
    u32 rev = (u32)phys_read(c->m, c, pa, 4);
    u32 sec = (vmx_cap(c, MSR_VMX_PROCBASED_CTLS) >> 32) & CPU_SECONDARY_CONTROLS
                  ? (u32)(vmx_cap(c, MSR_VMX_PROCBASED_CTLS2) >> 32) : 0;
    if ((rev & 0x7fffffffu) != vmx_revision(c) || ((rev >> 31) && !(sec & SEC_VMCS_SHADOWING))) {
        vmx_fail(c, VMERR_VMPTRLD_REVISION);
        return;
    }
    if (pa != v->current_vmcs) {
        vmcs_flush(c);
        vmcs_load(c, pa);
    }
    vmx_succeed(c);
}

/* SDM 31.3 VMPTRST: stores the current-VMCS pointer (all ones if none). */
void vmx_insn_vmptrst(struct cpu *c, const struct insn *i)
{
    vmx_check_common(c, i, VMX_EXIT_VMPTRST);
    seg_write(c, i->seg, insn_ea(c, i), 8, c->vmx->current_vmcs);
    vmx_succeed(c);
}

/* VMREAD and VMWRITE use 64-bit operands in 64-bit mode and 32-bit ones elsewhere; the
 * operand-size, REP and REPNE prefixes make them #UD (SDM Vol. 2 VMREAD/VMWRITE, 0F 78/79
 * with 66/F2 are other instructions). */
static unsigned operand_size(const struct cpu *c) { return c->mode == MODE_LONG ? 8 : 4; }

/* Field encoding from the register operand: bits above 31 make it unsupported. */
static int field_of(struct cpu *c, u64 enc, bool *high)
{
    if (enc >> 32) return -1;
    return vmcs_slot_of(c, (u32)enc, high);
}

/* SDM 31.3 VMREAD: r/m <- field named by reg. */
static void op_vmread(struct cpu *c, const struct insn *i)
{
    vmx_diag_insn(c, i);
    if (!c->vmx || !cpu_has(c, FEAT_VMX) || i->p66 || i->rep) cpu_ud(c);
    vmx_check_common(c, i, VMX_EXIT_VMREAD);
    if (c->vmx->current_vmcs == VMCS_NONE) {
        vmx_fail_invalid(c);
        return;
    }
    unsigned size = operand_size(c);
    bool high;
    int s = field_of(c, reg_get(c, i->reg, size), &high);
    if (s < 0) {
        vmx_fail(c, VMERR_UNSUPPORTED_FIELD);
        return;
    }
    u64 val = vmcs_get(c, (enum vmcs_slot)s);
    if (high) val >>= 32;
    rm_write(c, i, size, val & size_mask(size));
    vmx_succeed(c);
}

/* SDM 31.3 VMWRITE: field named by reg <- r/m. A 32-bit operand writes the low half of a
 * 64-bit or natural-width field and clears the high half; a high access writes bits 63:32
 * only (SDM 25.11.2). */
static void op_vmwrite(struct cpu *c, const struct insn *i)
{
    vmx_diag_insn(c, i);
    if (!c->vmx || !cpu_has(c, FEAT_VMX) || i->p66 || i->rep) cpu_ud(c);
    vmx_check_common(c, i, VMX_EXIT_VMWRITE);
    if (c->vmx->current_vmcs == VMCS_NONE) {
        vmx_fail_invalid(c);
        return;
    }
    unsigned size = operand_size(c);
    u64 val = rm_read(c, i, size);
    bool high;
    int s = field_of(c, reg_get(c, i->reg, size), &high);
    if (s < 0) {
        vmx_fail(c, VMERR_UNSUPPORTED_FIELD);
        return;
    }
    enum vmcs_slot slot = (enum vmcs_slot)s;
    if (vmcs_kind_of(slot) == VMCS_EXIT_INFO && !(vmx_cap(c, MSR_VMX_MISC) & VMX_MISC_VMWRITE_ANY)) {
        vmx_fail(c, VMERR_WRITE_READONLY);
        return;
    }
    if (high) val = (vmcs_get(c, slot) & 0xffffffffull) | (val << 32);
    vmcs_set(c, slot, val);
    vmx_succeed(c);
}

/* MOV SS / POP SS blocking is in force for this instruction (SDM 26.1, error 26). */
static bool movss_blocking(const struct cpu *c)
{
    return c->interrupt_shadow && c->shadow_movss && c->icount == c->shadow_icount + 1;
}

/* SDM 31.3 VMLAUNCH/VMRESUME: the checks before VM entry proper (SDM 26.1). */
void vmx_insn_launch(struct cpu *c, const struct insn *i, bool launch)
{
    struct vmx *v = c->vmx;
    vmx_check_common(c, i, launch ? VMX_EXIT_VMLAUNCH : VMX_EXIT_VMRESUME);
    if (v->current_vmcs == VMCS_NONE) {
        vmx_fail_invalid(c);
        return;
    }
    if (movss_blocking(c)) {
        vmx_fail(c, VMERR_ENTRY_MOVSS_BLOCKING);
        return;
    }
    if (launch && v->launch != VMCS_CLEAR) {
        vmx_fail(c, VMERR_VMLAUNCH_NONCLEAR);
        return;
    }
    if (!launch && v->launch != VMCS_LAUNCHED) {
        vmx_fail(c, v->launch == VMCS_STALE ? VMERR_VMRESUME_AFTER_VMXOFF
                                            : VMERR_VMRESUME_NONLAUNCHED);
        return;
    }
    vmx_vmentry(c, launch);
}


const struct opdef vmx_ops[] = {
    {MAP_0F, 0x78, -1, OPF_MODRM, op_vmread},
    {MAP_0F, 0x79, -1, OPF_MODRM, op_vmwrite},
    {MAP_0F38, 0x80, -1, OPF_MODRM, vmx_insn_invept},
    {MAP_0F38, 0x81, -1, OPF_MODRM, vmx_insn_invvpid},
    {.fn = NULL},
};
