/* Helpers shared by the VMX instruction files (vmxon.c, vmxinsn.c, vmxinv.c). Private to
 * src/vmx. */
#ifndef VP_VMXINSN_H
#define VP_VMXINSN_H

#include "../cpu/insn.h"
#include "ctls.h"
#include "vmx.h"

/* The checks every VMX instruction but VMXON and VMCALL starts with (SDM 31.3): #UD outside
 * VMX operation, in real, virtual-8086 or compatibility mode; VM exit with `reason` in
 * non-root operation (reason: enum vmx_exit_reason, exit_reasons.h); #GP(0) above CPL 0. */
void vmx_check_common(struct cpu *c, const struct insn *i, u32 reason);
/* VM exit caused by instruction i with its VM-exit instruction information (SDM 28.2.5). */
NORETURN void vmx_insn_exit(struct cpu *c, const struct insn *i, u32 reason);
/* The 64-bit memory operand (VMXON, VMCLEAR, VMPTRLD): #GP/#SS/#PF as a data read. */
u64 vmx_read_m64(struct cpu *c, const struct insn *i);
/* A VMCS or VMXON pointer is 4 KiB aligned and within MAXPHYADDR (SDM 31.3). */
bool vmx_pointer_ok(const struct cpu *c, u64 pa);
/* Revision identifier of IA32_VMX_BASIC. */
u32 vmx_revision(const struct cpu *c);
/* The instructions, by file: vmxinsn.c and vmxinv.c (dispatch is in vmxon.c). */
void vmx_insn_launch(struct cpu *c, const struct insn *i, bool launch);
void vmx_insn_vmptrld(struct cpu *c, const struct insn *i);
void vmx_insn_vmclear(struct cpu *c, const struct insn *i);
void vmx_insn_vmptrst(struct cpu *c, const struct insn *i);
void vmx_insn_vmfunc(struct cpu *c, const struct insn *i);
void vmx_insn_invept(struct cpu *c, const struct insn *i);
void vmx_insn_invvpid(struct cpu *c, const struct insn *i);

#endif
