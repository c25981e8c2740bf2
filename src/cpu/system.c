/* The system-instruction family: its opcode table, the group opcodes that mix system and
 * other instructions (0F 00, 0F 01, 0F AE, 0F C7), and the small system instructions
 * (HLT, INVLPG, INVPCID, cache control, hint NOPs, CPUID, RDTSC/RDTSCP, RDPMC,
 * RDRAND/RDSEED/RDPID, FS/GS base, MONITOR/MWAIT, CLAC/STAC, UD0/1/2, RSM).
 * Control registers live in ctrlreg.c, descriptor tables in dtables.c, fast system calls
 * in syscall.c. */
#include "cpumodel.h"
#include "msr.h"
#include "sysinsn.h"
#include "sysreg.h"
#include "xsave.h"
#include "../vmx/intercept.h"
#include "../vmx/vmx.h"

/* --- HLT, TLB and cache control --------------------------------------------------- */

static void op_hlt(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    if (c->vmx_nonroot) vmx_intercept_hlt(c, i);
    c->halted = true; /* the executor resumes at next_rip on an event (SDM Vol. 2 HLT) */
}

/* INVLPG never faults on its address; a non-canonical address is a no-op (SDM Vol. 2).
 * Canonical for the processor: a 5-level address can be invalidated under 4-level
 * paging (cpu.h). */
static void op_invlpg(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    u64 ea = insn_ea(c, i);
    u64 lin;
    if (c->mode == MODE_LONG) lin = ea + (i->seg >= SEG_FS ? c->seg[i->seg].base : 0);
    else lin = (c->seg[i->seg].base + ea) & 0xffffffffull;
    if (c->vmx_nonroot) vmx_intercept_invlpg(c, i, lin);
    if (c->mode == MODE_LONG && !cpu_is_canonical_max(c, lin)) return;
    tlb_flush_page(c, lin);
}

/* INVPCID (66 0F 38 82): types 0-3 (SDM Vol. 2 INVPCID), for the current VPID and all
 * EP4TAs (29.4.3.1): one address of a PCID and one PCID without globals, all PCIDs with
 * and without globals. */
static void op_invpcid(struct cpu *c, const struct insn *i)
{
    /* 66 and a memory operand are the row's; CPUID.7:EBX.INVPCID the row's feature. */
    if (c->mode == MODE_V86) cpu_ud(c);
    if (c->vmx_nonroot) vmx_intercept_invpcid(c, i);
    require_cpl0(c);
    u64 type = reg_get(c, i->reg, c->mode == MODE_LONG ? 8 : 4);
    u64 ea = insn_ea(c, i);
    u64 lo = seg_read(c, i->seg, ea, 8);
    u64 hi = seg_read(c, i->seg, (ea + 8) & size_mask(i->adsz), 8);
    u64 pcid = lo & 0xfff;
    if (type > 3 || (lo >> 12)) cpu_gp(c, 0);
    if (type <= 1 && pcid && !(c->cr4 & CR4_PCIDE)) cpu_gp(c, 0);
    switch (type) {
    case 0:
        if (!cpu_is_canonical_max(c, hi)) cpu_gp(c, 0); /* for the processor (cpu.h) */
        tlb_invalidate(c, c->tlb_vpid, pcid, TLB_ANY, hi, TLB_KEEP_GLOBAL);
        break;
    case 1: tlb_invalidate(c, c->tlb_vpid, pcid, TLB_ANY, TLB_ANY, TLB_KEEP_GLOBAL); break;
    case 2: tlb_invalidate(c, c->tlb_vpid, TLB_ANY, TLB_ANY, TLB_ANY, TLB_DROP_ALL); break;
    default: tlb_invalidate(c, c->tlb_vpid, TLB_ANY, TLB_ANY, TLB_ANY, TLB_KEEP_GLOBAL); break;
    }
}

/* WBINVD/INVD: no caches are modelled; CPL 0 only. */
static void op_wbinvd(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    if (c->vmx_nonroot) (i->op == 0x08 ? vmx_intercept_invd : vmx_intercept_wbinvd)(c, i);
}

/* CLFLUSH/CLFLUSHOPT check the byte like a read, without touching it (SDM Vol. 2). */
static void clflush(struct cpu *c, const struct insn *i, enum feature f)
{
    if (!cpu_has(c, f)) cpu_ud(c);
    u64 lin = seg_check(c, i->seg, insn_ea(c, i), 1, ACC_READ);
    u64 pa;
    lin_translate(c, lin, ACC_READ, &pa);
}

/* Prefetches (0F 0D, 0F 18 /0-3) and the reserved-NOP space 0F 19-1F: no architectural
 * effect, never fault (SDM Vol. 2 PREFETCHh, NOP). */
static void op_hint_nop(struct cpu *c, const struct insn *i) { (void)c; (void)i; }
/* The same, threaded without a sync: the kernel's padding and patched-out call sites run
 * millions of them (0F 1F). */
FAST_REG(f_hint_nop)
{
    (void)c;
    (void)i;
}
const struct fast_handler *const fast_nop = f_hint_nop;

const struct fast_handler *system_specialize(const struct insn *i, bool long_mode)
{
    (void)long_mode;
    return i->fn == op_hint_nop ? f_hint_nop : NULL;
}

static void op_rsm(struct cpu *c, const struct insn *i)
{
    (void)i;
    cpu_ud(c); /* never in SMM */
}

/* --- Identification, time, random numbers ------------------------------------------ */

static void op_cpuid(struct cpu *c, const struct insn *i)
{
    if (c->vmx_nonroot) vmx_intercept_cpuid(c, i);
    u32 r[4];
    cpuid_query(c, (u32)c->r[RAX], (u32)c->r[RCX], r);
    reg_set(c, RAX, 4, r[0]);
    reg_set(c, RBX, 4, r[1]);
    reg_set(c, RCX, 4, r[2]);
    reg_set(c, RDX, 4, r[3]);
}

/* CR4.TSD restricts the time-stamp counter to CPL 0 (SDM Vol. 3 18.17.1). */
static u64 read_tsc(struct cpu *c)
{
    if ((c->cr4 & CR4_TSD) && c->cpl != 0) cpu_gp(c, 0);
    return cpu_tsc_read(c);
}

static void op_rdtsc(struct cpu *c, const struct insn *i)
{
    u64 t = read_tsc(c);
    if (c->vmx_nonroot) t = (vmx_intercept_rdtsc(c, i, false), vmx_tsc(c, t));
    reg_set(c, RAX, 4, (u32)t);
    reg_set(c, RDX, 4, t >> 32);
}

static void op_rdtscp(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, FEAT_RDTSCP)) cpu_ud(c);
    if (c->vmx_nonroot) vmx_intercept_rdtsc(c, i, true);
    u64 t = read_tsc(c);
    if (c->vmx_nonroot) t = vmx_tsc(c, t);
    reg_set(c, RAX, 4, (u32)t);
    reg_set(c, RDX, 4, t >> 32);
    reg_set(c, RCX, 4, (u32)c->tsc_aux);
}

/* No performance counters are offered (CPUID leaf 0AH is zero), so every counter number
 * is invalid: #GP(0) whatever CR4.PCE says (SDM Vol. 2 RDPMC). */
static void op_rdpmc(struct cpu *c, const struct insn *i)
{
    /* The CPL/CR4.PCE fault has priority over RDPMC exiting (SDM Vol. 3 26.1.1). */
    if (c->cpl != 0 && !(c->cr4 & CR4_PCE)) cpu_gp(c, 0);
    if (c->vmx_nonroot) vmx_intercept_rdpmc(c, i);
    cpu_gp(c, 0);
}

/* RDRAND/RDSEED: deterministic xorshift64* so runs repeat exactly; always succeed. */
static u64 next_random(struct cpu *c)
{
    u64 x = c->rdrand_state;
    if (!x) x = 0x9e3779b97f4a7c15ull ^ (u64)(c->index + 1);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rdrand_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void rdrand(struct cpu *c, const struct insn *i, enum feature f)
{
    if (!cpu_has(c, f)) cpu_ud(c);
    if (c->vmx_nonroot) vmx_intercept_rdrand(c, i, f == FEAT_RDSEED);
    reg_set(c, i->rm, i->opsz, next_random(c) & size_mask(i->opsz));
    /* CF = 1 (data valid); OF, SF, ZF, AF, PF = 0 (SDM Vol. 2 RDRAND). */
    cpu_set_rflags(c, (cpu_get_rflags(c) & ~(u64)FL_ARITH) | FL_CF);
}

static void op_rdpid(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, FEAT_RDPID)) cpu_ud(c);
    if (c->vmx_nonroot) vmx_intercept_rdpid(c);
    reg_set(c, i->rm, c->mode == MODE_LONG ? 8 : 4, (u32)c->tsc_aux);
}

/* 0F C7 /6 and /7: register forms are RDRAND, RDSEED, RDPID; memory forms are VMX
 * (VMPTRLD, VMCLEAR, VMXON, VMPTRST: src/vmx/vmxon.c). */
static void op_grp9_6(struct cpu *c, const struct insn *i)
{
    if (i->mod != 3) {
        vmx_op_grp9(c, i);
        return;
    }
    if (i->rep) cpu_ud(c);
    rdrand(c, i, FEAT_RDRAND);
}

static void op_grp9_7(struct cpu *c, const struct insn *i)
{
    if (i->mod != 3) {
        vmx_op_grp9(c, i);
        return;
    }
    if (i->rep == 0xf3) op_rdpid(c, i);
    else if (i->rep) cpu_ud(c);
    else rdrand(c, i, FEAT_RDSEED);
}

/* --- FS/GS base, fences (0F AE) ------------------------------------------------------ */

/* RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE: 64-bit mode with CR4.FSGSBASE (SDM Vol. 2). */
static void fsgsbase(struct cpu *c, const struct insn *i)
{
    if (c->mode != MODE_LONG || !(c->cr4 & CR4_FSGSBASE)) cpu_ud(c);
    unsigned slot = (i->modrm >> 3) & 7;
    int seg = (slot & 1) ? SEG_GS : SEG_FS;
    unsigned size = i->opsz == 8 ? 8 : 4;
    if (slot < 2) {
        reg_set(c, i->rm, size, c->seg[seg].base & size_mask(size));
        return;
    }
    u64 v = reg_get(c, i->rm, size);
    if (!cpu_is_canonical_max(c, v)) cpu_gp(c, 0); /* a segment base: for the processor */
    c->seg[seg].base = v;
}

static void op_grp15(struct cpu *c, const struct insn *i)
{
    unsigned slot = (i->modrm >> 3) & 7;
    if (i->mod == 3) {
        if (i->rep == 0xf3 && slot < 4) fsgsbase(c, i);
        else if (!i->rep && !i->p66 && slot >= 5) return; /* LFENCE, MFENCE, SFENCE */
        else cpu_ud(c);
        return;
    }
    if (i->rep) cpu_ud(c);
    switch (slot) {
    case 0: op_fxsave(c, i); break;
    case 1: op_fxrstor(c, i); break;
    case 2: op_ldmxcsr(c, i); break;
    case 3: op_stmxcsr(c, i); break;
    case 4: op_xsave(c, i); break;
    case 5: op_xrstor(c, i); break;
    case 6:
        if (i->p66) cpu_ud(c); /* CLWB is not offered */
        op_xsaveopt(c, i);
        break;
    case 7: clflush(c, i, i->p66 ? FEAT_CLFLUSHOPT : FEAT_CLFSH); break;
    }
}

/* --- 0F 01 ----------------------------------------------------------------------------- */

static bool monitor_enabled(const struct cpu *c)
{
    return cpu_has(c, FEAT_MONITOR) && (c->misc_enable & MISC_ENABLE_MONITOR);
}

/* MONITOR checks its address like a byte read and arms the monitor. MWAIT is a NOP that
 * disarms it: the SDM allows it to return at any time, and no wake-up on a store to the
 * monitored line is modelled, so waiting could never end safely (SDM Vol. 2 MWAIT, Vol. 3
 * 9.10.4). The armed state is what a VM exit on MWAIT reports in its qualification. */
static void monitor_mwait(struct cpu *c, const struct insn *i, bool mwait)
{
    if (!monitor_enabled(c) || c->cpl != 0) cpu_ud(c);
    if (c->vmx_nonroot) (mwait ? vmx_intercept_mwait : vmx_intercept_monitor)(c, i);
    if (mwait) {
        if (c->r[RCX] & ~1ull & size_mask(4)) cpu_gp(c, 0); /* only "interrupt as break" */
        c->monitor_armed = false;
        return;
    }
    if ((u32)c->r[RCX]) cpu_gp(c, 0); /* no MONITOR extensions */
    int seg = i->seg_override ? i->seg : SEG_DS;
    u64 lin = seg_check(c, seg, c->r[RAX] & size_mask(i->adsz), 1, ACC_READ);
    u64 pa;
    lin_translate(c, lin, ACC_READ, &pa);
    c->monitor_armed = true;
}

/* CLAC/STAC: SMAP's override flag, CPL 0 only. The supervisor TLB entries for user pages
 * that AC allowed go when it is cleared, as with POPF (state.c, SDM Vol. 3 4.6.1). */
static void set_ac(struct cpu *c, bool on)
{
    if (!cpu_has(c, FEAT_SMAP) || c->cpl != 0) cpu_ud(c);
    u64 fl = cpu_get_rflags(c);
    cpu_set_rflags(c, on ? fl | FL_AC : fl & ~(u64)FL_AC);
}

/* Descriptor-table exiting (SDM 26.1.3): after the checks with priority over VM exits
 * (#UD in real/v86 mode and for a register operand, CPL, UMIP). */
static void dtr_intercept(struct cpu *c, const struct insn *i, unsigned slot)
{
    if (slot >= 2) require_cpl0(c);
    else umip_check(c);
    vmx_intercept_dtr(c, i, slot); /* 0 SGDT, 1 SIDT, 2 LGDT, 3 LIDT */
}
static void ldtr_intercept(struct cpu *c, const struct insn *i, unsigned slot)
{
    if (c->mode == MODE_REAL || c->mode == MODE_V86) cpu_ud(c);
    if (slot >= 2) require_cpl0(c);
    else umip_check(c);
    vmx_intercept_ldtr_tr(c, i, slot); /* 0 SLDT, 1 STR, 2 LLDT, 3 LTR */
}

/* GETSEC (0F 37): #UD unless CR4.SMXE; exits unconditionally in VMX non-root operation
 * (SDM 26.1.2). No SMX leaf is implemented. */
static void op_getsec(struct cpu *c, const struct insn *i)
{
    if (!(c->cr4 & CR4_SMXE)) cpu_ud(c);
    if (c->vmx_nonroot) vmx_intercept_getsec(c, i);
    cpu_unimplemented(c, i);
}

static void op_grp7(struct cpu *c, const struct insn *i)
{
    unsigned slot = (i->modrm >> 3) & 7, sub = i->modrm & 7;
    if (i->mod != 3) {
        if (c->vmx_nonroot && slot <= 3) dtr_intercept(c, i, slot);
        switch (slot) {
        case 0: op_sgdt(c, i); return;
        case 1: op_sidt(c, i); return;
        case 2: op_lgdt(c, i); return;
        case 3: op_lidt(c, i); return;
        case 4: op_smsw(c, i); return;
        case 6: op_lmsw(c, i); return;
        case 7: op_invlpg(c, i); return;
        default: cpu_ud(c);
        }
    }
    switch (slot << 3 | sub) {
    case 0 << 3 | 1: case 0 << 3 | 2: case 0 << 3 | 3: case 0 << 3 | 4: case 2 << 3 | 4:
        vmx_op_grp7(c, i); /* VMCALL VMLAUNCH VMRESUME VMXOFF VMFUNC */
        return;
    case 1 << 3 | 0: monitor_mwait(c, i, false); return;
    case 1 << 3 | 1: monitor_mwait(c, i, true); return;
    case 1 << 3 | 2: set_ac(c, false); return;
    case 1 << 3 | 3: set_ac(c, true); return;
    /* /2 D0, D1: XGETBV, XSETBV (xsave.c; XSETBV exits in VMX non-root operation) */
    case 2 << 3 | 0: op_xgetbv(c, i); return;
    case 2 << 3 | 1: op_xsetbv(c, i); return;
    case 7 << 3 | 0: op_swapgs(c, i); return;
    case 7 << 3 | 1: op_rdtscp(c, i); return;
    }
    if (slot == 4) op_smsw(c, i);
    else if (slot == 6) op_lmsw(c, i);
    else cpu_ud(c);
}

static void op_grp6(struct cpu *c, const struct insn *i)
{
    unsigned slot = (i->modrm >> 3) & 7;
    if (c->vmx_nonroot && slot <= 3) ldtr_intercept(c, i, slot);
    switch (slot) {
    case 0: op_sldt(c, i); break;
    case 1: op_str(c, i); break;
    case 2: op_lldt(c, i); break;
    default: op_ltr(c, i); break;
    }
}

#define E OPF_ENDBLOCK
#define M OPF_MODRM
#define CRDR (OPF_MODRM | OPF_CRDR)
const struct opdef system_ops[] = {
    {MAP_1B, 0xf4, -1, E, op_hlt},
    {MAP_0F, 0x00, 0, M, op_grp6}, {MAP_0F, 0x00, 1, M, op_grp6},
    {MAP_0F, 0x00, 2, M | E, op_grp6}, {MAP_0F, 0x00, 3, M | E, op_grp6},
    {MAP_0F, 0x01, -1, M | E, op_grp7},
    {MAP_0F, 0x05, -1, E, op_syscall},
    {MAP_0F, 0x06, -1, 0, op_clts},
    {MAP_0F, 0x07, -1, E, op_sysret},
    {MAP_0F, 0x08, -1, 0, op_wbinvd}, /* INVD */
    {MAP_0F, 0x09, -1, 0, op_wbinvd},
    {MAP_0F, 0x0b, -1, 0, op_ud},     /* UD2 */
    {MAP_0F, 0x0d, -1, M, op_hint_nop},
    {MAP_0F, 0x18, -1, M, op_hint_nop}, {MAP_0F, 0x19, -1, M, op_hint_nop},
    {MAP_0F, 0x1a, -1, M, op_hint_nop}, {MAP_0F, 0x1b, -1, M, op_hint_nop},
    {MAP_0F, 0x1c, -1, M, op_hint_nop}, {MAP_0F, 0x1d, -1, M, op_hint_nop},
    {MAP_0F, 0x1e, -1, M, op_hint_nop}, {MAP_0F, 0x1f, -1, M, op_hint_nop},
    {MAP_0F, 0x20, -1, CRDR, op_mov_r_cr},
    {MAP_0F, 0x21, -1, CRDR, op_mov_r_dr},
    {MAP_0F, 0x22, -1, CRDR | E, op_mov_cr_r},
    {MAP_0F, 0x23, -1, CRDR | E, op_mov_dr_r},
    {MAP_0F, 0x31, -1, 0, op_rdtsc},
    {MAP_0F, 0x33, -1, 0, op_rdpmc},
    {MAP_0F, 0x34, -1, E, op_sysenter},
    {MAP_0F, 0x35, -1, E, op_sysexit},
    {MAP_0F, 0x37, -1, E, op_getsec},
    {MAP_0F, 0xa2, -1, 0, op_cpuid},
    {MAP_0F, 0xaa, -1, 0, op_rsm},
    {MAP_0F, 0xae, -1, M, op_grp15},
    {MAP_0F, 0xb9, -1, M, op_ud},     /* UD1 */
    {MAP_0F, 0xc7, 6, M, op_grp9_6},
    {MAP_0F, 0xc7, 7, M, op_grp9_7},
    {MAP_0F, 0xff, -1, M, op_ud},     /* UD0 */
    {MAP_0F38, 0x82, -1, M, op_invpcid, .pfx = PFX_66, .mod = MOD_MEM, .feat = NEEDS(FEAT_INVPCID)},
    {.fn = NULL},
};
#undef E
#undef M
#undef CRDR
