/* Model-specific registers: numbers and bits (SDM Vol. 4), and how MSR modules plug into
 * RDMSR/WRMSR. A module is a table of index ranges with read/write functions; msr.c tries
 * the modules in order. The VMX capability MSRs (next issue) are one more module. */
#ifndef VP_MSR_H
#define VP_MSR_H

#include "cpu.h"

enum {
    MSR_TSC = 0x10,
    MSR_PLATFORM_ID = 0x17,
    MSR_APIC_BASE = 0x1b,
    MSR_FEATURE_CONTROL = 0x3a,
    MSR_SPEC_CTRL = 0x48,
    MSR_PRED_CMD = 0x49,
    MSR_BIOS_UPDT_TRIG = 0x79,
    MSR_BIOS_SIGN_ID = 0x8b,
    MSR_MTRRCAP = 0xfe,
    MSR_ARCH_CAPABILITIES = 0x10a,
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_MCG_CAP = 0x179,
    MSR_MCG_STATUS = 0x17a,
    MSR_MCG_CTL = 0x17b,
    MSR_PERF_STATUS = 0x198,
    MSR_PERF_CTL = 0x199,
    MSR_CLOCK_MODULATION = 0x19a,
    MSR_THERM_INTERRUPT = 0x19b,
    MSR_THERM_STATUS = 0x19c,
    MSR_MISC_ENABLE = 0x1a0,
    MSR_DEBUGCTL = 0x1d9,
    MSR_MTRR_PHYSBASE0 = 0x200,
    MSR_MTRR_FIX64K_00000 = 0x250,
    MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259,
    MSR_MTRR_FIX4K_C0000 = 0x268,
    MSR_MTRR_FIX4K_F8000 = 0x26f,
    MSR_PAT = 0x277,
    MSR_MC0_CTL2 = 0x280, /* IA32_MCi_CTL2 = 0x280 + i */
    MSR_MTRR_DEF_TYPE = 0x2ff,
    MSR_MC0_CTL = 0x400, /* IA32_MCi_CTL/STATUS/ADDR/MISC = 0x400 + 4i + 0..3 */
    MSR_TSC_DEADLINE = 0x6e0,
    MSR_X2APIC_FIRST = 0x800,
    MSR_X2APIC_LAST = 0x8ff,
    MSR_EFER = 0xc0000080,
    MSR_STAR = 0xc0000081,
    MSR_LSTAR = 0xc0000082,
    MSR_CSTAR = 0xc0000083,
    MSR_FMASK = 0xc0000084,
    MSR_FS_BASE = 0xc0000100,
    MSR_GS_BASE = 0xc0000101,
    MSR_KERNEL_GS_BASE = 0xc0000102,
    MSR_TSC_AUX = 0xc0000103,
    MSR_XSS = 0xda0,
};

/* IA32_APIC_BASE (SDM Vol. 3 11.4.4). */
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)

/* IA32_FEATURE_CONTROL (SDM Vol. 4 Table 2-2). */
#define FEATURE_CONTROL_LOCK BIT(0)

/* IA32_MISC_ENABLE (SDM Vol. 4 Table 2-2). */
#define MISC_ENABLE_FAST_STRINGS BIT(0)
#define MISC_ENABLE_TCC BIT(3) /* automatic thermal control circuit */
#define MISC_ENABLE_PERF_MON BIT(7)
#define MISC_ENABLE_BTS_UNAVAIL BIT(11)
#define MISC_ENABLE_PEBS_UNAVAIL BIT(12)
#define MISC_ENABLE_EIST BIT(16)
#define MISC_ENABLE_MONITOR BIT(18)
#define MISC_ENABLE_LIMIT_CPUID BIT(22)
#define MISC_ENABLE_XTPR_DISABLE BIT(23)
#define MISC_ENABLE_XD_DISABLE BIT(34)

struct msr_range {
    u32 first, last;
    /* Return false to make RDMSR/WRMSR raise #GP(0). */
    bool (*read)(struct cpu *c, u32 index, u64 *val);
    bool (*write)(struct cpu *c, u32 index, u64 val);
};

/* Modules, each ending with an entry whose read is NULL. */
extern const struct msr_range core_msrs[], mtrr_msrs[], mca_msrs[], pm_msrs[], vmx_msrs[];
/* IA32_DEBUGCTL and the LBR stack (lbr.c). */
extern const struct msr_range lbr_msrs[];

#endif
