/* Processor mode bookkeeping and the power-on / INIT state. */
#include "../machine/machine.h"
#include "cpu.h"
#include "../vmx/vmx.h"

void cpu_update_mode(struct cpu *c)
{
    const struct seg *cs = &c->seg[SEG_CS], *ss = &c->seg[SEG_SS];
    if (!(c->cr0 & CR0_PE)) {
        c->mode = MODE_REAL;
        c->cpl = 0;
    } else if (c->efer & EFER_LMA) {
        c->mode = (cs->ar & AR_L) ? MODE_LONG : MODE_COMPAT;
    } else if (c->rflags & FL_VM) {
        c->mode = MODE_V86;
        c->cpl = 3;
    } else {
        c->mode = MODE_PROT;
    }
    if (c->mode == MODE_LONG) {
        c->code_size = 8;
        c->stack_size = 8;
    } else {
        /* Real mode keeps using the cached D/B bits ("unreal" code and stacks). */
        c->code_size = (c->mode != MODE_V86 && (cs->ar & AR_DB)) ? 4 : 2;
        c->stack_size = (c->mode != MODE_V86 && (ss->ar & AR_DB)) ? 4 : 2;
    }
    /* VEX does not exist in real and virtual-8086 mode (SDM Vol. 2 2.3.2): C4/C5 decode
     * as LES/LDS there even in code that also runs in 16-bit protected mode. */
    c->decode_key = (u8)(c->code_size |
                         (c->mode == MODE_REAL || c->mode == MODE_V86 ? DECODE_NO_VEX : 0));
    c->tlb = c->cpl == 3 ? c->tlb_user : c->tlb_super;
    c->jc = c->cpl == 3 ? c->jc_user : c->jc_super;
    /* SDM Vol. 3 6.15 #AC: alignment checking needs CR0.AM, EFLAGS.AC and CPL 3. */
    c->align_check = c->cpl == 3 && (c->cr0 & CR0_AM) && (c->rflags & FL_AC);
    c->seg_fast = c->mode == MODE_LONG && !c->align_check;
    /* With SMAP, supervisor TLB entries for user pages need EFLAGS.AC = 1 (SDM Vol. 3
     * 4.6.1): drop them when AC returns to 0. None exist while it is 0. */
    bool ac = c->rflags & FL_AC;
    if ((c->cr4 & CR4_SMAP) && c->tlb_ac && !ac) tlb_smap_ac_cleared(c);
    c->tlb_ac = ac;
    c->stop_block = true;
}

static void set_seg(struct seg *s, u16 sel, u64 base, u32 limit, u32 ar)
{
    s->sel = sel;
    s->base = base;
    s->limit = limit;
    s->ar = ar;
}

/* SDM Vol. 3 10.1.1, Table 10-1: state after power-on (RESET) and INIT. INIT leaves the
 * x87/SSE state, MSRs and MTRRs alone. */
void cpu_reset(struct cpu *c, bool init_only)
{
    memset(c->r, 0, sizeof c->r);
    u32 id[4];
    cpuid_query(c, 1, 0, id);
    c->r[RDX] = id[0]; /* the processor signature, as CPUID.1:EAX reports it */
    c->rip = c->next_rip = 0xfff0;
    c->lf.op = 0;
    c->rflags = FL_FIXED1;
    set_seg(&c->seg[SEG_CS], 0xf000, 0xffff0000, 0xffff, 0x9b);
    for (int s = 0; s < 6; s++)
        if (s != SEG_CS) set_seg(&c->seg[s], 0, 0, 0xffff, 0x93);
    set_seg(&c->seg[SEG_LDTR], 0, 0, 0xffff, 0x82);
    set_seg(&c->seg[SEG_TR], 0, 0, 0xffff, 0x8b);
    c->gdtr.base = c->idtr.base = 0;
    c->gdtr.limit = c->idtr.limit = 0xffff;
    c->cr0 = 0x60000010; /* CD, NW, ET */
    c->cr2 = c->cr3 = c->cr4 = c->cr8 = 0;
    c->xcr0 = 1;
    c->xss = 0;
    memset(c->dr, 0, sizeof c->dr);
    c->dr[6] = 0xffff0ff0;
    c->dr[7] = 0x400;
    c->efer = 0;
    c->cpl = 0;
    c->interrupt_shadow = false;
    c->nmi_pending = c->nmi_blocked = c->smi_pending = false;
    c->halted = c->shutdown = c->shutdown_until_reset = false;
    c->delivering = -1;
    c->check_events = true;
    c->kernel_gs_base = c->star = c->lstar = c->cstar = c->sfmask = 0;
    c->sysenter_cs = c->sysenter_esp = c->sysenter_eip = 0;
    if (!init_only) {
        c->pat = 0x0007040600070406ull;
        c->tsc_offset = 0;
        c->tsc_aux = 0;
        c->feature_control = 0;
        c->misc_enable = 1; /* fast strings */
        c->debugctl = 0;
        /* Machine-check and power MSRs: undefined at power-up, kept by INIT (Table 10-1). */
        c->mcg_status = c->perf_ctl = c->clock_modulation = c->therm_interrupt = 0;
        memset(c->mc_ctl, 0, sizeof c->mc_ctl);
        memset(c->mc_ctl2, 0, sizeof c->mc_ctl2);
        c->mtrr_def_type = 0;
        memset(c->mtrr_fixed, 0, sizeof c->mtrr_fixed);
        memset(c->mtrr_var, 0, sizeof c->mtrr_var);
        memset(&c->fpu, 0, sizeof c->fpu);
        /* FCW 0x0040 at power-on, MXCSR 0x1f80 (Table 10-1). */
        c->fpu.fxsave[0] = 0x40;
        c->fpu.fxsave[24] = 0x80;
        c->fpu.fxsave[25] = 0x1f;
        c->apic_base = 0xfee00000ull | BIT(11) | (c->index == 0 ? BIT(8) : 0);
        c->rdrand_state = c->m->rng_seed * 0x9e3779b97f4a7c15ull + (u64)c->index + 1;
        c->wait_for_sipi = c->index != 0;
    }
    if (!init_only) vmx_reset(c); /* reset leaves VMX operation; INIT is blocked in it */
    if (c->lapic) lapic_reset(c->lapic, init_only);
    tlb_flush_all(c);
    cpu_update_mode(c);
}
