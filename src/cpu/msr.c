/* RDMSR/WRMSR and the architectural MSRs of the processor core (SDM Vol. 4 chapter 2,
 * Table 2-2). MTRRs and PAT live in mtrr.c; the local APIC's MSRs are forwarded to it.
 * An MSR exists only if the model offers the feature it belongs to. */
#include "../machine/machine.h"
#include "cpumodel.h"
#include "insn.h"
#include "msr.h"
#include "xsave.h"
#include "../vmx/intercept.h"

/* MSR modules tried in order; the VMX capability MSRs join this list. */
static const struct msr_range *const modules[] = {core_msrs, mtrr_msrs, mca_msrs, pm_msrs,
                                                   vmx_msrs, lbr_msrs};

static const struct msr_range *find(u32 index)
{
    for (size_t m = 0; m < ARRAY_LEN(modules); m++)
        for (const struct msr_range *r = modules[m]; r->read; r++)
            if (index >= r->first && index <= r->last) return r;
    return NULL;
}

bool msr_read(struct cpu *c, u32 index, u64 *val)
{
    const struct msr_range *r = find(index);
    *val = 0;
    return r && r->read(c, index, val);
}

bool msr_write(struct cpu *c, u32 index, u64 val)
{
    const struct msr_range *r = find(index);
    return r && r->write && r->write(c, index, val);
}

/* NX disappears when MISC_ENABLE.XD_DISABLE is set (SDM Vol. 4 Table 2-2, bit 34). */
static bool nx_available(const struct cpu *c)
{
    return cpu_has(c, FEAT_NX) && !(c->misc_enable & MISC_ENABLE_XD_DISABLE);
}

static u64 efer_valid_bits(const struct cpu *c)
{
    u64 v = 0;
    if (cpu_has(c, FEAT_LM)) v |= EFER_SCE | EFER_LME | EFER_LMA;
    if (nx_available(c)) v |= EFER_NXE;
    return v;
}

/* Writes to EFER (SDM Vol. 3 2.2.1, Vol. 4 Table 2-2): reserved bits and changing LME
 * while paging is enabled raise #GP; LMA is read-only (set by MOV CR0). */
static bool efer_write(struct cpu *c, u64 val)
{
    if (val & ~efer_valid_bits(c)) return false;
    if ((c->cr0 & CR0_PG) && ((val ^ c->efer) & EFER_LME)) return false;
    val = (val & ~(u64)EFER_LMA) | (c->efer & EFER_LMA);
    u64 old = c->efer;
    c->efer = val;
    if ((old ^ val) & EFER_NXE) tlb_flush_all(c); /* cached execute permissions change */
    cpu_update_mode(c);
    return true;
}

static bool misc_enable_write(struct cpu *c, u64 val)
{
    const u64 ro = MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL | MISC_ENABLE_PERF_MON;
    /* Bit 3 always; 16 and 23 where CPUID reports EIST and xTPR (SDM Vol. 4 Table 2-2). */
    u64 rw = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_TCC | MISC_ENABLE_LIMIT_CPUID;
    if (cpu_has(c, FEAT_EIST)) rw |= MISC_ENABLE_EIST;
    if (cpu_has(c, FEAT_XTPR)) rw |= MISC_ENABLE_XTPR_DISABLE;
    if (features_has(&cpu_model_of(c)->hw, FEAT_MONITOR) && cpu_has(c, FEAT_MONITOR))
        rw |= MISC_ENABLE_MONITOR;
    if (cpu_has(c, FEAT_NX)) rw |= MISC_ENABLE_XD_DISABLE;
    if (val & ~(rw | ro)) return false;
    c->misc_enable = val & rw;
    return true;
}

static bool apic_base_write(struct cpu *c, u64 val)
{
    u64 valid = APIC_BASE_BSP | APIC_BASE_EN | ((BIT(cpu_phys_bits(c)) - 1) & ~0xfffull);
    if (cpu_has(c, FEAT_X2APIC)) valid |= APIC_BASE_EXTD;
    if (val & ~valid) return false;
    /* The BSP flag reflects the processor's role: writes do not change it. */
    val = (val & ~APIC_BASE_BSP) | (c->apic_base & APIC_BASE_BSP);
    return lapic_set_base(c, val);
}

static bool core_read(struct cpu *c, u32 index, u64 *val)
{
    const struct cpu_model *m = cpu_model_of(c);
    switch (index) {
    case MSR_TSC: *val = cpu_tsc_read(c); return true;
    case MSR_PLATFORM_ID: *val = (u64)m->platform_id << 50; return true;
    case MSR_APIC_BASE: *val = c->apic_base; return cpu_has(c, FEAT_APIC);
    case MSR_FEATURE_CONTROL: *val = c->feature_control; return true;
    case MSR_SPEC_CTRL: *val = c->spec_ctrl; return cpu_has(c, FEAT_SPEC_CTRL);
    case MSR_BIOS_SIGN_ID: *val = (u64)m->ucode_rev << 32; return true;
    case MSR_ARCH_CAPABILITIES:
        *val = m->arch_capabilities;
        return cpu_has(c, FEAT_ARCH_CAPABILITIES);
    case MSR_SYSENTER_CS: *val = c->sysenter_cs; return cpu_has(c, FEAT_SEP);
    case MSR_SYSENTER_ESP: *val = c->sysenter_esp; return cpu_has(c, FEAT_SEP);
    case MSR_SYSENTER_EIP: *val = c->sysenter_eip; return cpu_has(c, FEAT_SEP);
    case MSR_MISC_ENABLE:
        *val = c->misc_enable | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL;
        return true;
    case MSR_EFER: *val = c->efer; return true;
    case MSR_TSC_AUX:
        *val = c->tsc_aux;
        return cpu_has(c, FEAT_RDTSCP) || cpu_has(c, FEAT_RDPID);
    case MSR_XSS: *val = c->xss; return xsave_has(c, FEAT_XSAVES);
    }
    if (!cpu_has(c, FEAT_LM)) return false;
    switch (index) {
    case MSR_STAR: *val = c->star; return true;
    case MSR_LSTAR: *val = c->lstar; return true;
    case MSR_CSTAR: *val = c->cstar; return true;
    case MSR_FMASK: *val = c->sfmask; return true;
    case MSR_FS_BASE: *val = c->seg[SEG_FS].base; return true;
    case MSR_GS_BASE: *val = c->seg[SEG_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *val = c->kernel_gs_base; return true;
    }
    return false;
}

static bool core_write(struct cpu *c, u32 index, u64 val)
{
    switch (index) {
    case MSR_TSC:
        /* The virtual TSC is time plus an offset: writing it moves the offset. */
        c->tsc_offset += val - cpu_tsc(c);
        return true;
    case MSR_APIC_BASE: return cpu_has(c, FEAT_APIC) && apic_base_write(c, val);
    case MSR_FEATURE_CONTROL:
        /* Once locked, writes fault until reset; VMX enables are reserved until VMX is
         * offered (SDM Vol. 3 24.7 "Enabling and Entering VMX Operation"). */
        if (c->feature_control & FEATURE_CONTROL_LOCK) return false;
        if (val & ~(FEATURE_CONTROL_LOCK | (cpu_has(c, FEAT_VMX) ? BIT(2) : 0) |
                    (cpu_has(c, FEAT_VMX) && cpu_has(c, FEAT_SMX) ? BIT(1) : 0)))
            return false;
        c->feature_control = val;
        return true;
    case MSR_SPEC_CTRL: {
        u64 ok = cpu_has(c, FEAT_SPEC_CTRL) ? 1 : 0; /* IBRS */
        if (cpu_has(c, FEAT_STIBP)) ok |= 2;
        if (cpu_has(c, FEAT_SSBD)) ok |= 4;
        if (!cpu_has(c, FEAT_SPEC_CTRL) || (val & ~ok)) return false;
        c->spec_ctrl = val;
        return true;
    }
    case MSR_PRED_CMD: return cpu_has(c, FEAT_SPEC_CTRL) && val <= 1; /* IBPB: nothing cached */
    case MSR_BIOS_UPDT_TRIG: return true; /* no microcode to load; the write is accepted */
    case MSR_BIOS_SIGN_ID: return true;    /* software writes 0 before CPUID; reads ignore it */
    case MSR_SYSENTER_CS:
        c->sysenter_cs = val & 0xffffffffull;
        return cpu_has(c, FEAT_SEP);
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP:
        if (!cpu_has(c, FEAT_SEP) || !cpu_is_canonical_max(c, val)) return false;
        *(index == MSR_SYSENTER_ESP ? &c->sysenter_esp : &c->sysenter_eip) = val;
        return true;
    case MSR_MISC_ENABLE: return misc_enable_write(c, val);
    case MSR_EFER: return efer_write(c, val);
    case MSR_TSC_AUX:
        if (!(cpu_has(c, FEAT_RDTSCP) || cpu_has(c, FEAT_RDPID)) || (val >> 32)) return false;
        c->tsc_aux = val;
        return true;
    case MSR_XSS: /* no supervisor state component: every bit reserved (SDM Vol. 1 13.3) */
        if (!xsave_has(c, FEAT_XSAVES) || (val & ~XSS_VALID)) return false;
        c->xss = val;
        return true;
    }
    if (!cpu_has(c, FEAT_LM)) return false;
    switch (index) {
    case MSR_STAR: c->star = val; return true;
    case MSR_FMASK:
        if (val >> 32) return false;
        c->sfmask = val;
        return true;
    case MSR_LSTAR: case MSR_CSTAR: case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
        /* Address-valued MSRs: canonical for the processor (SDM Vol. 4 Table 2-2). */
        if (!cpu_is_canonical_max(c, val)) return false;
        switch (index) {
        case MSR_LSTAR: c->lstar = val; break;
        case MSR_CSTAR: c->cstar = val; break;
        case MSR_FS_BASE: c->seg[SEG_FS].base = val; break;
        case MSR_GS_BASE: c->seg[SEG_GS].base = val; break;
        default: c->kernel_gs_base = val; break;
        }
        return true;
    }
    return false;
}

static bool apic_read(struct cpu *c, u32 index, u64 *val)
{
    if (index == MSR_TSC_DEADLINE && !cpu_has(c, FEAT_TSC_DEADLINE)) return false;
    return lapic_msr_read(c, index, val);
}
static bool apic_write(struct cpu *c, u32 index, u64 val)
{
    if (index == MSR_TSC_DEADLINE && !cpu_has(c, FEAT_TSC_DEADLINE)) return false;
    return lapic_msr_write(c, index, val);
}

const struct msr_range core_msrs[] = {
    {MSR_TSC, MSR_TSC, core_read, core_write},
    {MSR_PLATFORM_ID, MSR_PLATFORM_ID, core_read, NULL},
    {MSR_APIC_BASE, MSR_APIC_BASE, core_read, core_write},
    {MSR_FEATURE_CONTROL, MSR_FEATURE_CONTROL, core_read, core_write},
    {MSR_SPEC_CTRL, MSR_PRED_CMD, core_read, core_write},
    {MSR_BIOS_UPDT_TRIG, MSR_BIOS_UPDT_TRIG, core_read, core_write},
    {MSR_BIOS_SIGN_ID, MSR_BIOS_SIGN_ID, core_read, core_write},
    {MSR_ARCH_CAPABILITIES, MSR_ARCH_CAPABILITIES, core_read, NULL},
    {MSR_SYSENTER_CS, MSR_SYSENTER_EIP, core_read, core_write},
    {MSR_MISC_ENABLE, MSR_MISC_ENABLE, core_read, core_write},
    {MSR_TSC_DEADLINE, MSR_TSC_DEADLINE, apic_read, apic_write},
    {MSR_X2APIC_FIRST, MSR_X2APIC_LAST, apic_read, apic_write},
    {MSR_XSS, MSR_XSS, core_read, core_write},
    {MSR_EFER, MSR_FMASK, core_read, core_write},
    {MSR_FS_BASE, MSR_TSC_AUX, core_read, core_write},
    {0, 0, NULL, NULL},
};

/* -d unimp: which MSR a CPL-0 RDMSR/WRMSR refused, to tell a missing MSR from a guest's
 * probe (kernels read many with the *_safe accessors and expect #GP for some). */
static NORETURN void gp_msr(struct cpu *c, bool write, u64 v)
{
    if (c->cpl == 0 && (c->m->trace & TRACE_UNIMP))
        machine_log(c->m, write ? "cpu%d: wrmsr %#x <- %#llx: #GP" : "cpu%d: rdmsr %#x: #GP", c->index,
                    (u32)c->r[RCX], (unsigned long long)v);
    cpu_gp(c, 0);
}

/* RDMSR/WRMSR (SDM Vol. 2): CPL 0 only (also #GP in virtual-8086 mode, where CPL is 3);
 * an unknown MSR or an invalid value raises #GP(0). */
static void op_rdmsr(struct cpu *c, const struct insn *i)
{
    if (c->vmx_nonroot && c->cpl == 0) vmx_intercept_msr(c, i, false);
    u64 v;
    if (c->cpl != 0 || !msr_read(c, (u32)c->r[RCX], &v)) gp_msr(c, false, 0);
    reg_set(c, RAX, 4, v & 0xffffffffull);
    reg_set(c, RDX, 4, v >> 32);
}

static void op_wrmsr(struct cpu *c, const struct insn *i)
{
    if (c->vmx_nonroot && c->cpl == 0) vmx_intercept_msr(c, i, true);
    u64 v = (c->r[RDX] << 32) | (u32)c->r[RAX];
    if (c->cpl != 0 || !msr_write(c, (u32)c->r[RCX], v)) gp_msr(c, true, v);
}

const struct opdef msr_ops[] = {
    {MAP_0F, 0x30, -1, OPF_ENDBLOCK, op_wrmsr}, /* EFER, FS/GS base, APIC: block ends */
    {MAP_0F, 0x32, -1, 0, op_rdmsr},
    {.fn = NULL},
};
