/* -cpu MODEL,+feature,-feature: the switches reach what CPUID reports, on top of the
 * model's defaults, and unknown or unimplemented features are refused. */
#include "check.h"
#include "cpu/cpumodel.h"
#include "machine/machine.h"
#include "vmx/caps.h"
#include "vmx/vmx.h"

static struct machine *make(const char *spec, char *err, size_t errlen)
{
    int model;
    struct cpu_features f;
    if (!cpu_model_parse(spec, &model, &f, err, errlen)) return NULL;
    struct machine_config cfg = {.ram_size = 8u << 20, .ncpus = 1, .cpu_model = model, .features = f.w};
    return machine_create(&cfg, err, errlen);
}

static u32 cpuid1_ecx(struct machine *m)
{
    u32 out[4];
    cpuid_query(m->cpus[0], 1, 0, out);
    return out[2];
}

int main(void)
{
    char err[200] = "";
    struct machine *m = make("skylake", err, sizeof err);
    CHECK("features.skylake_has_pcid", m && (cpuid1_ecx(m) & (1u << 17)), "%s", err);
    machine_destroy(m);

    m = make("skylake,-pcid", err, sizeof err);
    CHECK("features.minus_pcid_clears_cpuid_bit", m && !(cpuid1_ecx(m) & (1u << 17)), "%s", err);
    CHECK("features.minus_pcid_keeps_others", m && (cpuid1_ecx(m) & (1u << 23)), "popcnt lost");
    CHECK("features.cpu_has_follows_switch", m && !cpu_has(m->cpus[0], FEAT_PCID), "cpu_has says PCID");
    machine_destroy(m);

    m = make("core2", err, sizeof err);
    CHECK("features.core2_has_no_pcid", m && !(cpuid1_ecx(m) & (1u << 17)), "%s", err);
    machine_destroy(m);

    m = make("skylake,+nosuchfeature", err, sizeof err);
    CHECK("features.unknown_feature_refused", !m && strstr(err, "nosuchfeature"), "err '%s'", err);
    machine_destroy(m);

    m = make("skylake,+avx512f", err, sizeof err);
    CHECK("features.unimplemented_feature_refused", !m && err[0], "accepted");
    machine_destroy(m);

    /* VMX capability switches travel through machine_create like the CPUID ones. */
    m = make("skylake,+vmx,-preemption-timer,+vnmi", err, sizeof err);
    CHECK("features.vmx_switch_reaches_msr", m && !((vmx_cap(m->cpus[0], MSR_VMX_PINBASED_CTLS) >> 32) &
          PIN_PREEMPTION_TIMER) && ((vmx_cap(m->cpus[0], MSR_VMX_PINBASED_CTLS) >> 32) & PIN_VIRTUAL_NMIS),
          "%s", err);
    machine_destroy(m);

    m = make("skylake,+vmx,-tpr-shadow", err, sizeof err);
    CHECK("features.vmx_unimplemented_refused", !m && strstr(err, "not implemented yet"), "err '%s'", err);
    machine_destroy(m);
    return check_exit();
}
