/* Machine-check architecture of a healthy processor (SDM Vol. 3 chapter 16; MSRs in Vol. 4
 * Table 2-2): IA32_MCG_CAP/STATUS/CTL and the error-reporting banks IA32_MCi_CTL, STATUS,
 * ADDR, MISC (0x400 + 4i) and CTL2 (0x280 + i). No error is ever detected, so no #MC is
 * raised, STATUS/ADDR/MISC read 0 and accept only 0, and CMCI never fires. The model's
 * IA32_MCG_CAP value (cpumodel.c) says how many banks exist and which MSRs are present. */
#include "../machine/machine.h"
#include "cpumodel.h"
#include "msr.h"

#define MCG_COUNT(cap) ((unsigned)((cap) & 0xff))
#define MCG_CTL_P BIT(8)   /* IA32_MCG_CTL present */
#define MCG_CMCI_P BIT(10) /* IA32_MCi_CTL2 present */
#define MCG_STATUS_RW (BIT(0) | BIT(1) | BIT(2)) /* RIPV, EIPV, MCIP (SDM 16.3.1.2) */
#define MC_CTL2_RW (0x7fffull | BIT(30))          /* threshold, CMCI_EN (SDM 16.3.2.5) */

static u64 mcg_cap(const struct cpu *c)
{
    return cpu_has(c, FEAT_MCA) ? cpu_model_of(c)->mcg_cap : 0;
}

static unsigned bank_count(const struct cpu *c)
{
    unsigned n = MCG_COUNT(mcg_cap(c));
    return n < MCA_MAX_BANKS ? n : MCA_MAX_BANKS;
}

static bool mcg_read(struct cpu *c, u32 index, u64 *val)
{
    u64 cap = mcg_cap(c);
    if (!cpu_has(c, FEAT_MCA)) return false;
    switch (index) {
    case MSR_MCG_CAP: *val = cap; return true;
    case MSR_MCG_STATUS: *val = c->mcg_status; return true;
    case MSR_MCG_CTL: *val = ~0ull; return (cap & MCG_CTL_P) != 0;
    }
    return false;
}

static bool mcg_write(struct cpu *c, u32 index, u64 val)
{
    u64 cap = mcg_cap(c);
    if (!cpu_has(c, FEAT_MCA)) return false;
    switch (index) {
    case MSR_MCG_STATUS: /* SDM 16.3.1.2: software clears MCIP after handling an #MC */
        if (val & ~MCG_STATUS_RW) return false;
        c->mcg_status = val;
        return true;
    case MSR_MCG_CTL: /* SDM 16.3.1.3: all ones enable, all zeros disable */
        return (cap & MCG_CTL_P) && (val == 0 || val == ~0ull);
    }
    return false; /* IA32_MCG_CAP is read-only */
}

/* Bank registers 0x400 + 4i: CTL (any enable mask), then STATUS, ADDR and MISC, which
 * hold no error and which software may only clear: writing 1s raises #GP (SDM 16.3.2.2,
 * 16.3.2.3, 16.3.2.4). */
static bool bank_read(struct cpu *c, u32 index, u64 *val)
{
    unsigned bank = (index - MSR_MC0_CTL) / 4;
    if (bank >= bank_count(c)) return false;
    *val = (index & 3) == 0 ? c->mc_ctl[bank] : 0;
    return true;
}

static bool bank_write(struct cpu *c, u32 index, u64 val)
{
    unsigned bank = (index - MSR_MC0_CTL) / 4;
    if (bank >= bank_count(c)) return false;
    if ((index & 3) != 0) return val == 0;
    c->mc_ctl[bank] = val; /* SDM 16.3.2.1: each bit enables one error type */
    return true;
}

/* IA32_MCi_CTL2 when MCG_CAP.CMCI_P (SDM 16.3.2.5): threshold and CMCI enable. */
static bool ctl2_read(struct cpu *c, u32 index, u64 *val)
{
    unsigned bank = index - MSR_MC0_CTL2;
    if (!(mcg_cap(c) & MCG_CMCI_P) || bank >= bank_count(c)) return false;
    *val = c->mc_ctl2[bank];
    return true;
}

static bool ctl2_write(struct cpu *c, u32 index, u64 val)
{
    unsigned bank = index - MSR_MC0_CTL2;
    if (!(mcg_cap(c) & MCG_CMCI_P) || bank >= bank_count(c) || (val & ~MC_CTL2_RW)) return false;
    c->mc_ctl2[bank] = val;
    return true;
}

const struct msr_range mca_msrs[] = {
    {MSR_MCG_CAP, MSR_MCG_CTL, mcg_read, mcg_write},
    {MSR_MC0_CTL2, MSR_MC0_CTL2 + MCA_MAX_BANKS - 1, ctl2_read, ctl2_write},
    {MSR_MC0_CTL, MSR_MC0_CTL + 4 * MCA_MAX_BANKS - 1, bank_read, bank_write},
    {0, 0, NULL, NULL},
};
