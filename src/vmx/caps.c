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
 * the upper bound of every allowed-1 bit. A control joins this list when it works. EPT,
 * VPID, unrestricted guest, VM functions, APIC virtualization, VMCS shadowing and PML wait
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
    .proc2 = SEC_DESC_TABLE_EXITING | SEC_RDTSCP | SEC_WBINVD_EXITING | SEC_RDRAND_EXITING |
             SEC_INVPCID | SEC_RDSEED_EXITING,
    .exit = EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR_ON_EXIT |
            EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
            EXIT_SAVE_PREEMPTION_TIMER,
    .entry = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
    /* Timer rate, LMA store, HLT and wait-for-SIPI activity states, CR3-target count, MSR
     * list size, VMWRITE to exit-information fields (vmcs.c). */
    .misc = VMX_MISC_TIMER_RATE_MASK | VMX_MISC_STORE_LMA | VMX_MISC_ACT_HLT |
            VMX_MISC_ACT_WAIT_SIPI | (0x1ffull << VMX_MISC_CR3_TARGETS_SHIFT) |
            (7ull << VMX_MISC_MSR_LIST_SHIFT) | VMX_MISC_VMWRITE_ANY,
    .ept_vpid = 0,
    .vmfunc = 0,
};

static const struct vmx_caps *caps_of(const struct cpu *c)
{
    if (!cpu_has(c, FEAT_VMX)) return NULL;
    return cpu_model_of(c)->vmx;
}

/* allowed-1 in bits 63:32, allowed-0 (bits that must be 1) in bits 31:0 (SDM A.3). */
static u64 ctl_msr(u32 allowed1, u32 must1) { return (u64)(allowed1 | must1) << 32 | must1; }

static u32 proc2_allowed(const struct vmx_caps *k) { return k->proc2 & implemented.proc2; }

static u32 proc_allowed(const struct vmx_caps *k)
{
    u32 a = k->proc & implemented.proc;
    /* Secondary controls are offered only if one of them is (the MSR exists then). */
    if (!proc2_allowed(k)) a &= ~(u32)CPU_SECONDARY_CONTROLS;
    return a;
}

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
    const struct vmx_caps *k = caps_of(c);
    if (!k) return false;
    switch (index) {
    case MSR_VMX_BASIC: /* SDM A.1: 4 KiB regions, write-back, no 32-bit address limit */
        *v = (k->revision & VMX_BASIC_REVISION_MASK) | (u64)VMCS_REGION_SIZE << VMX_BASIC_SIZE_SHIFT |
             6ull << VMX_BASIC_MEMTYPE_SHIFT | (k->inout_info ? VMX_BASIC_INOUT : 0) |
             (k->true_ctls ? VMX_BASIC_TRUE_CTLS : 0);
        return true;
    case MSR_VMX_PINBASED_CTLS: *v = ctl_msr(k->pin & implemented.pin, PIN_DEFAULT1); return true;
    case MSR_VMX_PROCBASED_CTLS: *v = ctl_msr(proc_allowed(k), CPU_DEFAULT1); return true;
    case MSR_VMX_EXIT_CTLS: *v = ctl_msr(k->exit & implemented.exit, EXIT_DEFAULT1); return true;
    case MSR_VMX_ENTRY_CTLS: *v = ctl_msr(k->entry & implemented.entry, ENTRY_DEFAULT1); return true;
    case MSR_VMX_TRUE_PINBASED_CTLS:
        *v = ctl_msr(k->pin & implemented.pin, PIN_DEFAULT1);
        return k->true_ctls;
    case MSR_VMX_TRUE_PROCBASED_CTLS: /* SDM A.3.2 */
        *v = ctl_msr(proc_allowed(k) | CPU_TRUE_CLEARABLE, CPU_DEFAULT1 & ~CPU_TRUE_CLEARABLE);
        return k->true_ctls;
    case MSR_VMX_TRUE_EXIT_CTLS: /* SDM A.4.2 */
        *v = ctl_msr(k->exit & implemented.exit, EXIT_DEFAULT1 & ~EXIT_TRUE_CLEARABLE);
        return k->true_ctls;
    case MSR_VMX_TRUE_ENTRY_CTLS: /* SDM A.5.2 */
        *v = ctl_msr(k->entry & implemented.entry, ENTRY_DEFAULT1 & ~ENTRY_TRUE_CLEARABLE);
        return k->true_ctls;
    case MSR_VMX_MISC: {
        u64 m = k->misc & implemented.misc;
        if (!((k->pin & implemented.pin) & PIN_PREEMPTION_TIMER)) m &= ~VMX_MISC_TIMER_RATE_MASK;
        *v = m;
        return true;
    }
    case MSR_VMX_CR0_FIXED0: *v = CR0_PE | CR0_NE | CR0_PG; return true; /* SDM A.7 */
    case MSR_VMX_CR0_FIXED1: *v = 0xffffffffull; return true;
    case MSR_VMX_CR4_FIXED0: *v = CR4_VMXE; return true;                 /* SDM A.8 */
    case MSR_VMX_CR4_FIXED1: *v = cr4_valid_bits(c); return true;
    case MSR_VMX_VMCS_ENUM: *v = vmcs_enum((struct cpu *)c); return true;
    case MSR_VMX_PROCBASED_CTLS2: /* exists if secondary controls can be activated */
        *v = (u64)proc2_allowed(k) << 32;
        return proc_allowed(k) & CPU_SECONDARY_CONTROLS;
    case MSR_VMX_EPT_VPID_CAP: /* exists if EPT or VPID can be enabled (SDM A.10) */
        *v = k->ept_vpid & implemented.ept_vpid;
        return proc2_allowed(k) & (SEC_EPT | SEC_VPID);
    case MSR_VMX_VMFUNC: /* SDM A.11 */
        *v = k->vmfunc & implemented.vmfunc;
        return proc2_allowed(k) & SEC_VMFUNC;
    case MSR_VMX_PROCBASED_CTLS3: /* SDM A.3.4: no tertiary control is implemented */
        *v = 0;
        return proc_allowed(k) & CPU_TERTIARY_CONTROLS;
    }
    return false;
}

bool vmx_msr_read(struct cpu *c, u32 index, u64 *val)
{
    u64 v = 0;
    bool ok = cap_value(c, index, &v);
    *val = ok ? v : 0;
    return ok;
}

u64 vmx_cap(const struct cpu *c, u32 index)
{
    u64 v = 0;
    return cap_value(c, index, &v) ? v : 0;
}

static bool caps_read(struct cpu *c, u32 index, u64 *val) { return vmx_msr_read(c, index, val); }

/* Read-only: WRMSR raises #GP (no write function). */
const struct msr_range vmx_msrs[] = {
    {MSR_VMX_BASIC, MSR_VMX_PROCBASED_CTLS3, caps_read, NULL},
    {0, 0, NULL, NULL},
};

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
