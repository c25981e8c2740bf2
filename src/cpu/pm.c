/* Power and thermal management MSRs an OS reads when CPUID promises them (SDM Vol. 4
 * Table 2-2; Vol. 3 15.1 EIST, 15.8 thermal monitoring): IA32_PERF_STATUS/PERF_CTL with
 * EIST (CPUID.1:ECX[7]), IA32_CLOCK_MODULATION, IA32_THERM_INTERRUPT and
 * IA32_THERM_STATUS with ACPI (CPUID.1:EDX[22]). The emulated processor runs at one
 * frequency and never gets hot: a requested performance state is reported as current,
 * clock modulation and thermal interrupts are accepted and never act, and the thermal
 * status shows no event (no digital sensor: CPUID.6:EAX[0] is 0). */
#include "../machine/machine.h"
#include "cpumodel.h"
#include "msr.h"

#define PERF_CTL_RW (0xffffull | BIT(32)) /* target state, IDA/turbo disengage */
#define CLOCK_MOD_RW 0x1eull              /* duty cycle 3:1, enable 4 (no ECMD) */
/* High/low temperature, PROCHOT#, FORCEPR#, critical interrupt enables, thresholds 1
 * and 2 with their enables (SDM Vol. 3 15.8.5.2). */
#define THERM_INT_RW 0x01ffff1full

/* Bits 15:8 of the performance state hold the bus ratio; the part runs at its base ratio
 * until software requests another state. */
static u64 perf_state(const struct cpu *c)
{
    return c->perf_ctl & 0xffff ? c->perf_ctl & 0xffff : (u64)cpu_model_of(c)->base_ratio << 8;
}

static bool pm_read(struct cpu *c, u32 index, u64 *val)
{
    switch (index) {
    case MSR_PERF_STATUS: *val = perf_state(c); return cpu_has(c, FEAT_EIST);
    case MSR_PERF_CTL: *val = c->perf_ctl; return cpu_has(c, FEAT_EIST);
    case MSR_CLOCK_MODULATION: *val = c->clock_modulation; return cpu_has(c, FEAT_ACPI);
    case MSR_THERM_INTERRUPT: *val = c->therm_interrupt; return cpu_has(c, FEAT_ACPI);
    case MSR_THERM_STATUS: *val = 0; return cpu_has(c, FEAT_ACPI);
    }
    return false;
}

static bool pm_write(struct cpu *c, u32 index, u64 val)
{
    switch (index) {
    case MSR_PERF_CTL:
        if (!cpu_has(c, FEAT_EIST) || (val & ~PERF_CTL_RW)) return false;
        c->perf_ctl = val;
        return true;
    case MSR_CLOCK_MODULATION:
        if (!cpu_has(c, FEAT_ACPI) || (val & ~CLOCK_MOD_RW)) return false;
        c->clock_modulation = val;
        return true;
    case MSR_THERM_INTERRUPT:
        if (!cpu_has(c, FEAT_ACPI) || (val & ~THERM_INT_RW)) return false;
        c->therm_interrupt = val;
        return true;
    case MSR_THERM_STATUS:
        /* Status bits are read-only; the log bits (R/WC0) are clear, and no event sets them. */
        return cpu_has(c, FEAT_ACPI) && !(val >> 32);
    }
    return false; /* IA32_PERF_STATUS is read-only */
}

const struct msr_range pm_msrs[] = {
    {MSR_PERF_STATUS, MSR_THERM_STATUS, pm_read, pm_write},
    {0, 0, NULL, NULL},
};
