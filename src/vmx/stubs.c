/* Weak stand-ins for VM entry and VM exit until entry.c and exit.c land: a VM entry fails
 * with error 7, and there is never non-root operation to exit from. The real definitions
 * override these; delete this file when they exist (weak symbols in a static library only
 * lose to strong ones the linker pulls in for another reason). */
#include "vmx.h"

__attribute__((weak)) void vmx_vmentry(struct cpu *c, bool launch)
{
    (void)launch;
    vmx_fail(c, VMERR_ENTRY_INVALID_CONTROLS);
}

__attribute__((weak)) NORETURN void vmx_exit(struct cpu *c, u32 reason, u64 qualification)
{
    (void)reason;
    (void)qualification;
    cpu_ud(c);
}

__attribute__((weak)) void vmx_exit_insn(struct cpu *c, const struct insn *i, u32 info)
{
    (void)c;
    (void)i;
    (void)info;
}
