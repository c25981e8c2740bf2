/* The capabilities that VMCS fields and VM-entry checks depend on (needs.h). */
#include "needs.h"
#include "../cpu/cpumodel.h"
#include "caps.h"
#include "vmx.h"

void vmx_allowed_of(const struct cpu *c, struct vmx_allowed *a)
{
    /* From the machine's cache in one look-up: VMREAD and VMWRITE ask this per field. */
    const struct feature_cache *fc = cpu_feature_cache(c);
    if (fc) {
#define M(msr) (fc->vmx_msr[(msr)-MSR_VMX_BASIC])
        a->pin = M(MSR_VMX_PINBASED_CTLS) >> 32;
        a->proc = M(MSR_VMX_PROCBASED_CTLS) >> 32;
        a->proc2 = (a->proc & CPU_SECONDARY_CONTROLS) ? M(MSR_VMX_PROCBASED_CTLS2) >> 32 : 0;
        a->exit = M(MSR_VMX_EXIT_CTLS) >> 32;
        a->entry = M(MSR_VMX_ENTRY_CTLS) >> 32;
        a->vmfunc = M(MSR_VMX_VMFUNC);
#undef M
        return;
    }
    a->pin = vmx_cap(c, MSR_VMX_PINBASED_CTLS) >> 32;
    a->proc = vmx_cap(c, MSR_VMX_PROCBASED_CTLS) >> 32;
    a->proc2 = (a->proc & CPU_SECONDARY_CONTROLS) ? vmx_cap(c, MSR_VMX_PROCBASED_CTLS2) >> 32 : 0;
    a->exit = vmx_cap(c, MSR_VMX_EXIT_CTLS) >> 32;
    a->entry = vmx_cap(c, MSR_VMX_ENTRY_CTLS) >> 32;
    a->vmfunc = vmx_cap(c, MSR_VMX_VMFUNC);
}

void vmx_allowed_implemented(struct vmx_allowed *a)
{
    u32 w[FW_COUNT] = {0};
    vmx_caps_words(NULL, true, w);
    *a = (struct vmx_allowed){.pin = w[FW_VMX_PIN],
                              .proc = w[FW_VMX_PROC],
                              .exit = w[FW_VMX_EXIT],
                              .entry = w[FW_VMX_ENTRY]};
    if (a->proc & CPU_SECONDARY_CONTROLS) a->proc2 = w[FW_VMX_PROC2];
    if (a->proc2 & SEC_VMFUNC) a->vmfunc = vmx_vmfunc_implemented();
}

bool vmx_need_met(const struct vmx_allowed *a, enum vmx_need n)
{
    switch (n) {
#define VMX_NEED(name, cond, text)                                                                 \
    case VMX_NEED_##name:                                                                          \
        return (cond);
#include "needs.h"
#undef VMX_NEED
    default: return false;
    }
}

static const char *const names[] = {
#define VMX_NEED(name, cond, text) #name,
#include "needs.h"
#undef VMX_NEED
};
static const char *const texts[] = {
#define VMX_NEED(name, cond, text) text,
#include "needs.h"
#undef VMX_NEED
};

const char *vmx_need_name(enum vmx_need n)
{
    return n < VMX_NEED_COUNT ? names[n] : "?";
}
const char *vmx_need_text(enum vmx_need n)
{
    return n < VMX_NEED_COUNT ? texts[n] : "?";
}
