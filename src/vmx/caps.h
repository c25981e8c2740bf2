/* VMX capability MSRs (SDM Vol. 3 Appendix A): MSR numbers, control bits, and the per-model
 * tables. A model table holds what the real part reports; caps.c cuts every allowed-1 bit
 * down to what Vanderpool implements, so only implemented behaviour is ever offered. */
#ifndef VP_VMX_CAPS_H
#define VP_VMX_CAPS_H

#include "../common.h"

enum {
    MSR_VMX_BASIC = 0x480, MSR_VMX_PINBASED_CTLS = 0x481, MSR_VMX_PROCBASED_CTLS = 0x482,
    MSR_VMX_EXIT_CTLS = 0x483, MSR_VMX_ENTRY_CTLS = 0x484, MSR_VMX_MISC = 0x485,
    MSR_VMX_CR0_FIXED0 = 0x486, MSR_VMX_CR0_FIXED1 = 0x487, MSR_VMX_CR4_FIXED0 = 0x488,
    MSR_VMX_CR4_FIXED1 = 0x489, MSR_VMX_VMCS_ENUM = 0x48a, MSR_VMX_PROCBASED_CTLS2 = 0x48b,
    MSR_VMX_EPT_VPID_CAP = 0x48c, MSR_VMX_TRUE_PINBASED_CTLS = 0x48d,
    MSR_VMX_TRUE_PROCBASED_CTLS = 0x48e, MSR_VMX_TRUE_EXIT_CTLS = 0x48f,
    MSR_VMX_TRUE_ENTRY_CTLS = 0x490, MSR_VMX_VMFUNC = 0x491, MSR_VMX_PROCBASED_CTLS3 = 0x492,
};

/* IA32_VMX_BASIC (SDM A.1). */
#define VMX_BASIC_REVISION_MASK 0x7fffffffull
#define VMX_BASIC_SIZE_SHIFT 32
#define VMX_BASIC_MEMTYPE_SHIFT 50
#define VMX_BASIC_INOUT BIT(54)
#define VMX_BASIC_TRUE_CTLS BIT(55)
#define VMX_BASIC_NO_ERRCODE_CHECK BIT(56)

/* Pin-based controls (SDM 25.6.1). */
enum {
    PIN_EXT_INTR_EXITING = 1u << 0, PIN_NMI_EXITING = 1u << 3, PIN_VIRTUAL_NMIS = 1u << 5,
    PIN_PREEMPTION_TIMER = 1u << 6, PIN_POSTED_INTR = 1u << 7,
};
/* Primary processor-based controls (SDM 25.6.2). */
enum {
    CPU_INTR_WINDOW_EXITING = 1u << 2, CPU_TSC_OFFSETTING = 1u << 3, CPU_HLT_EXITING = 1u << 7,
    CPU_INVLPG_EXITING = 1u << 9, CPU_MWAIT_EXITING = 1u << 10, CPU_RDPMC_EXITING = 1u << 11,
    CPU_RDTSC_EXITING = 1u << 12, CPU_CR3_LOAD_EXITING = 1u << 15,
    CPU_CR3_STORE_EXITING = 1u << 16, CPU_TERTIARY_CONTROLS = 1u << 17,
    CPU_CR8_LOAD_EXITING = 1u << 19, CPU_CR8_STORE_EXITING = 1u << 20,
    CPU_TPR_SHADOW = 1u << 21, CPU_NMI_WINDOW_EXITING = 1u << 22, CPU_MOV_DR_EXITING = 1u << 23,
    CPU_UNCOND_IO_EXITING = 1u << 24, CPU_USE_IO_BITMAPS = 1u << 25, CPU_MONITOR_TRAP_FLAG = 1u << 27,
    CPU_USE_MSR_BITMAPS = 1u << 28, CPU_MONITOR_EXITING = 1u << 29, CPU_PAUSE_EXITING = 1u << 30,
    CPU_SECONDARY_CONTROLS = 1u << 31,
};
/* Secondary processor-based controls (SDM 25.6.2). */
enum {
    SEC_VIRT_APIC_ACCESSES = 1u << 0, SEC_EPT = 1u << 1, SEC_DESC_TABLE_EXITING = 1u << 2,
    SEC_RDTSCP = 1u << 3, SEC_VIRT_X2APIC = 1u << 4, SEC_VPID = 1u << 5,
    SEC_WBINVD_EXITING = 1u << 6, SEC_UNRESTRICTED_GUEST = 1u << 7,
    SEC_APIC_REGISTER_VIRT = 1u << 8, SEC_VIRT_INTR_DELIVERY = 1u << 9,
    SEC_PAUSE_LOOP_EXITING = 1u << 10, SEC_RDRAND_EXITING = 1u << 11, SEC_INVPCID = 1u << 12,
    SEC_VMFUNC = 1u << 13, SEC_VMCS_SHADOWING = 1u << 14, SEC_ENCLS_EXITING = 1u << 15,
    SEC_RDSEED_EXITING = 1u << 16, SEC_PML = 1u << 17, SEC_EPT_VE = 1u << 18,
    SEC_PT_CONCEAL = 1u << 19, SEC_XSAVES = 1u << 20, SEC_MODE_BASED_EPT = 1u << 22,
    SEC_SPP = 1u << 23, SEC_PT_GUEST_PA = 1u << 24, SEC_TSC_SCALING = 1u << 25,
    SEC_UMWAIT = 1u << 26, SEC_ENCLV_EXITING = 1u << 28,
};
/* VM-exit controls (SDM 25.7.1). */
enum {
    EXIT_SAVE_DEBUG_CONTROLS = 1u << 2, EXIT_HOST_ADDR_SPACE_SIZE = 1u << 9,
    EXIT_LOAD_PERF_GLOBAL_CTRL = 1u << 12, EXIT_ACK_INTR_ON_EXIT = 1u << 15,
    EXIT_SAVE_PAT = 1u << 18, EXIT_LOAD_PAT = 1u << 19, EXIT_SAVE_EFER = 1u << 20,
    EXIT_LOAD_EFER = 1u << 21, EXIT_SAVE_PREEMPTION_TIMER = 1u << 22,
    EXIT_CLEAR_BNDCFGS = 1u << 23, EXIT_PT_CONCEAL = 1u << 24, EXIT_CLEAR_RTIT_CTL = 1u << 25,
};
/* VM-entry controls (SDM 25.8.1). */
enum {
    ENTRY_LOAD_DEBUG_CONTROLS = 1u << 2, ENTRY_IA32E_MODE = 1u << 9, ENTRY_SMM = 1u << 10,
    ENTRY_DEACT_DUAL_MONITOR = 1u << 11, ENTRY_LOAD_PERF_GLOBAL_CTRL = 1u << 13,
    ENTRY_LOAD_PAT = 1u << 14, ENTRY_LOAD_EFER = 1u << 15, ENTRY_LOAD_BNDCFGS = 1u << 16,
    ENTRY_PT_CONCEAL = 1u << 17, ENTRY_LOAD_RTIT_CTL = 1u << 18,
};
/* Default1 classes (SDM A.2-A.5): reserved bits that are 1 in the non-TRUE MSRs. */
#define PIN_DEFAULT1 0x00000016u
#define CPU_DEFAULT1 0x0401e172u
#define EXIT_DEFAULT1 0x00036dffu
#define ENTRY_DEFAULT1 0x000011ffu
/* Default1 bits the TRUE MSRs let software clear (SDM A.3.2, A.4, A.5). */
#define CPU_TRUE_CLEARABLE (CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING)
#define EXIT_TRUE_CLEARABLE EXIT_SAVE_DEBUG_CONTROLS
#define ENTRY_TRUE_CLEARABLE ENTRY_LOAD_DEBUG_CONTROLS

/* IA32_VMX_MISC (SDM A.6). */
#define VMX_MISC_TIMER_RATE_MASK 0x1full
#define VMX_MISC_STORE_LMA BIT(5)
#define VMX_MISC_ACT_HLT BIT(6)
#define VMX_MISC_ACT_SHUTDOWN BIT(7)
#define VMX_MISC_ACT_WAIT_SIPI BIT(8)
#define VMX_MISC_CR3_TARGETS_SHIFT 16
#define VMX_MISC_MSR_LIST_SHIFT 25
#define VMX_MISC_VMWRITE_ANY BIT(29)
#define VMX_MISC_ZERO_LEN_INJECT BIT(30)

/* IA32_VMX_EPT_VPID_CAP (SDM A.10). */
#define EPT_CAP_EXEC_ONLY BIT(0)      /* execute-only translations */
#define EPT_CAP_PWL4 BIT(6)           /* page-walk length 4 */
#define EPT_CAP_PWL5 BIT(7)           /* page-walk length 5 */
#define EPT_CAP_UC BIT(8)             /* EPTP memory type UC */
#define EPT_CAP_WB BIT(14)            /* EPTP memory type WB */
#define EPT_CAP_2M BIT(16)            /* EPT PDE maps 2 MiB */
#define EPT_CAP_1G BIT(17)            /* EPT PDPTE maps 1 GiB */
#define EPT_CAP_AD BIT(21)            /* accessed and dirty flags for EPT */
#define EPT_CAP_ADV_EXIT_INFO BIT(22) /* advanced VM-exit information for EPT violations */
#define EPT_CAP_SSS BIT(23)           /* supervisor shadow-stack control */
#define EPT_CAP_INVEPT BIT(20)
#define EPT_CAP_INVEPT_SINGLE BIT(25)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define VPID_CAP_INVVPID BIT(32)
#define VPID_CAP_INVVPID_ADDR BIT(40)
#define VPID_CAP_INVVPID_SINGLE BIT(41)
#define VPID_CAP_INVVPID_ALL BIT(42)
#define VPID_CAP_INVVPID_SINGLE_NONGLOBAL BIT(43)

/* IA32_VMX_VMFUNC and the VM-function controls (SDM 25.6.14, A.11): function 0. */
#define VMFUNC_EPTP_SWITCHING_BIT BIT(0)

/* What a real part reports: allowed-1 masks of each control word (default1 bits are
 * added by caps.c), and the other capability words. */
struct vmx_caps {
    u32 revision;
    bool inout_info, true_ctls;
    u32 pin, proc, proc2, exit, entry; /* allowed-1 bits beyond default1 */
    u64 proc3;
    u64 misc;    /* IA32_VMX_MISC as the part reports it */
    u64 ept_vpid;
    u64 vmfunc;
};

extern const struct vmx_caps vmx_caps_core2, vmx_caps_westmere, vmx_caps_skylake,
    vmx_caps_icelake;

/* The -cpu switches for VMX capabilities ("-cpu skylake,+vmx,-preemption-timer"): each
 * names one bit of a VMX feature word (enum feature_word, FW_VMX_*). The model's default
 * words are its table cut to what is implemented (vmx_caps_words); a switch may turn on
 * only an implemented capability; switches for capabilities that are not implemented yet
 * (VPID, VMCS shadowing, ...) are refused either way. caps.c then drops what depends on a
 * capability switched off (virtual NMIs without NMI exiting, the secondary controls
 * without "activate secondary controls", ...). */
struct vmx_switch {
    const char *name;
    u8 word;   /* enum feature_word */
    u32 mask;  /* one bit */
    const char *what; /* for -cpu help */
};
const struct vmx_switch *vmx_switches(size_t *count);
/* words[FW_VMX_*] of a model's table (NULL: none) cut to what is implemented, or of
 * everything implemented (k = NULL, all = true). Other words are left alone. */
void vmx_caps_words(const struct vmx_caps *k, bool all, u32 *words);
/* The VM functions Vanderpool implements (IA32_VMX_VMFUNC's upper bound). */
u64 vmx_vmfunc_implemented(void);
/* Every capability MSR 480H + k of the processor into msr[k], bit k of *exists set where
 * it exists: the machine's feature cache (cpu_feature_cache) fills itself with this. */
struct cpu;
void vmx_caps_fill(const struct cpu *c, u64 msr[32], u32 *exists);

#endif
