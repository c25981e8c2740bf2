/* Helpers for the VMX host tests: a 64-bit harness with VMX switched on, regions laid out
 * in free memory, and single VMX instructions run with their outcome read back. */
#ifndef VP_TEST_VMX_UTIL_H
#define VP_TEST_VMX_UTIL_H

#include "check.h"
#include "cpu/cpumodel.h"
#include "cpu/msr.h"
#include "harness.h"
#include "vmx/caps.h"
#include "vmx/vmx.h"

#define VMXON_PA (HARNESS_DATA + 0x0000)
#define VMCS_A (HARNESS_DATA + 0x1000)
#define VMCS_B (HARNESS_DATA + 0x2000)
#define SCRATCH (HARNESS_DATA + 0x8000)

static inline void vmx_enable_feature(struct harness *h, const char *model)
{
    h->m->cpu_model = cpu_model_lookup(model);
    harness_feature(h, FEAT_VMX, true);
}

static inline u32 test_revision(struct harness *h) { return (u32)vmx_cap(h->c, MSR_VMX_BASIC) & 0x7fffffff; }

/* A 64-bit processor of `model` with VMX offered, CR4.VMXE set, FEATURE_CONTROL locked with
 * VMX outside SMX, and VMXON/VMCS regions carrying the right revision. */
static inline void vmx_harness_init(struct harness *h, const char *model)
{
    vmx_enable_feature(h, model);
    h->c->cr4 |= CR4_VMXE;
    h->c->feature_control = 1 | 4;
    u32 rev = test_revision(h);
    phys_write(h->m, h->c, VMXON_PA, 4, rev);
    phys_write(h->m, h->c, VMCS_A, 4, rev);
    phys_write(h->m, h->c, VMCS_B, 4, rev);
}
static inline struct harness *vmx_harness(const char *model)
{
    struct harness *h = harness_new(MODE_LONG);
    vmx_harness_init(h, model);
    return h;
}

/* A VMX harness whose machine carries the -cpu switches of `spec` ("skylake,-ept"), as
 * machine_create derives them; the regions carry that machine's revision. A bad spec ends
 * the test program with its one-line error. */
static inline struct harness *vmx_spec_harness(const char *spec)
{
    int model;
    struct cpu_features f;
    char err[200];
    if (!cpu_model_parse(spec, &model, &f, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", spec, err);
        exit(2);
    }
    struct harness *h = vmx_harness(cpu_model_name(model));
    struct cpu_features def = cpu_model_features(model);
    for (int w = 0; w < FW_COUNT; w++) {
        h->m->features_on[w] = f.w[w] & ~def.w[w];
        h->m->features_off[w] = def.w[w] & ~f.w[w];
    }
    machine_features_changed(h->m);
    u32 rev = test_revision(h);
    phys_write(h->m, h->c, VMXON_PA, 4, rev);
    phys_write(h->m, h->c, VMCS_A, 4, rev);
    phys_write(h->m, h->c, VMCS_B, 4, rev);
    return h;
}

/* IA32_VMX_EPT_VPID_CAP of the real parts, which the models offer whole: Westmere; Skylake
 * (with bit 22, advanced exit information); Ice Lake adds bit 7 (page-walk length 5). The
 * high half is VPID's (INVVPID types), the low half EPT's (SDM A.10). */
#define EPT_VPID_CAP_WESTMERE 0x00000f0106114141ull
#define EPT_VPID_CAP_SKYLAKE 0x00000f0106734141ull
#define EPT_VPID_CAP_ICELAKE 0x00000f01067341c1ull
#define EPT_CAP_HALF(v) ((v) & 0xffffffffull)
#define VPID_CAP_HALF(v) ((v) & ~0xffffffffull)

/* RDMSR IA32_VMX_EPT_VPID_CAP on `spec`'s processor against what the test expects: checks
 * "cap.SPEC.exists" and "cap.SPEC.value"; returns the value read. */
static inline u64 check_ept_vpid_cap(struct harness *h, const char *spec, bool exists, u64 cap)
{
    char n[96];
    u64 v = 0;
    bool ok = msr_read(h->c, MSR_VMX_EPT_VPID_CAP, &v);
    snprintf(n, sizeof n, "cap.%s.exists", spec);
    CHECK_EQ(n, ok, exists);
    snprintf(n, sizeof n, "cap.%s.value", spec);
    CHECK_EQ(n, v, cap);
    return v;
}

/* Outcome of the last instruction: 'S' VMsucceed, 'I' VMfailInvalid, 'V' VMfailValid, '?'. */
static inline char vmx_outcome(struct harness *h)
{
    u64 f = cpu_get_rflags(h->c) & FL_ARITH;
    if (f == 0) return 'S';
    if (f == FL_CF) return 'I';
    if (f == FL_ZF) return 'V';
    return '?';
}

/* Run code; returns -1 when it reached HLT, else the exception vector. Arithmetic flags
 * are set to all ones first so that the instruction's own outcome is visible. */
static inline int vmx_run(struct harness *h, const u8 *code, size_t len)
{
    cpu_set_rflags(h->c, cpu_get_rflags(h->c) | FL_ARITH);
    return harness_run(h, code, len, 20);
}

/* Instruction helpers: operands in registers, memory operands at [rax]. */
static inline int op_m64(struct harness *h, const u8 *enc, size_t n, u64 pa)
{
    u64 v = pa;
    phys_copy_in(h->m, SCRATCH, &v, 8);
    h->c->r[RAX] = SCRATCH;
    return vmx_run(h, enc, n);
}
static const u8 I_VMXON[] = {0xf3, 0x0f, 0xc7, 0x30}, I_VMCLEAR[] = {0x66, 0x0f, 0xc7, 0x30},
                I_VMPTRLD[] = {0x0f, 0xc7, 0x30}, I_VMPTRST[] = {0x0f, 0xc7, 0x38},
                I_VMXOFF[] = {0x0f, 0x01, 0xc4}, I_VMCALL[] = {0x0f, 0x01, 0xc1},
                I_VMLAUNCH[] = {0x0f, 0x01, 0xc2}, I_VMRESUME[] = {0x0f, 0x01, 0xc3},
                I_VMFUNC[] = {0x0f, 0x01, 0xd4},
                I_VMREAD[] = {0x0f, 0x78, 0xd0},  /* vmread rax, rdx */
                I_VMWRITE[] = {0x0f, 0x79, 0xd0}, /* vmwrite rdx, rax */
                I_VMREAD_M[] = {0x0f, 0x78, 0x13}, /* vmread [rbx], rdx */
                I_VMWRITE_M[] = {0x0f, 0x79, 0x13}, /* vmwrite rdx, [rbx] */
                I_INVEPT[] = {0x66, 0x0f, 0x38, 0x80, 0x03}, /* invept rax, [rbx] */
                I_INVVPID[] = {0x66, 0x0f, 0x38, 0x81, 0x03};
#define RUN(h, ins) vmx_run(h, ins, sizeof ins)
#define RUN_M(h, ins, pa) op_m64(h, ins, sizeof ins, pa)

static inline int vmwrite(struct harness *h, u64 enc, u64 val)
{
    h->c->r[RDX] = enc;
    h->c->r[RAX] = val;
    return RUN(h, I_VMWRITE);
}
static inline int vmread(struct harness *h, u64 enc, u64 *val)
{
    h->c->r[RDX] = enc;
    h->c->r[RAX] = 0xdeadbeefdeadbeefull;
    int r = RUN(h, I_VMREAD);
    *val = h->c->r[RAX];
    return r;
}
static inline u32 vm_error(struct harness *h) { return (u32)vmcs_get(h->c, VMCS_VM_INSTRUCTION_ERROR); }

#endif
