/* Fast system calls: SYSCALL/SYSRET (64-bit mode only on Intel), SYSENTER/SYSEXIT and
 * SWAPGS. Each loads flat CS/SS caches from MSRs without reading descriptors (SDM Vol. 2
 * SYSCALL, SYSRET, SYSENTER, SYSEXIT, SWAPGS). */
#include "sysinsn.h"

/* Flat 4-GByte segment caches in the VMX access-rights layout (SDM Vol. 3 24.4.1). */
static void load_flat(struct seg *s, u16 sel, unsigned type, unsigned dpl, bool code64)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->ar = type | AR_S | (u32)dpl << AR_DPL_SHIFT | AR_P | AR_G | (code64 ? AR_L : AR_DB);
}

static void enter_flat(struct cpu *c, u16 cs, u16 ss, unsigned cpl, bool code64, u64 rip)
{
    load_flat(&c->seg[SEG_CS], cs, 0xb, cpl, code64); /* execute/read, accessed */
    load_flat(&c->seg[SEG_SS], ss, 0x3, cpl, false);  /* read/write, accessed */
    c->cpl = (u8)cpl;
    c->next_rip = rip;
    cpu_update_mode(c);
}

/* SYSCALL and SYSRET exist only in 64-bit mode with EFER.SCE on Intel processors. */
static void syscall_mode_check(struct cpu *c)
{
    if (c->mode != MODE_LONG || !(c->efer & EFER_SCE)) cpu_ud(c);
}

void op_syscall(struct cpu *c, const struct insn *i)
{
    (void)i;
    syscall_mode_check(c);
    u64 fl = cpu_get_rflags(c);
    c->r[RCX] = c->next_rip;
    c->r[R11] = fl;
    u16 sel = (u16)(c->star >> 32);
    enter_flat(c, sel & 0xfffc, (u16)(sel + 8), 0, true, c->lstar);
    cpu_set_rflags(c, (fl & ~c->sfmask & ~(u64)FL_RF) | FL_FIXED1);
}

void op_sysret(struct cpu *c, const struct insn *i)
{
    syscall_mode_check(c);
    require_cpl0(c);
    bool to64 = i->opsz == 8;
    /* Intel checks RCX before leaving ring 0, so the #GP is taken at CPL 0. */
    if (to64 && !cpu_is_canonical(c, c->r[RCX])) cpu_gp(c, 0);
    u16 base = (u16)(c->star >> 48);
    u64 rip = to64 ? c->r[RCX] : (u32)c->r[RCX];
    u16 cs = (u16)((to64 ? base + 16 : base) | 3);
    enter_flat(c, cs, (u16)((base + 8) | 3), 3, to64, rip);
    cpu_set_rflags(c, (c->r[R11] & 0x3c7fd7) | FL_FIXED1);
}

void op_sysenter(struct cpu *c, const struct insn *i)
{
    (void)i;
    if (c->mode == MODE_REAL || !(c->sysenter_cs & 0xfffc)) cpu_gp(c, 0);
    bool ia32e = c->efer & EFER_LMA;
    u16 cs = (u16)(c->sysenter_cs & 0xfffc);
    u64 fl = cpu_get_rflags(c) & ~(u64)(FL_VM | FL_IF | FL_RF);
    c->r[RSP] = ia32e ? c->sysenter_esp : (u32)c->sysenter_esp;
    cpu_set_rflags(c, fl);
    enter_flat(c, cs, (u16)(cs + 8), 0, ia32e, ia32e ? c->sysenter_eip : (u32)c->sysenter_eip);
}

void op_sysexit(struct cpu *c, const struct insn *i)
{
    if (c->mode == MODE_REAL || !(c->sysenter_cs & 0xfffc) || c->cpl != 0) cpu_gp(c, 0);
    bool to64 = i->opsz == 8;
    if (to64 && (!cpu_is_canonical(c, c->r[RCX]) || !cpu_is_canonical(c, c->r[RDX])))
        cpu_gp(c, 0);
    u16 cs = (u16)((c->sysenter_cs + (to64 ? 32 : 16)) | 3);
    c->r[RSP] = to64 ? c->r[RCX] : (u32)c->r[RCX];
    enter_flat(c, cs, (u16)(cs + 8), 3, to64, to64 ? c->r[RDX] : (u32)c->r[RDX]);
}

void op_swapgs(struct cpu *c, const struct insn *i)
{
    (void)i;
    if (c->mode != MODE_LONG) cpu_ud(c);
    require_cpl0(c);
    u64 t = c->seg[SEG_GS].base;
    c->seg[SEG_GS].base = c->kernel_gs_base;
    c->kernel_gs_base = t;
}
