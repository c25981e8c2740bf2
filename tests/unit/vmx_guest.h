/* VM-entry host tests: a VMCS that enters a 64-bit guest sharing the harness's flat
 * segments and identity map, the host resuming at HLT. Built on vmx_util.h. */
#ifndef VP_TEST_VMX_GUEST_H
#define VP_TEST_VMX_GUEST_H

#include "vmx/ctls.h"
#include "vmx_util.h"

#define GUEST_CODE (HARNESS_CODE + 0x800)
#define GUEST_STACK 0x90000u
#define HOST_TR_SEL 0x28

/* Must-be-one bits of a control capability MSR. */
static inline u32 must1(struct harness *h, u32 msr) { return (u32)vmx_cap(h->c, msr); }

/* VMXON, VMCLEAR and VMPTRLD of VMCS_A, then a VMCS for a 64-bit guest at GUEST_CODE. The
 * host resumes at host_rip. vmx_guest_init does it on a harness that vmx_harness_init has
 * prepared. */
static inline void vmx_guest_init(struct harness *h, u64 host_rip)
{
    struct cpu *c = h->c;
    if (RUN_M(h, I_VMXON, VMXON_PA) != -1 || RUN_M(h, I_VMCLEAR, VMCS_A) != -1 ||
        RUN_M(h, I_VMPTRLD, VMCS_A) != -1) {
        printf("FAIL setup: VMXON/VMCLEAR/VMPTRLD\n");
        exit(1);
    }
    vmcs_set(c, VMCS_PIN_BASED_VM_EXEC_CONTROL, must1(h, MSR_VMX_PINBASED_CTLS));
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, must1(h, MSR_VMX_PROCBASED_CTLS));
    vmcs_set(c, VMCS_VM_EXIT_CONTROLS, must1(h, MSR_VMX_EXIT_CTLS) | EXIT_HOST_ADDR_SPACE_SIZE);
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, must1(h, MSR_VMX_ENTRY_CTLS) | ENTRY_IA32E_MODE);
    /* Host state: the harness's 64-bit state. */
    vmcs_set(c, VMCS_HOST_CR0, c->cr0);
    vmcs_set(c, VMCS_HOST_CR3, c->cr3);
    vmcs_set(c, VMCS_HOST_CR4, c->cr4);
    vmcs_set(c, VMCS_HOST_CS_SELECTOR, H_CODE64);
    vmcs_set(c, VMCS_HOST_SS_SELECTOR, H_DATA32);
    vmcs_set(c, VMCS_HOST_DS_SELECTOR, H_DATA32);
    vmcs_set(c, VMCS_HOST_ES_SELECTOR, H_DATA32);
    vmcs_set(c, VMCS_HOST_TR_SELECTOR, HOST_TR_SEL);
    vmcs_set(c, VMCS_HOST_GDTR_BASE, HARNESS_GDT);
    vmcs_set(c, VMCS_HOST_RSP, HARNESS_STACK);
    vmcs_set(c, VMCS_HOST_RIP, host_rip);
    /* Guest state: the same flat 64-bit world. */
    vmcs_set(c, VMCS_GUEST_CR0, c->cr0);
    vmcs_set(c, VMCS_GUEST_CR3, c->cr3);
    vmcs_set(c, VMCS_GUEST_CR4, c->cr4);
    vmcs_set(c, VMCS_GUEST_IA32_EFER, c->efer);
    vmcs_set(c, VMCS_GUEST_DR7, 0x400);
    for (int s = 0; s < 6; s++) {
        vmcs_set(c, vmx_gseg_sel(s), s == SEG_CS ? H_CODE64 : H_DATA32);
        vmcs_set(c, vmx_gseg_limit(s), 0xffffffff);
        vmcs_set(c, vmx_gseg_ar(s), s == SEG_CS ? 0xa09b : 0xc093);
    }
    vmcs_set(c, VMCS_GUEST_LDTR_AR_BYTES, AR_UNUSABLE);
    vmcs_set(c, VMCS_GUEST_TR_SELECTOR, HOST_TR_SEL);
    vmcs_set(c, VMCS_GUEST_TR_LIMIT, 0x67);
    vmcs_set(c, VMCS_GUEST_TR_AR_BYTES, 0x8b);
    vmcs_set(c, VMCS_GUEST_GDTR_BASE, HARNESS_GDT);
    vmcs_set(c, VMCS_GUEST_GDTR_LIMIT, 6 * 8 - 1);
    vmcs_set(c, VMCS_GUEST_RSP, GUEST_STACK);
    vmcs_set(c, VMCS_GUEST_RIP, GUEST_CODE);
    vmcs_set(c, VMCS_GUEST_RFLAGS, FL_FIXED1);
    vmcs_set(c, VMCS_VMCS_LINK_POINTER, ~0ull);
}
static inline struct harness *vmx_guest_setup(const char *model, u64 host_rip)
{
    struct harness *h = vmx_harness(model);
    vmx_guest_init(h, host_rip);
    return h;
}

/* Place guest code (HLT appended). */
static inline void guest_code(struct harness *h, const u8 *code, size_t len)
{
    static const u8 hlt = 0xf4;
    phys_copy_in(h->m, GUEST_CODE, code, len);
    phys_copy_in(h->m, GUEST_CODE + len, &hlt, 1);
}

/* Host code: VMLAUNCH (or VMRESUME) then HLT at HARNESS_CODE + 3, where the host resumes. */
#define HOST_RESUME (HARNESS_CODE + 3)
/* A skylake guest running `g` with extra pin-based, primary and secondary controls. */
static inline struct harness *vmx_guest_with_controls(const u8 *g, size_t n, u32 pin, u32 proc, u32 proc2)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, n);
    vmcs_set(c, VMCS_PIN_BASED_VM_EXEC_CONTROL, vmcs_get(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) | pin);
    if (proc2) proc |= CPU_SECONDARY_CONTROLS;
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | proc);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    return h;
}
static inline u64 grip(struct harness *h) { return vmcs_get(h->c, VMCS_GUEST_RIP); }

static inline int host_enter(struct harness *h, bool launch)
{
    return harness_run(h, launch ? I_VMLAUNCH : I_VMRESUME, 3, 1000);
}
static inline u32 exit_reason(struct harness *h) { return (u32)vmcs_get(h->c, VMCS_VM_EXIT_REASON); }
static inline u64 exit_qual(struct harness *h) { return vmcs_get(h->c, VMCS_EXIT_QUALIFICATION); }
static inline const char *last_check(struct harness *h)
{
    return h->c->vmx->tr.last_check ? h->c->vmx->tr.last_check : "(none)";
}

#endif
