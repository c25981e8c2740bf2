/* Entering and leaving VMX operation (VMXON, VMXOFF), VMCALL in root operation, the
 * outcomes every VMX instruction reports (VMsucceed / VMfail), and the CR0/CR4 fixed bits
 * that hold while in VMX operation. SDM Vol. 3 chapters 24 and 31. */
#include "../cpu/cpumodel.h"
#include "../cpu/msr.h"
#include "../machine/machine.h"
#include "caps.h"
#include "vmxinsn.h"

#define FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)

/* --- Outcomes (SDM 31.2) ----------------------------------------------------------------- */

static void set_arith_flags(struct cpu *c, u64 set)
{
    cpu_set_rflags(c, (cpu_get_rflags(c) & ~(u64)FL_ARITH) | set);
}

void vmx_succeed(struct cpu *c)
{
    vmx_diag_outcome(c, 0);
    set_arith_flags(c, 0);
}

void vmx_fail_invalid(struct cpu *c)
{
    vmx_diag_outcome(c, -1);
    set_arith_flags(c, FL_CF);
}

void vmx_fail(struct cpu *c, enum vm_instruction_error err)
{
    if (c->vmx->current_vmcs == VMCS_NONE) {
        vmx_fail_invalid(c);
        return;
    }
    vmx_diag_outcome(c, (int)err);
    set_arith_flags(c, FL_ZF);
    vmcs_set(c, VMCS_VM_INSTRUCTION_ERROR, (u32)err);
}

/* --- Shared checks ----------------------------------------------------------------------- */

void vmx_check_common(struct cpu *c, const struct insn *i, u32 reason)
{
    if (!c->vmx->on || c->mode == MODE_REAL || c->mode == MODE_V86 || c->mode == MODE_COMPAT)
        cpu_ud(c);
    if (c->vmx_nonroot) vmx_insn_exit(c, i, reason);
    if (c->cpl > 0) cpu_gp(c, 0);
}

/* VM-exit instruction information (SDM 28.2.5, Tables 28-13 and 28-14): scaling 1:0,
 * register 6:3 and reg/mem 10 (VMREAD/VMWRITE), address size 9:7, segment 17:15, index
 * 21:18 and its invalid bit 22, base 26:23 and its invalid bit 27, reg2 31:28. */
static u32 insn_info(const struct insn *i, u32 reason)
{
    u32 info = (u32)(i->adsz == 2 ? 0 : i->adsz == 4 ? 1 : 2) << 7;
    bool reg2 = reason == VMX_EXIT_VMREAD || reason == VMX_EXIT_VMWRITE ||
                reason == VMX_EXIT_INVEPT || reason == VMX_EXIT_INVVPID;
    if (i->mod == 3) {
        info |= (u32)(i->rm & 15) << 3 | 1u << 10;
    } else {
        info |= i->scale & 3u;
        info |= (u32)(i->seg & 7) << 15;
        info |= i->index != NO_REG ? (u32)(i->index & 15) << 18 : 1u << 22;
        info |= i->base != NO_REG && !i->rip_rel ? (u32)(i->base & 15) << 23 : 1u << 27;
    }
    if (reg2) info |= (u32)(i->reg & 15) << 28;
    return info;
}

NORETURN void vmx_insn_exit(struct cpu *c, const struct insn *i, u32 reason)
{
    bool operands = reason != VMX_EXIT_VMCALL && reason != VMX_EXIT_VMLAUNCH &&
                    reason != VMX_EXIT_VMRESUME && reason != VMX_EXIT_VMXOFF &&
                    reason != VMX_EXIT_VMFUNC;
    vmx_exit_insn(c, i, operands ? insn_info(i, reason) : 0);
    /* Exit qualification: the displacement of a memory operand (SDM 28.2.1). */
    vmx_exit(c, reason, operands && i->mod != 3 ? (u64)i->disp : 0);
}

u64 vmx_read_m64(struct cpu *c, const struct insn *i)
{
    u64 pa = seg_read(c, i->seg, insn_ea(c, i), 8);
    vmx_diag_pointer(c, pa);
    return pa;
}

bool vmx_pointer_ok(const struct cpu *c, u64 pa)
{
    return !(pa & 0xfff) && !(pa >> cpu_phys_bits(c));
}

u32 vmx_revision(const struct cpu *c) { return vmx_cap(c, MSR_VMX_BASIC) & VMX_BASIC_REVISION_MASK; }

/* CR0/CR4 against IA32_VMX_CR0/CR4_FIXED0/1 (SDM 24.8, A.7, A.8). In non-root operation
 * with "unrestricted guest", PE and PG are free (SDM 26.3.1.1). */
static bool fixed_ok(const struct cpu *c, int cr, u64 val)
{
    u32 f0 = cr == 0 ? MSR_VMX_CR0_FIXED0 : MSR_VMX_CR4_FIXED0;
    u64 fixed0 = vmx_cap(c, f0), fixed1 = vmx_cap(c, f0 + 1);
    if (cr == 0 && c->vmx_nonroot && (vmcs_get((struct cpu *)c, VMCS_CPU_BASED_VM_EXEC_CONTROL) & CPU_SECONDARY_CONTROLS) &&
        (vmcs_get((struct cpu *)c, VMCS_SECONDARY_VM_EXEC_CONTROL) & SEC_UNRESTRICTED_GUEST))
        fixed0 &= ~(u64)(CR0_PE | CR0_PG);
    return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

bool vmx_cr_allowed(const struct cpu *c, int cr, u64 val)
{
    if (!c->vmx || !c->vmx->on) return true;
    return fixed_ok(c, cr, val);
}

/* --- VMXON, VMXOFF, VMCALL --------------------------------------------------------------- */

/* SDM 31.3 VMXON. */
static void op_vmxon(struct cpu *c, const struct insn *i)
{
    struct vmx *v = c->vmx;
    if (!(c->cr4 & CR4_VMXE) || c->mode == MODE_REAL || c->mode == MODE_V86 || c->mode == MODE_COMPAT)
        cpu_ud(c);
    if (v->on) {
        if (c->vmx_nonroot) vmx_insn_exit(c, i, VMX_EXIT_VMXON);
        if (c->cpl > 0) cpu_gp(c, 0);
        vmx_fail(c, VMERR_VMXON_IN_ROOT);
        return;
    }
    /* Outside VMX operation: CPL 0, CR0/CR4 fixed bits, IA32_FEATURE_CONTROL locked with
     * VMX enabled outside SMX (there is no SMX operation). A20M is never active. */
    if (c->cpl > 0 || !fixed_ok(c, 0, c->cr0) || !fixed_ok(c, 4, c->cr4) ||
        !(c->feature_control & FEATURE_CONTROL_LOCK) ||
        !(c->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
        cpu_gp(c, 0);
    u64 pa = vmx_read_m64(c, i);
    if (!vmx_pointer_ok(c, pa)) {
        vmx_fail_invalid(c);
        return;
    }
    u32 rev = (u32)phys_read(c->m, c, pa, 4);
    if ((rev & 0x7fffffffu) != vmx_revision(c) || (rev >> 31)) {
        vmx_fail_invalid(c);
        return;
    }
    v->on = true;
    v->vmxon_region = pa;
    v->current_vmcs = VMCS_NONE;
    vmx_set_nonroot(c, false);
    vmx_succeed(c);
}

/* SDM 31.3 VMXOFF. A launched VMCS still current is written back as stale, so that a later
 * VMRESUME of it fails with error 6 ("VMRESUME after VMXOFF"). */
static void op_vmxoff(struct cpu *c, const struct insn *i)
{
    struct vmx *v = c->vmx;
    vmx_check_common(c, i, VMX_EXIT_VMXOFF);
    if (v->current_vmcs != VMCS_NONE) {
        if (v->launch == VMCS_LAUNCHED) v->launch = VMCS_STALE;
        vmcs_flush(c);
    }
    v->on = false;
    v->current_vmcs = VMCS_NONE;
    c->check_events = true; /* INIT is no longer blocked */
    vmx_succeed(c);
}

/* SDM 31.3 VMCALL: in root operation without the dual-monitor treatment of SMM (IA32_VMX_
 * BASIC[49] = 0), VMfail(1). Outside VMX operation #UD; in non-root operation a VM exit at
 * any CPL. */
static void op_vmcall(struct cpu *c, const struct insn *i)
{
    if (!c->vmx->on) cpu_ud(c);
    if (c->vmx_nonroot) vmx_insn_exit(c, i, VMX_EXIT_VMCALL);
    if (c->mode == MODE_V86 || c->mode == MODE_COMPAT) cpu_ud(c);
    if (c->cpl > 0) cpu_gp(c, 0);
    vmx_fail(c, VMERR_VMCALL_IN_ROOT);
}

/* 0F 01 /0 C1-C4 and /2 D4 (the system family's group 7 hands these over). */
void vmx_op_grp7(struct cpu *c, const struct insn *i)
{
    vmx_diag_insn(c, i);
    if (!c->vmx || !cpu_has(c, FEAT_VMX)) cpu_ud(c);
    switch (i->modrm) {
    case 0xc1: op_vmcall(c, i); break;
    case 0xc2: vmx_insn_launch(c, i, true); break;
    case 0xc3: vmx_insn_launch(c, i, false); break;
    case 0xc4: op_vmxoff(c, i); break;
    case 0xd4: vmx_insn_vmfunc(c, i); break;
    default: cpu_ud(c);
    }
}

/* 0F C7 /6 and /7 memory forms: VMPTRLD (none), VMCLEAR (66), VMXON (F3), VMPTRST (/7). */
void vmx_op_grp9(struct cpu *c, const struct insn *i)
{
    vmx_diag_insn(c, i);
    if (!c->vmx || !cpu_has(c, FEAT_VMX) || i->mod == 3) cpu_ud(c);
    unsigned slot = (i->modrm >> 3) & 7;
    if (slot == 6 && i->rep == 0xf3) op_vmxon(c, i);
    else if (slot == 6 && i->rep) cpu_ud(c);
    else if (slot == 6 && i->p66) vmx_insn_vmclear(c, i);
    else if (slot == 6) vmx_insn_vmptrld(c, i);
    else if (slot == 7 && !i->rep && !i->p66) vmx_insn_vmptrst(c, i);
    else cpu_ud(c);
}
