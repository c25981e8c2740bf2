/* VMX capability MSRs IA32_VMX_BASIC .. IA32_VMX_PROCBASED_CTLS3 (SDM Vol. 3 Appendix A).
 * Each model's table (bottom) is what the real part reports; what a processor offers is
 * that table cut down to `implemented`, with the default1 bits added. Nothing here is
 * mutable: values are computed from the model and the processor's feature set. */
#include "../cpu/cpumodel.h"
#include "../cpu/msr.h"
#include "../cpu/sysreg.h"
#include "caps.h"
#include "vmx.h"

/* The controls whose behaviour Vanderpool implements (VM entry/exit and intercept code):
 * the upper bound of every allowed-1 bit. A control joins this list when it works.
 * APIC virtualization and VMCS shadowing wait
 * for the memory-virtualization issue. */
static const struct {
    u32 pin, proc, proc2, exit, entry;
    u64 misc, ept_vpid, vmfunc;
} implemented = {
    .pin = PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER,
    .proc = CPU_INTR_WINDOW_EXITING | CPU_TSC_OFFSETTING | CPU_HLT_EXITING |
            CPU_INVLPG_EXITING | CPU_MWAIT_EXITING | CPU_RDPMC_EXITING | CPU_RDTSC_EXITING |
            CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING | CPU_CR8_LOAD_EXITING |
            CPU_CR8_STORE_EXITING | CPU_NMI_WINDOW_EXITING | CPU_MOV_DR_EXITING |
            CPU_UNCOND_IO_EXITING | CPU_USE_IO_BITMAPS | CPU_MONITOR_TRAP_FLAG |
            CPU_USE_MSR_BITMAPS | CPU_MONITOR_EXITING | CPU_PAUSE_EXITING |
            CPU_SECONDARY_CONTROLS,
    .proc2 = SEC_EPT | SEC_DESC_TABLE_EXITING | SEC_RDTSCP | SEC_VPID | SEC_WBINVD_EXITING |
             SEC_RDRAND_EXITING | SEC_INVPCID | SEC_RDSEED_EXITING |
             SEC_VMFUNC | SEC_EPT_VE | /* EPTP switching (vmxinv.c), #VE (ept_gpa.c), 26.5.6-7 */
             SEC_UNRESTRICTED_GUEST | /* real and unpaged guests under EPT (SDM 25.6.2) */
             SEC_PML |                /* page-modification logging (ept_gpa.c, SDM 29.3.6) */
             SEC_MODE_BASED_EPT |     /* XU, bit 10, for user-mode addresses (SDM 29.3.3.2) */
             SEC_XSAVES,              /* XSS-exiting bitmap (cpu/xsave.c, SDM 26.1.3) */
    .exit = EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR_ON_EXIT |
            EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
            EXIT_SAVE_PREEMPTION_TIMER,
    .entry = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
    /* Timer rate, LMA store, HLT, shutdown (what ends it: exec.c leave_shutdown) and
     * wait-for-SIPI activity states, CR3-target count, MSR list size, VMWRITE to
     * exit-information fields (vmcs.c). */
    .misc = VMX_MISC_TIMER_RATE_MASK | VMX_MISC_STORE_LMA | VMX_MISC_ACT_HLT |
            VMX_MISC_ACT_SHUTDOWN | VMX_MISC_ACT_WAIT_SIPI |
            (0x1ffull << VMX_MISC_CR3_TARGETS_SHIFT) |
            (7ull << VMX_MISC_MSR_LIST_SHIFT) | VMX_MISC_VMWRITE_ANY,
    /* EPT (ept.c, ept_gpa.c): execute-only, 4- and 5-level walks, UC and WB, 2 MiB and
     * 1 GiB pages, A/D flags, INVEPT single-context and all-context (SDM A.10). Not yet:
     * supervisor shadow-stack control. Advanced exit information (bit 22): qualification
     * bits 11:9 from the guest's translation (ept_gpa.c, SDM 28.2.1). VPID: INVVPID with all
     * four types (vmxinv.c) on the tagged TLB (SDM 29.4). */
    .ept_vpid = EPT_CAP_EXEC_ONLY | EPT_CAP_PWL4 | EPT_CAP_PWL5 | EPT_CAP_UC | EPT_CAP_WB |
                EPT_CAP_2M | EPT_CAP_1G | EPT_CAP_AD | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE |
                EPT_CAP_INVEPT_ALL | EPT_CAP_ADV_EXIT_INFO | VPID_CAP_INVVPID | VPID_CAP_INVVPID_ADDR |
                VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL | VPID_CAP_INVVPID_SINGLE_NONGLOBAL,
    .vmfunc = VMFUNC_EPTP_SWITCHING_BIT, /* function 0 (SDM 26.5.6.3, A.11) */
};

u64 vmx_vmfunc_implemented(void) { return implemented.vmfunc; }

/* IA32_VMX_BASIC[63:32] bits that -cpu can switch (word FW_VMX_BASIC_HI). */
#define BASIC_HI_INOUT ((u32)(VMX_BASIC_INOUT >> 32))
#define BASIC_HI_TRUE_CTLS ((u32)(VMX_BASIC_TRUE_CTLS >> 32))

void vmx_caps_words(const struct vmx_caps *k, bool all, u32 *w)
{
    w[FW_VMX_PIN] = implemented.pin & (all ? ~0u : k ? k->pin : 0);
    w[FW_VMX_PROC] = implemented.proc & (all ? ~0u : k ? k->proc : 0);
    w[FW_VMX_PROC2] = implemented.proc2 & (all ? ~0u : k ? k->proc2 : 0);
    w[FW_VMX_EXIT] = implemented.exit & (all ? ~0u : k ? k->exit : 0);
    w[FW_VMX_ENTRY] = implemented.entry & (all ? ~0u : k ? k->entry : 0);
    w[FW_VMX_BASIC_HI] = all ? BASIC_HI_INOUT | BASIC_HI_TRUE_CTLS
                             : k ? (k->inout_info ? BASIC_HI_INOUT : 0) | (k->true_ctls ? BASIC_HI_TRUE_CTLS : 0)
                                 : 0;
    w[FW_VMX_MISC] = (u32)implemented.misc & (all ? ~0u : k ? (u32)k->misc : 0);
    /* A model offers secondary controls only if one of them is (the MSR exists then);
     * "+secondary-ctls" can still switch on an empty set. */
    if (!all && !w[FW_VMX_PROC2]) w[FW_VMX_PROC] &= ~(u32)CPU_SECONDARY_CONTROLS;
}

/* What the processor offers: the model's words with the -cpu switches (cpu_features_of),
 * less what depends on a capability that is switched off. false: VMX is not offered. */
struct offer {
    const struct vmx_caps *k;
    u32 pin, proc, proc2, exit, entry, basic_hi, misc;
};

static bool offer_of(const struct cpu *c, struct offer *o)
{
    if (!cpu_has(c, FEAT_VMX) || !(o->k = cpu_model_of(c)->vmx)) return false;
    struct cpu_features f = cpu_features_of(c);
    o->pin = f.w[FW_VMX_PIN];
    o->proc = f.w[FW_VMX_PROC];
    o->proc2 = f.w[FW_VMX_PROC2];
    o->exit = f.w[FW_VMX_EXIT];
    o->entry = f.w[FW_VMX_ENTRY];
    o->basic_hi = f.w[FW_VMX_BASIC_HI];
    o->misc = f.w[FW_VMX_MISC];
    /* SDM 26.2.1.1: virtual NMIs need NMI exiting, NMI-window exiting needs virtual NMIs. */
    if (!(o->pin & PIN_NMI_EXITING)) o->pin &= ~(u32)PIN_VIRTUAL_NMIS;
    if (!(o->pin & PIN_VIRTUAL_NMIS)) o->proc &= ~(u32)CPU_NMI_WINDOW_EXITING;
    /* Without the timer there is nothing to save, and no rate (SDM A.6). */
    if (!(o->pin & PIN_PREEMPTION_TIMER)) {
        o->exit &= ~(u32)EXIT_SAVE_PREEMPTION_TIMER;
        o->misc &= ~(u32)VMX_MISC_TIMER_RATE_MASK;
    }
    /* Unrestricted guest needs EPT (27.2.1.1) and MISC[5], which every processor that
     * supports it reports (SDM A.6). */
    if (!(o->proc2 & SEC_EPT) || !(o->misc & VMX_MISC_STORE_LMA))
        o->proc2 &= ~(u32)SEC_UNRESTRICTED_GUEST;
    /* PML needs EPT (27.2.1.1). */
    if (!(o->proc2 & SEC_EPT)) o->proc2 &= ~(u32)SEC_PML;
    /* EPTP switching, the only VM function, needs EPT (27.2.1.1); #VE converts EPT
     * violations (26.5.7): neither without EPT. */
    if (!(o->proc2 & SEC_EPT)) o->proc2 &= ~(u32)(SEC_VMFUNC | SEC_EPT_VE);
    /* Mode-based execute control needs EPT (27.2.1.1). */
    if (!(o->proc2 & SEC_EPT)) o->proc2 &= ~(u32)SEC_MODE_BASED_EPT;
    /* "Enable XSAVES/XRSTORS" only where XSAVES is offered (SDM 25.6.2 Table 25-7). */
    if (!features_has(&f, FEAT_XSAVE) || !features_has(&f, FEAT_XSAVES))
        o->proc2 &= ~(u32)SEC_XSAVES;
    if (!(o->proc & CPU_SECONDARY_CONTROLS)) o->proc2 = 0;
    return true;
}

/* allowed-1 in bits 63:32, allowed-0 (bits that must be 1) in bits 31:0 (SDM A.3). */
static u64 ctl_msr(u32 allowed1, u32 must1) { return (u64)(allowed1 | must1) << 32 | must1; }

/* Highest index (bits 9:1 of an encoding) of a supported field (SDM A.9). */
static u64 vmcs_enum(struct cpu *c)
{
    u32 max = 0;
    for (int s = 0; s < VMCS_NSLOTS; s++) {
        bool high;
        u32 enc = vmcs_encoding((enum vmcs_slot)s);
        if (vmcs_slot_of(c, enc, &high) >= 0 && ((enc >> 1) & 0x1ff) > max) max = (enc >> 1) & 0x1ff;
    }
    return (u64)max << 1;
}

static bool cap_value(const struct cpu *c, u32 index, u64 *v)
{
    struct offer o;
    if (!offer_of(c, &o)) return false;
    const struct vmx_caps *k = o.k;
    bool true_ctls = o.basic_hi & BASIC_HI_TRUE_CTLS;
    switch (index) {
    case MSR_VMX_BASIC: /* SDM A.1: 4 KiB regions, write-back, no 32-bit address limit */
        *v = (k->revision & VMX_BASIC_REVISION_MASK) | (u64)VMCS_REGION_SIZE << VMX_BASIC_SIZE_SHIFT |
             6ull << VMX_BASIC_MEMTYPE_SHIFT | (u64)o.basic_hi << 32;
        return true;
    case MSR_VMX_PINBASED_CTLS: *v = ctl_msr(o.pin, PIN_DEFAULT1); return true;
    case MSR_VMX_PROCBASED_CTLS: *v = ctl_msr(o.proc, CPU_DEFAULT1); return true;
    case MSR_VMX_EXIT_CTLS: *v = ctl_msr(o.exit, EXIT_DEFAULT1); return true;
    case MSR_VMX_ENTRY_CTLS: *v = ctl_msr(o.entry, ENTRY_DEFAULT1); return true;
    case MSR_VMX_TRUE_PINBASED_CTLS:
        *v = ctl_msr(o.pin, PIN_DEFAULT1);
        return true_ctls;
    case MSR_VMX_TRUE_PROCBASED_CTLS: /* SDM A.3.2 */
        *v = ctl_msr(o.proc | CPU_TRUE_CLEARABLE, CPU_DEFAULT1 & ~CPU_TRUE_CLEARABLE);
        return true_ctls;
    case MSR_VMX_TRUE_EXIT_CTLS: /* SDM A.4.2 */
        *v = ctl_msr(o.exit, EXIT_DEFAULT1 & ~EXIT_TRUE_CLEARABLE);
        return true_ctls;
    case MSR_VMX_TRUE_ENTRY_CTLS: /* SDM A.5.2 */
        *v = ctl_msr(o.entry, ENTRY_DEFAULT1 & ~ENTRY_TRUE_CLEARABLE);
        return true_ctls;
    case MSR_VMX_MISC: *v = o.misc | ((k->misc & implemented.misc) >> 32 << 32); return true;
    case MSR_VMX_CR0_FIXED0: *v = CR0_PE | CR0_NE | CR0_PG; return true; /* SDM A.7 */
    case MSR_VMX_CR0_FIXED1: *v = 0xffffffffull; return true;
    case MSR_VMX_CR4_FIXED0: *v = CR4_VMXE; return true;                 /* SDM A.8 */
    case MSR_VMX_CR4_FIXED1: *v = cr4_valid_bits(c); return true;
    case MSR_VMX_VMCS_ENUM: *v = vmcs_enum((struct cpu *)c); return true;
    case MSR_VMX_PROCBASED_CTLS2: /* exists if secondary controls can be activated */
        *v = (u64)o.proc2 << 32;
        return o.proc & CPU_SECONDARY_CONTROLS;
    case MSR_VMX_EPT_VPID_CAP: /* exists if EPT or VPID can be enabled (SDM A.10) */
        /* The EPT bits (31:0) only with EPT, the INVVPID bits (63:32) only with VPID. */
        *v = k->ept_vpid & implemented.ept_vpid & ((o.proc2 & SEC_EPT ? 0xffffffffull : 0) |
                                                   (o.proc2 & SEC_VPID ? ~0ull << 32 : 0));
        return o.proc2 & (SEC_EPT | SEC_VPID);
    case MSR_VMX_VMFUNC: /* SDM A.11 */
        *v = k->vmfunc & implemented.vmfunc;
        return o.proc2 & SEC_VMFUNC;
    case MSR_VMX_PROCBASED_CTLS3: /* SDM A.3.4: no tertiary control is implemented */
        *v = 0;
        return o.proc & CPU_TERTIARY_CONTROLS;
    }
    return false;
}

void vmx_caps_fill(const struct cpu *c, u64 msr[32], u32 *exists)
{
    *exists = 0;
    for (u32 k = 0; k <= MSR_VMX_PROCBASED_CTLS3 - MSR_VMX_BASIC; k++) {
        msr[k] = 0;
        if (cap_value(c, MSR_VMX_BASIC + k, &msr[k])) *exists |= 1u << k;
        else msr[k] = 0;
    }
}

/* cap_value through the machine's cache (the values depend only on the model and the
 * -cpu switches). */
static bool cap_cached(const struct cpu *c, u32 index, u64 *v)
{
    const struct feature_cache *fc = cpu_feature_cache(c);
    u32 k = index - MSR_VMX_BASIC;
    if (!fc || k > MSR_VMX_PROCBASED_CTLS3 - MSR_VMX_BASIC) return cap_value(c, index, v);
    *v = fc->vmx_msr[k];
    return fc->vmx_exists & (1u << k);
}

bool vmx_msr_read(struct cpu *c, u32 index, u64 *val)
{
    u64 v = 0;
    bool ok = cap_cached(c, index, &v);
    *val = ok ? v : 0;
    return ok;
}

u64 vmx_cap(const struct cpu *c, u32 index)
{
    u64 v = 0;
    return cap_cached(c, index, &v) ? v : 0;
}

static bool caps_read(struct cpu *c, u32 index, u64 *val) { return vmx_msr_read(c, index, val); }

/* Read-only: WRMSR raises #GP (no write function). */
const struct msr_range vmx_msrs[] = {
    {MSR_VMX_BASIC, MSR_VMX_PROCBASED_CTLS3, caps_read, NULL},
    {0, 0, NULL, NULL},
};

/* --- -cpu switches ----------------------------------------------------------------------- */

#define SW(name, word, mask, what) {name, word, (u32)(mask), what}
static const struct vmx_switch switches[] = {
    SW("true-ctls", FW_VMX_BASIC_HI, BASIC_HI_TRUE_CTLS, "IA32_VMX_TRUE_*_CTLS (BASIC[55])"),
    SW("ins-outs-info", FW_VMX_BASIC_HI, BASIC_HI_INOUT, "instruction information for INS/OUTS exits (BASIC[54])"),
    SW("ext-intr-exiting", FW_VMX_PIN, PIN_EXT_INTR_EXITING, "external-interrupt exiting"),
    SW("nmi-exiting", FW_VMX_PIN, PIN_NMI_EXITING, "NMI exiting (and with it virtual NMIs)"),
    SW("vnmi", FW_VMX_PIN, PIN_VIRTUAL_NMIS, "virtual NMIs (and with them NMI-window exiting)"),
    SW("preemption-timer", FW_VMX_PIN, PIN_PREEMPTION_TIMER, "VMX-preemption timer (and saving it)"),
    SW("posted-intr", FW_VMX_PIN, PIN_POSTED_INTR, "posted interrupts"),
    SW("intr-window-exiting", FW_VMX_PROC, CPU_INTR_WINDOW_EXITING, "interrupt-window exiting"),
    SW("tsc-offsetting", FW_VMX_PROC, CPU_TSC_OFFSETTING, "use TSC offsetting"),
    SW("hlt-exiting", FW_VMX_PROC, CPU_HLT_EXITING, "HLT exiting"),
    SW("invlpg-exiting", FW_VMX_PROC, CPU_INVLPG_EXITING, "INVLPG exiting"),
    SW("mwait-exiting", FW_VMX_PROC, CPU_MWAIT_EXITING, "MWAIT exiting"),
    SW("rdpmc-exiting", FW_VMX_PROC, CPU_RDPMC_EXITING, "RDPMC exiting"),
    SW("rdtsc-exiting", FW_VMX_PROC, CPU_RDTSC_EXITING, "RDTSC exiting"),
    SW("tertiary-ctls", FW_VMX_PROC, CPU_TERTIARY_CONTROLS, "activate tertiary controls"),
    SW("cr8-load-exiting", FW_VMX_PROC, CPU_CR8_LOAD_EXITING, "CR8-load exiting"),
    SW("cr8-store-exiting", FW_VMX_PROC, CPU_CR8_STORE_EXITING, "CR8-store exiting"),
    SW("tpr-shadow", FW_VMX_PROC, CPU_TPR_SHADOW, "use TPR shadow"),
    SW("nmi-window-exiting", FW_VMX_PROC, CPU_NMI_WINDOW_EXITING, "NMI-window exiting"),
    SW("mov-dr-exiting", FW_VMX_PROC, CPU_MOV_DR_EXITING, "MOV-DR exiting"),
    SW("uncond-io-exiting", FW_VMX_PROC, CPU_UNCOND_IO_EXITING, "unconditional I/O exiting"),
    SW("io-bitmaps", FW_VMX_PROC, CPU_USE_IO_BITMAPS, "use I/O bitmaps"),
    SW("mtf", FW_VMX_PROC, CPU_MONITOR_TRAP_FLAG, "monitor trap flag"),
    SW("msr-bitmaps", FW_VMX_PROC, CPU_USE_MSR_BITMAPS, "use MSR bitmaps"),
    SW("monitor-exiting", FW_VMX_PROC, CPU_MONITOR_EXITING, "MONITOR exiting"),
    SW("pause-exiting", FW_VMX_PROC, CPU_PAUSE_EXITING, "PAUSE exiting"),
    SW("secondary-ctls", FW_VMX_PROC, CPU_SECONDARY_CONTROLS, "activate secondary controls (and all of them)"),
    SW("apic-access", FW_VMX_PROC2, SEC_VIRT_APIC_ACCESSES, "virtualize APIC accesses"),
    SW("ept", FW_VMX_PROC2, SEC_EPT, "enable EPT"),
    SW("desc-table-exiting", FW_VMX_PROC2, SEC_DESC_TABLE_EXITING, "descriptor-table exiting"),
    SW("enable-rdtscp", FW_VMX_PROC2, SEC_RDTSCP, "enable RDTSCP"),
    SW("x2apic-mode", FW_VMX_PROC2, SEC_VIRT_X2APIC, "virtualize x2APIC mode"),
    SW("vpid", FW_VMX_PROC2, SEC_VPID, "enable VPID"),
    SW("wbinvd-exiting", FW_VMX_PROC2, SEC_WBINVD_EXITING, "WBINVD exiting"),
    SW("unrestricted-guest", FW_VMX_PROC2, SEC_UNRESTRICTED_GUEST, "unrestricted guest"),
    SW("apic-register-virt", FW_VMX_PROC2, SEC_APIC_REGISTER_VIRT, "APIC-register virtualization"),
    SW("vintr-delivery", FW_VMX_PROC2, SEC_VIRT_INTR_DELIVERY, "virtual-interrupt delivery"),
    SW("ple", FW_VMX_PROC2, SEC_PAUSE_LOOP_EXITING, "PAUSE-loop exiting"),
    SW("rdrand-exiting", FW_VMX_PROC2, SEC_RDRAND_EXITING, "RDRAND exiting"),
    SW("enable-invpcid", FW_VMX_PROC2, SEC_INVPCID, "enable INVPCID"),
    SW("vmfunc", FW_VMX_PROC2, SEC_VMFUNC, "enable VM functions"),
    SW("vmcs-shadowing", FW_VMX_PROC2, SEC_VMCS_SHADOWING, "VMCS shadowing"),
    SW("rdseed-exiting", FW_VMX_PROC2, SEC_RDSEED_EXITING, "RDSEED exiting"),
    SW("pml", FW_VMX_PROC2, SEC_PML, "enable PML"),
    SW("ept-violation-ve", FW_VMX_PROC2, SEC_EPT_VE, "EPT-violation #VE"),
    SW("mode-based-ept", FW_VMX_PROC2, SEC_MODE_BASED_EPT, "mode-based execute control for EPT"),
    SW("xsaves", FW_VMX_PROC2, SEC_XSAVES, "enable XSAVES/XRSTORS"),
    SW("tsc-scaling", FW_VMX_PROC2, SEC_TSC_SCALING, "use TSC scaling"),
    SW("exit-ack-intr", FW_VMX_EXIT, EXIT_ACK_INTR_ON_EXIT, "acknowledge interrupt on exit"),
    SW("exit-save-pat", FW_VMX_EXIT, EXIT_SAVE_PAT, "save IA32_PAT on exit"),
    SW("exit-load-pat", FW_VMX_EXIT, EXIT_LOAD_PAT, "load IA32_PAT on exit"),
    SW("exit-save-efer", FW_VMX_EXIT, EXIT_SAVE_EFER, "save IA32_EFER on exit"),
    SW("exit-load-efer", FW_VMX_EXIT, EXIT_LOAD_EFER, "load IA32_EFER on exit"),
    SW("exit-save-preemption-timer", FW_VMX_EXIT, EXIT_SAVE_PREEMPTION_TIMER, "save VMX-preemption timer value"),
    SW("exit-load-perf-global-ctrl", FW_VMX_EXIT, EXIT_LOAD_PERF_GLOBAL_CTRL, "load IA32_PERF_GLOBAL_CTRL on exit"),
    SW("entry-load-pat", FW_VMX_ENTRY, ENTRY_LOAD_PAT, "load IA32_PAT on entry"),
    SW("entry-load-efer", FW_VMX_ENTRY, ENTRY_LOAD_EFER, "load IA32_EFER on entry"),
    SW("entry-load-perf-global-ctrl", FW_VMX_ENTRY, ENTRY_LOAD_PERF_GLOBAL_CTRL, "load IA32_PERF_GLOBAL_CTRL on entry"),
    SW("store-lma", FW_VMX_MISC, VMX_MISC_STORE_LMA, "IA32_EFER.LMA stored into \"IA-32e mode guest\" on exit (MISC[5])"),
    SW("activity-hlt", FW_VMX_MISC, VMX_MISC_ACT_HLT, "HLT activity state (MISC[6])"),
    SW("activity-shutdown", FW_VMX_MISC, VMX_MISC_ACT_SHUTDOWN, "shutdown activity state (MISC[7])"),
    SW("activity-wait-sipi", FW_VMX_MISC, VMX_MISC_ACT_WAIT_SIPI, "wait-for-SIPI activity state (MISC[8])"),
    SW("vmwrite-exit-info", FW_VMX_MISC, VMX_MISC_VMWRITE_ANY, "VMWRITE to exit-information fields (MISC[29])"),
    SW("zero-len-inject", FW_VMX_MISC, VMX_MISC_ZERO_LEN_INJECT, "injecting software events of length 0 (MISC[30])"),
};
#undef SW

const struct vmx_switch *vmx_switches(size_t *count)
{
    *count = ARRAY_LEN(switches);
    return switches;
}

/* --- The models ------------------------------------------------------------------------ */

#define CPU_ALL_EXITS                                                                         \
    (CPU_INTR_WINDOW_EXITING | CPU_TSC_OFFSETTING | CPU_HLT_EXITING | CPU_INVLPG_EXITING |     \
     CPU_MWAIT_EXITING | CPU_RDPMC_EXITING | CPU_RDTSC_EXITING | CPU_CR3_LOAD_EXITING |        \
     CPU_CR3_STORE_EXITING | CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING | CPU_TPR_SHADOW |   \
     CPU_MOV_DR_EXITING | CPU_UNCOND_IO_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS |   \
     CPU_MONITOR_EXITING | CPU_PAUSE_EXITING | CPU_SECONDARY_CONTROLS)

/* Core 2 Duo E8400 (Penryn): first-generation VT-x with FlexPriority as its only
 * secondary control; no EPT, VPID, preemption timer, TRUE controls or MTF. */
const struct vmx_caps vmx_caps_core2 = {
    .revision = 0xd,
    .pin = PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
    .proc = CPU_ALL_EXITS | CPU_NMI_WINDOW_EXITING,
    .proc2 = SEC_VIRT_APIC_ACCESSES,
    .exit = EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_LOAD_PERF_GLOBAL_CTRL |
            EXIT_ACK_INTR_ON_EXIT,
    .entry = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE | ENTRY_SMM | ENTRY_DEACT_DUAL_MONITOR |
             ENTRY_LOAD_PERF_GLOBAL_CTRL,
    .misc = VMX_MISC_ACT_HLT | VMX_MISC_ACT_SHUTDOWN | VMX_MISC_ACT_WAIT_SIPI |
            4ull << VMX_MISC_CR3_TARGETS_SHIFT,
};

#define WESTMERE_EXIT                                                                          \
    (EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_LOAD_PERF_GLOBAL_CTRL |         \
     EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER |   \
     EXIT_SAVE_PREEMPTION_TIMER)
#define WESTMERE_ENTRY                                                                         \
    (ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE | ENTRY_SMM | ENTRY_DEACT_DUAL_MONITOR |       \
     ENTRY_LOAD_PERF_GLOBAL_CTRL | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)
#define WESTMERE_PROC2                                                                         \
    (SEC_VIRT_APIC_ACCESSES | SEC_EPT | SEC_DESC_TABLE_EXITING | SEC_RDTSCP | SEC_VIRT_X2APIC |  \
     SEC_VPID | SEC_WBINVD_EXITING | SEC_UNRESTRICTED_GUEST | SEC_PAUSE_LOOP_EXITING)
/* EPT: execute-only, 4-level walks, UC and WB, 2 MiB pages, INVEPT single/all-context;
 * INVVPID all four types (SDM A.10). */
#define WESTMERE_EPT                                                                           \
    (BIT(0) | BIT(6) | BIT(8) | BIT(14) | BIT(16) | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE |   \
     EPT_CAP_INVEPT_ALL | VPID_CAP_INVVPID | VPID_CAP_INVVPID_ADDR | VPID_CAP_INVVPID_SINGLE |  \
     VPID_CAP_INVVPID_ALL | VPID_CAP_INVVPID_SINGLE_NONGLOBAL)
#define MISC_NEHALEM                                                                           \
    (5 | VMX_MISC_STORE_LMA | VMX_MISC_ACT_HLT | VMX_MISC_ACT_SHUTDOWN | VMX_MISC_ACT_WAIT_SIPI | \
     4ull << VMX_MISC_CR3_TARGETS_SHIFT)

/* Xeon X5650 (Westmere-EP): EPT, VPID, unrestricted guest, preemption timer. */
const struct vmx_caps vmx_caps_westmere = {
    .revision = 0xe, .inout_info = true, .true_ctls = true,
    .pin = PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER,
    .proc = CPU_ALL_EXITS | CPU_NMI_WINDOW_EXITING | CPU_MONITOR_TRAP_FLAG,
    .proc2 = WESTMERE_PROC2,
    .exit = WESTMERE_EXIT,
    .entry = WESTMERE_ENTRY,
    .misc = MISC_NEHALEM,
    .ept_vpid = WESTMERE_EPT,
};

/* Core i7-6700 (Skylake client): + VM functions (EPTP switching), VMCS shadowing, PML,
 * EPT A/D bits, 1 GiB EPT pages, #VE, XSAVES, TSC scaling, RDRAND/RDSEED exiting. */
const struct vmx_caps vmx_caps_skylake = {
    .revision = 0x4, .inout_info = true, .true_ctls = true,
    .pin = PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER,
    .proc = CPU_ALL_EXITS | CPU_NMI_WINDOW_EXITING | CPU_MONITOR_TRAP_FLAG,
    .proc2 = WESTMERE_PROC2 | SEC_RDRAND_EXITING | SEC_INVPCID | SEC_VMFUNC |
             SEC_VMCS_SHADOWING | SEC_RDSEED_EXITING | SEC_PML | SEC_EPT_VE | SEC_XSAVES |
             SEC_TSC_SCALING,
    .exit = WESTMERE_EXIT | EXIT_CLEAR_BNDCFGS | EXIT_PT_CONCEAL,
    .entry = WESTMERE_ENTRY | ENTRY_LOAD_BNDCFGS | ENTRY_PT_CONCEAL,
    .misc = (MISC_NEHALEM & ~VMX_MISC_TIMER_RATE_MASK) | 3 | VMX_MISC_VMWRITE_ANY |
            VMX_MISC_ZERO_LEN_INJECT,
    .ept_vpid = WESTMERE_EPT | BIT(17) | BIT(21) | BIT(22),
    .vmfunc = BIT(0),
};

/* Xeon Platinum 8380 (Ice Lake-SP): + APIC-register virtualization, virtual-interrupt
 * delivery, posted interrupts, mode-based EPT execute control, 5-level EPT. */
const struct vmx_caps vmx_caps_icelake = {
    .revision = 0x4, .inout_info = true, .true_ctls = true,
    .pin = PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER |
           PIN_POSTED_INTR,
    .proc = CPU_ALL_EXITS | CPU_NMI_WINDOW_EXITING | CPU_MONITOR_TRAP_FLAG,
    .proc2 = WESTMERE_PROC2 | SEC_APIC_REGISTER_VIRT | SEC_VIRT_INTR_DELIVERY |
             SEC_RDRAND_EXITING | SEC_INVPCID | SEC_VMFUNC | SEC_VMCS_SHADOWING |
             SEC_RDSEED_EXITING | SEC_PML | SEC_EPT_VE | SEC_PT_CONCEAL | SEC_XSAVES |
             SEC_MODE_BASED_EPT | SEC_PT_GUEST_PA | SEC_TSC_SCALING,
    .exit = WESTMERE_EXIT | EXIT_CLEAR_BNDCFGS | EXIT_PT_CONCEAL | EXIT_CLEAR_RTIT_CTL,
    .entry = WESTMERE_ENTRY | ENTRY_LOAD_BNDCFGS | ENTRY_PT_CONCEAL | ENTRY_LOAD_RTIT_CTL,
    .misc = (MISC_NEHALEM & ~VMX_MISC_TIMER_RATE_MASK) | 5 | VMX_MISC_VMWRITE_ANY |
            VMX_MISC_ZERO_LEN_INJECT,
    .ept_vpid = WESTMERE_EPT | BIT(7) | BIT(17) | BIT(21) | BIT(22),
    .vmfunc = BIT(0),
};
