/* Memory-type range registers and the page attribute table (SDM Vol. 3 12.11, 12.12).
 * Vanderpool does not model caching, so these only hold values; what matters is that
 * software reads back what it wrote and that invalid values raise #GP as on hardware. */
#include "cpumodel.h"
#include "msr.h"

/* Memory types valid in MTRRs: UC, WC, WT, WP, WB (SDM Vol. 3 Table 12-8). */
static bool mtrr_type_ok(u64 t) { return t == 0 || t == 1 || t == 4 || t == 5 || t == 6; }
/* PAT entries additionally allow UC- (7) (SDM Vol. 3 Table 12-10). */
static bool pat_type_ok(u64 t) { return mtrr_type_ok(t) || t == 7; }

/* Fixed-range MSR number -> index in c->mtrr_fixed[] (SDM Vol. 3 12.11.2.2). */
static int fixed_index(u32 msr)
{
    if (msr == MSR_MTRR_FIX64K_00000) return 0;
    if (msr == MSR_MTRR_FIX16K_80000) return 1;
    if (msr == MSR_MTRR_FIX16K_A0000) return 2;
    if (msr >= MSR_MTRR_FIX4K_C0000 && msr <= MSR_MTRR_FIX4K_F8000)
        return 3 + (int)(msr - MSR_MTRR_FIX4K_C0000);
    return -1;
}

/* IA32_MTRRCAP (SDM Vol. 3 12.11.1): VCNT, fixed ranges, write-combining; no SMRR. */
static u64 mtrrcap(const struct cpu *c)
{
    return cpu_model_of(c)->mtrr_vcnt | BIT(8) | BIT(10);
}

static bool mtrr_read(struct cpu *c, u32 index, u64 *val)
{
    if (index == MSR_PAT) {
        *val = c->pat;
        return cpu_has(c, FEAT_PAT);
    }
    if (!cpu_has(c, FEAT_MTRR)) return false;
    if (index == MSR_MTRRCAP) {
        *val = mtrrcap(c);
        return true;
    }
    if (index == MSR_MTRR_DEF_TYPE) {
        *val = c->mtrr_def_type;
        return true;
    }
    int f = fixed_index(index);
    if (f >= 0) {
        *val = c->mtrr_fixed[f];
        return true;
    }
    u32 n = index - MSR_MTRR_PHYSBASE0;
    if (index >= MSR_MTRR_PHYSBASE0 && n < 2u * cpu_model_of(c)->mtrr_vcnt) {
        *val = c->mtrr_var[n];
        return true;
    }
    return false;
}

static bool mtrr_write(struct cpu *c, u32 index, u64 val)
{
    u64 addr_rsvd = ~(BIT(cpu_phys_bits(c)) - 1);
    if (index == MSR_PAT) {
        if (!cpu_has(c, FEAT_PAT)) return false;
        for (int k = 0; k < 8; k++)
            if (!pat_type_ok((val >> (8 * k)) & 0xff)) return false;
        c->pat = val;
        return true;
    }
    if (!cpu_has(c, FEAT_MTRR) || index == MSR_MTRRCAP) return false;
    if (index == MSR_MTRR_DEF_TYPE) {
        /* Type in 7:0, FE bit 10, E bit 11; the rest reserved (SDM Vol. 3 Figure 12-6). */
        if ((val & ~0xcffull) || !mtrr_type_ok(val & 0xff)) return false;
        c->mtrr_def_type = val;
        return true;
    }
    int f = fixed_index(index);
    if (f >= 0) {
        for (int k = 0; k < 8; k++)
            if (!mtrr_type_ok((val >> (8 * k)) & 0xff)) return false;
        c->mtrr_fixed[f] = val;
        return true;
    }
    u32 n = index - MSR_MTRR_PHYSBASE0;
    if (index < MSR_MTRR_PHYSBASE0 || n >= 2u * cpu_model_of(c)->mtrr_vcnt) return false;
    if (n % 2 == 0) {
        /* IA32_MTRR_PHYSBASEn: type 7:0, bits 11:8 and 63:MAXPHYADDR reserved (Fig. 12-7). */
        if ((val & (0xf00 | addr_rsvd)) || !mtrr_type_ok(val & 0xff)) return false;
    } else {
        /* IA32_MTRR_PHYSMASKn: valid bit 11, bits 10:0 and 63:MAXPHYADDR reserved. */
        if (val & (0x7ff | addr_rsvd)) return false;
    }
    c->mtrr_var[n] = val;
    return true;
}

const struct msr_range mtrr_msrs[] = {
    {MSR_MTRRCAP, MSR_MTRRCAP, mtrr_read, mtrr_write},
    {MSR_MTRR_PHYSBASE0, MSR_MTRR_PHYSBASE0 + 2 * MTRR_VAR_PAIRS - 1, mtrr_read, mtrr_write},
    {MSR_MTRR_FIX64K_00000, MSR_MTRR_FIX4K_F8000, mtrr_read, mtrr_write},
    {MSR_PAT, MSR_PAT, mtrr_read, mtrr_write},
    {MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, mtrr_read, mtrr_write},
    {0, 0, NULL, NULL},
};
