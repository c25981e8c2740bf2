/* The VMX-preemption timer (SDM Vol. 3 26.5.1): loaded from the VMCS at VM entry, it
 * counts down by 1 each time bit X of the TSC changes, X = IA32_VMX_MISC[4:0] (A.6), and
 * causes a VM exit (reason 52) when it reaches 0. A value of 0 at VM entry exits before
 * the first guest instruction (27.7.4). A machine timer wakes the executor at the TSC
 * value where the count reaches 0, so a halted guest exits too. */
#include "../machine/machine.h"
#include "ctls.h"
#include "intercept.h"

static void preempt_fire(void *opaque, u64 now)
{
    (void)now;
    struct cpu *c = opaque;
    c->check_events = true;
}

static unsigned rate_shift(struct cpu *c) { return (unsigned)(vmx_cap(c, MSR_VMX_MISC) & VMX_MISC_TIMER_RATE_MASK); }

void vmx_preempt_start(struct cpu *c)
{
    struct vmx *v = c->vmx;
    v->preempt_on = vmcs_get32(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_PREEMPTION_TIMER;
    if (!v->preempt_on) return;
    if (!v->preempt_registered) {
        v->preempt_timer.fire = preempt_fire;
        v->preempt_timer.opaque = c;
        timer_register(c->m, &v->preempt_timer);
        v->preempt_registered = true;
    }
    unsigned x = rate_shift(c);
    /* It counts in VMX non-root operation (26.5.1), which begins at the boundary before the
     * first guest instruction: one tick on, when VMLAUNCH/VMRESUME retires. */
    u64 tsc = cpu_tsc(c) + 1, val = vmcs_get32(c, VMCS_VMX_PREEMPTION_TIMER_VALUE);
    /* The count drops at each change of TSC bit X: the first one at the next multiple of
     * 2^X, the last (to 0) val - 1 periods later. */
    v->preempt_tsc = ((tsc >> x) + val) << x;
    /* Expired already: the executor's event check right after entry sees it. Otherwise
     * wake it then (cpu_tsc() = virtual time + tsc_offset). */
    c->check_events = true;
    if (v->preempt_tsc > tsc) timer_arm(c->m, &v->preempt_timer, v->preempt_tsc - c->tsc_offset);
}

void vmx_preempt_stop(struct cpu *c)
{
    struct vmx *v = c->vmx;
    if (v->preempt_registered) timer_arm(c->m, &v->preempt_timer, TIME_NEVER);
    v->preempt_on = false;
}

bool vmx_preempt_expired(struct cpu *c)
{
    struct vmx *v = c->vmx;
    return v->preempt_on && cpu_tsc(c) >= v->preempt_tsc;
}

/* The value a VM exit saves with "save VMX-preemption timer value" (SDM 28.3.4). */
u32 vmx_preempt_value(struct cpu *c)
{
    struct vmx *v = c->vmx;
    u64 tsc = cpu_tsc(c);
    if (!v->preempt_on || tsc >= v->preempt_tsc) return 0;
    unsigned x = rate_shift(c);
    return (u32)((v->preempt_tsc >> x) - (tsc >> x));
}
