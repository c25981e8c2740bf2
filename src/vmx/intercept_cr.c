/* Control-register, debug-register and descriptor-table accesses in VMX non-root
 * operation (SDM Vol. 3 26.1.3, 26.3 read shadows and guest/host masks), with the exit
 * qualifications of SDM 28.2.1 Tables 28-3 and 28-4 and the instruction information of
 * 28.2.5 Tables 28-10 and 28-11. */
#include "ctls.h"
#include "intercept.h"

static u64 mask_of(struct cpu *c, int n)
{
    return vmcs_get(c, n == 0 ? VMCS_CR0_GUEST_HOST_MASK : VMCS_CR4_GUEST_HOST_MASK);
}
static u64 shadow_of(struct cpu *c, int n)
{
    return vmcs_get(c, n == 0 ? VMCS_CR0_READ_SHADOW : VMCS_CR4_READ_SHADOW);
}

u64 vmx_cr_read(struct cpu *c, int n, u64 val)
{
    if (n != 0 && n != 4) return val;
    u64 m = mask_of(c, n);
    return (val & ~m) | (shadow_of(c, n) & m);
}
u64 vmx_cr_write(struct cpu *c, int n, u64 val)
{
    if (n != 0 && n != 4) return val;
    u64 m = mask_of(c, n), cur = n == 0 ? c->cr0 : c->cr4;
    return (val & ~m) | (cur & m);
}

static NORETURN void cr_exit(struct cpu *c, const struct insn *i, u64 q)
{
    vmx_exit_insn(c, i, 0);
    vmx_exit(c, VMX_EXIT_CR_ACCESS, q);
}

/* Table 28-3: CR number, access type (0 to CR, 1 from CR, 2 CLTS, 3 LMSW), GPR in 11:8. */
void vmx_intercept_mov_cr(struct cpu *c, const struct insn *i, bool to_cr)
{
    int n = i->reg;
    u32 p = vmcs_get32(c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
    u64 q = (u64)n | (to_cr ? 0 : 16u) | (u64)(i->rm & 15) << 8;
    unsigned size = c->mode == MODE_LONG ? 8 : 4;
    if (!to_cr) {
        if ((n == 3 && (p & CPU_CR3_STORE_EXITING)) || (n == 8 && (p & CPU_CR8_STORE_EXITING)))
            cr_exit(c, i, q);
        return;
    }
    u64 v = reg_get(c, i->rm, size);
    switch (n) {
    case 0: case 4:
        if ((v ^ shadow_of(c, n)) & mask_of(c, n)) cr_exit(c, i, q);
        break;
    case 3: {
        if (!(p & CPU_CR3_LOAD_EXITING)) break;
        u32 cnt = vmcs_get32(c, VMCS_CR3_TARGET_COUNT);
        for (u32 k = 0; k < cnt && k < 4; k++)
            if (vmcs_get(c, (enum vmcs_slot)(VMCS_CR3_TARGET_VALUE0 + k)) == v) return;
        cr_exit(c, i, q);
        break;
    }
    case 8:
        if (p & CPU_CR8_LOAD_EXITING) cr_exit(c, i, q);
        break;
    default: break;
    }
}

/* CLTS exits when CR0.TS is host-owned and its read shadow is 1. */
void vmx_intercept_clts(struct cpu *c, const struct insn *i)
{
    if ((mask_of(c, 0) & CR0_TS) && (shadow_of(c, 0) & CR0_TS)) cr_exit(c, i, 2u << 4);
}

/* LMSW exits when it would set a host-owned PE whose shadow is 0, or change a host-owned
 * MP/EM/TS against its shadow; bit 6 says memory operand, 31:16 the source. */
void vmx_intercept_lmsw(struct cpu *c, const struct insn *i, u16 src)
{
    u64 m = mask_of(c, 0), sh = shadow_of(c, 0);
    bool pe = (m & CR0_PE) && !(sh & CR0_PE) && (src & CR0_PE);
    bool other = ((src ^ sh) & m & 0xe) != 0;
    if (!pe && !other) return;
    u64 q = 3u << 4 | (i->mod != 3 ? 64u : 0) | (u64)src << 16;
    if (i->mod != 3) vmcs_set(c, VMCS_GUEST_LINEAR_ADDRESS, 0);
    cr_exit(c, i, q);
}

/* Table 28-4: DR number, direction (1 = MOV from DR), GPR in 11:8. */
void vmx_intercept_mov_dr(struct cpu *c, const struct insn *i, bool to_dr)
{
    if (!(vmcs_get32(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) & CPU_MOV_DR_EXITING)) return;
    vmx_exit_insn(c, i, 0);
    vmx_exit(c, VMX_EXIT_DR_ACCESS, (u64)(i->reg & 7) | (to_dr ? 0 : 16u) | (u64)(i->rm & 15) << 8);
}

void vmx_intercept_dtr(struct cpu *c, const struct insn *i, unsigned id)
{
    if (!(vmx_proc2(c) & SEC_DESC_TABLE_EXITING)) return;
    u32 info = vmx_mem_info(i) | (i->opsz == 2 ? 0 : 1u << 11) | id << 28;
    vmx_exit_insn(c, i, info);
    vmx_exit(c, VMX_EXIT_GDTR_IDTR, (u64)i->disp);
}

void vmx_intercept_ldtr_tr(struct cpu *c, const struct insn *i, unsigned id)
{
    if (!(vmx_proc2(c) & SEC_DESC_TABLE_EXITING)) return;
    u32 info = id << 28;
    if (i->mod == 3) info |= 1u << 10 | (u32)(i->rm & 15) << 3;
    else info |= vmx_mem_info(i);
    vmx_exit_insn(c, i, info);
    vmx_exit(c, VMX_EXIT_LDTR_TR, i->mod == 3 ? 0 : (u64)i->disp);
}
