/* Control and debug registers: MOV to/from CR0/CR2/CR3/CR4/CR8 and DR0-DR7, CLTS, LMSW,
 * SMSW. The rules are SDM Vol. 2 "MOV-Move to/from Control Registers" and "MOV-Move
 * to/from Debug Registers", and SDM Vol. 3 2.5 (control registers), 4.1 (paging modes),
 * 4.10.4 (TLB invalidation) and 17.2 (debug registers). */
#include "../machine/machine.h"
#include "cpumodel.h"
#include "sysinsn.h"
#include "sysreg.h"
#include "debug.h"
#include "../vmx/vmx.h"
#include "../vmx/intercept.h"

#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
                   CR0_NW | CR0_CD | CR0_PG)

u64 cr4_valid_bits(const struct cpu *c)
{
    u64 v = CR4_TSD | CR4_PCE;
    if (cpu_has(c, FEAT_VME)) v |= CR4_VME | CR4_PVI;
    if (cpu_has(c, FEAT_DE)) v |= CR4_DE;
    if (cpu_has(c, FEAT_PSE)) v |= CR4_PSE;
    if (cpu_has(c, FEAT_PAE)) v |= CR4_PAE;
    if (cpu_has(c, FEAT_MCE)) v |= CR4_MCE;
    if (cpu_has(c, FEAT_PGE)) v |= CR4_PGE;
    if (cpu_has(c, FEAT_FXSR)) v |= CR4_OSFXSR;
    if (cpu_has(c, FEAT_SSE)) v |= CR4_OSXMMEXCPT;
    if (cpu_has(c, FEAT_UMIP)) v |= CR4_UMIP;
    if (cpu_has(c, FEAT_LA57)) v |= CR4_LA57;
    if (cpu_has(c, FEAT_VMX)) v |= CR4_VMXE;
    if (cpu_has(c, FEAT_SMX)) v |= CR4_SMXE;
    if (cpu_has(c, FEAT_FSGSBASE)) v |= CR4_FSGSBASE;
    if (cpu_has(c, FEAT_PCID)) v |= CR4_PCIDE;
    if (cpu_has(c, FEAT_XSAVE)) v |= CR4_OSXSAVE;
    if (cpu_has(c, FEAT_SMEP)) v |= CR4_SMEP;
    if (cpu_has(c, FEAT_SMAP)) v |= CR4_SMAP;
    if (cpu_has(c, FEAT_PKU)) v |= CR4_PKE;
    return v;
}

static void cr0_write(struct cpu *c, u64 val)
{
    /* CR0[63:32] reserved: #GP; reserved bits in 31:0 are ignored and ET is fixed at 1 on
     * processors since the Pentium 4 (SDM Vol. 3 2.5). */
    if (val >> 32) cpu_gp(c, 0);
    val = (val & CR0_VALID) | CR0_ET;
    if ((val & CR0_PG) && !(val & CR0_PE)) cpu_gp(c, 0);
    if ((val & CR0_NW) && !(val & CR0_CD)) cpu_gp(c, 0);
    if (!vmx_cr_allowed(c, 0, val)) cpu_gp(c, 0); /* SDM 24.8: VMX fixed bits */

    u64 old = c->cr0, efer = c->efer;
    if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
        /* Activating IA-32e mode needs PAE and a CS without L (SDM Vol. 3 10.8.5). */
        if (!(c->cr4 & CR4_PAE) || (c->seg[SEG_CS].ar & AR_L)) cpu_gp(c, 0);
        efer |= EFER_LMA;
    }
    if (!(val & CR0_PG) && (old & CR0_PG)) {
        /* Paging cannot be turned off in 64-bit mode or with PCIDs enabled; from
         * compatibility mode it leaves IA-32e mode (SDM Vol. 3 10.8.5.4). */
        if (c->mode == MODE_LONG || (c->cr4 & CR4_PCIDE)) cpu_gp(c, 0);
        efer &= ~(u64)EFER_LMA;
    }
    /* PAE paging in use afterwards and PG/CD/NW modified: load the PDPTEs (SDM Vol. 3
     * 4.4.1). */
    bool pae = (val & CR0_PG) && (c->cr4 & CR4_PAE) && !(efer & EFER_LMA);
    if (pae && ((old ^ val) & (CR0_PG | CR0_CD | CR0_NW)) && !paging_load_pdptes(c, c->cr3))
        cpu_gp(c, 0);

    c->cr0 = val;
    c->efer = efer;
    /* Translations and cached permissions depend on PG and WP: the current VPID's for all
     * PCIDs and EP4TAs (SDM Vol. 3 4.10.4.1, 29.4.3.1); then the set of the new mode. */
    if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
        tlb_invalidate(c, c->tlb_vpid, TLB_ANY, TLB_ANY, TLB_ANY, TLB_DROP_ALL);
        tlb_switch(c);
    }
    cpu_update_mode(c);
}

static void cr3_write(struct cpu *c, u64 val)
{
    bool noflush = false;
    if (c->efer & EFER_LMA) {
        /* With PCIDs, bit 63 asks not to flush the PCID's entries; it is not stored. Bits
         * 62:MAXPHYADDR are reserved (SDM Vol. 3 4.5.2, Vol. 2 MOV CR). */
        if (c->cr4 & CR4_PCIDE) noflush = val & BIT(63), val &= ~BIT(63);
        if (val & ~(BIT(cpu_phys_bits(c)) - 1)) cpu_gp(c, 0);
    } else {
        val &= 0xffffffffull;
    }
    if (paging_pae_legacy(c) && !paging_load_pdptes(c, val)) cpu_gp(c, 0);
    c->cr3 = val;
    /* SDM Vol. 3 4.10.4.1: the new PCID's (000H without PCIDs) non-global entries, unless
     * bit 63 was set with CR4.PCIDE; then the TLB set of the new PCID. -tlb flush drops
     * everything on every MOV CR3, bit 63 or not (README), as Bochs, which has no PCIDs. */
    if (!noflush || c->tlb_policy == TLB_FLUSH) tlb_flush_nonglobal(c);
    tlb_switch(c);
}

static void cr4_write(struct cpu *c, u64 val)
{
    u64 old = c->cr4;
    if (val & ~cr4_valid_bits(c)) cpu_gp(c, 0);
    if (!vmx_cr_allowed(c, 4, val)) cpu_gp(c, 0); /* SDM 24.8: VMXE and the fixed bits */
    if (c->efer & EFER_LMA) {
        /* IA-32e mode needs PAE, and the paging depth cannot change under it. */
        if (!(val & CR4_PAE) || ((old ^ val) & CR4_LA57)) cpu_gp(c, 0);
    }
    /* PCIDE may be set only in IA-32e mode with CR3[11:0] = 0 (SDM Vol. 3 4.10.1). */
    if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (!(c->efer & EFER_LMA) || (c->cr3 & 0xfff)))
        cpu_gp(c, 0);
    bool pae = (c->cr0 & CR0_PG) && (val & CR4_PAE) && !(c->efer & EFER_LMA);
    if (pae && ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) &&
        !paging_load_pdptes(c, c->cr3))
        cpu_gp(c, 0);

    c->cr4 = val;
    /* PGE and PCIDE changes drop all entries of all PCIDs (SDM Vol. 3 4.10.4.1), the others
     * change cached permissions: the current VPID's, all EP4TAs (29.4.3.1). */
    if ((old ^ val) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_PCIDE | CR4_SMEP | CR4_SMAP |
                       CR4_LA57 | CR4_PKE)) {
        tlb_invalidate(c, c->tlb_vpid, TLB_ANY, TLB_ANY, TLB_ANY, TLB_DROP_ALL);
        tlb_switch(c);
    }
    cpu_update_mode(c);
}

void cr_write(struct cpu *c, int n, u64 val)
{
    switch (n) {
    case 0: cr0_write(c, val); break;
    case 2: c->cr2 = val; break;
    case 3: cr3_write(c, val); break;
    case 4: cr4_write(c, val); break;
    case 8:
        /* CR8 bits 3:0 are TPR[7:4]; the rest reserved (SDM Vol. 3 11.8.6.1). */
        if (val >> 4) cpu_gp(c, 0);
        lapic_set_tpr(c, (u8)(val << 4));
        break;
    default: cpu_ud(c);
    }
}

static bool cr_exists(unsigned n)
{
    return n == 0 || n == 2 || n == 3 || n == 4 || n == 8;
}

/* MOV CR/DR use 64-bit operands in 64-bit mode and 32-bit ones elsewhere, whatever the
 * operand-size prefix says. */
static unsigned crdr_size(const struct cpu *c) { return c->mode == MODE_LONG ? 8 : 4; }

void op_mov_r_cr(struct cpu *c, const struct insn *i)
{
    if (!cr_exists(i->reg)) cpu_ud(c);
    require_cpl0(c);
    if (c->vmx_nonroot) vmx_intercept_mov_cr(c, i, false);
    u64 v;
    switch (i->reg) {
    case 0: v = c->cr0; break;
    case 2: v = c->cr2; break;
    case 3: v = c->cr3; break;
    case 4: v = c->cr4; break;
    default: v = lapic_get_tpr(c) >> 4; break;
    }
    if (c->vmx_nonroot) v = vmx_cr_read(c, i->reg, v); /* CR0/CR4 read shadows */
    reg_set(c, i->rm, crdr_size(c), v & size_mask(crdr_size(c)));
}

void op_mov_cr_r(struct cpu *c, const struct insn *i)
{
    if (!cr_exists(i->reg)) cpu_ud(c);
    require_cpl0(c);
    if (c->vmx_nonroot) vmx_intercept_mov_cr(c, i, true);
    u64 v = reg_get(c, i->rm, crdr_size(c));
    cr_write(c, i->reg, c->vmx_nonroot ? vmx_cr_write(c, i->reg, v) : v);
}

/* DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD); DR7.GD makes any access a #DB fault
 * with DR6.BD set (SDM Vol. 3 17.2.2, 17.2.4). */
static unsigned dr_index(struct cpu *c, unsigned n)
{
    if (n > 7) cpu_ud(c);
    require_cpl0(c);
    if (n == 4 || n == 5) {
        if (c->cr4 & CR4_DE) cpu_ud(c);
        n += 2;
    }
    if (c->dr[7] & DR7_GD) debug_raise(c, DR6_BD); /* delivery clears GD for the handler */
    return n;
}

void op_mov_r_dr(struct cpu *c, const struct insn *i)
{
    /* MOV-DR exiting beats the CPL #GP and the CR4.DE #UD (SDM Vol. 3 26.1.3). */
    if (c->vmx_nonroot && i->reg <= 7) vmx_intercept_mov_dr(c, i, false);
    unsigned n = dr_index(c, i->reg);
    reg_set(c, i->rm, crdr_size(c), c->dr[n] & size_mask(crdr_size(c)));
}

void op_mov_dr_r(struct cpu *c, const struct insn *i)
{
    if (c->vmx_nonroot && i->reg <= 7) vmx_intercept_mov_dr(c, i, true); /* as above */
    unsigned n = dr_index(c, i->reg);
    u64 v = reg_get(c, i->rm, crdr_size(c));
    if (n >= 6 && (v >> 32)) cpu_gp(c, 0); /* DR6/DR7[63:32] are reserved */
    if (n == 6) v = (v & 0xe00f) | 0xffff0ff0;       /* fixed bits of DR6 (Figure 17-1) */
    else if (n == 7) v = (v & 0xffff23ff) | 0x400;   /* fixed bits of DR7 */
    c->dr[n] = v;
    debug_dr_written(c);
    c->stop_block = true; /* breakpoints may change */
}

void op_clts(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    if (c->vmx_nonroot) vmx_intercept_clts(c, i);
    /* Non-root: a host-owned CR0.TS keeps its value (SDM 26.3 CLTS). */
    u64 v = c->cr0 & ~(u64)CR0_TS;
    c->cr0 = c->vmx_nonroot ? vmx_cr_write(c, 0, v) : v;
}

/* LMSW loads CR0[3:0] but cannot clear PE (SDM Vol. 2 LMSW). */
void op_lmsw(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    u64 src = rm_read(c, i, 2);
    if (c->vmx_nonroot) vmx_intercept_lmsw(c, i, (u16)src);
    u64 v = (c->cr0 & ~0xeull) | (src & 0xf) | (c->cr0 & CR0_PE);
    cr_write(c, 0, c->vmx_nonroot ? vmx_cr_write(c, 0, v) : v); /* host-owned bits stay (SDM 26.3) */
}

/* SMSW: a register destination gets as much of CR0 as the operand size holds; memory
 * gets 16 bits (SDM Vol. 2 SMSW). */
void op_smsw(struct cpu *c, const struct insn *i)
{
    umip_check(c);
    if (i->mod == 3) reg_set(c, i->rm, i->opsz, c->cr0 & size_mask(i->opsz));
    else rm_write(c, i, 2, c->cr0 & 0xffff);
}
