/* VMX diagnostics: the -d vmx trace (one line per VMX instruction, VM entry and VM exit)
 * and the per-processor counters behind the exit summary that -stats prints.
 *
 * Trace lines go to the machine's log:
 *
 *   cpu0: vmx: rip=0x10003 VMPTRLD [0x201000]: VMsucceed
 *   cpu0: vmx: rip=0x10003 VMWRITE 0x681e GUEST_RIP <- 0x10800: VMsucceed
 *   cpu0: vmx: rip=0x10000 VMLAUNCH: VMfailValid 7 (VM entry with invalid control field(s)),
 *         check ctl.pin.reserved (SDM 27.2.1.1)
 *   cpu0: vmx: rip=0x10000 VMLAUNCH: VM entry to 0018:0x10800
 *   cpu0: vmx: VM exit 10 (CPUID) qual 0 guest rip 0x10807 len 2
 *   cpu0: vmx: rip=0x10000 VMXON [0x201000]: #GP(0)
 *
 * A VMX instruction is described when it starts (vmx_diag_insn) and printed once its
 * outcome is known: VMsucceed/VMfail (vmx_diag_outcome), VM entry (vmx_diag_entry), a VM
 * exit (vmx_diag_exit: the exit line then carries the instruction), or a fault
 * (vmx_diag_fault, from the event tracer). The failing entry check's values are printed
 * by entry_checks.c on the line before. Counters are kept whether or not tracing is on. */
#ifndef VP_VMX_DIAG_H
#define VP_VMX_DIAG_H

#include <stdio.h>

#include "../cpu/cpu.h"
#include "../machine/machine.h"

struct insn;

#define VMX_DIAG_ERRORS 32 /* VM-instruction error numbers 0..31 */

struct vmx_diag {
    /* -d vmx: the VMX instruction under way, until its outcome is printed. */
    bool pending;
    u64 rip, icount;
    int slot;      /* VMREAD/VMWRITE: the field's slot, or -1 */
    bool high;     /* ... its high half */
    bool rd, wr, st; /* VMREAD, VMWRITE, VMPTRST: show the value moved */
    char text[112];
    const char *check, *section; /* the entry check that failed (VMLAUNCH/VMRESUME) */
    /* Statistics. VM exits by reason and successful entries are in struct vmx_transition. */
    u64 launches, resumes, vmfail_invalid, vmfail_valid[VMX_DIAG_ERRORS], aborts, faults;
};

void vmx_diag_insn_begin(struct cpu *c, const struct insn *i);
/* First thing every VMX instruction does (the dispatchers in vmxon.c, vmxinsn.c and
 * vmxinv.c): remember its mnemonic and operands if -d vmx is on. */
static inline void vmx_diag_insn(struct cpu *c, const struct insn *i)
{
    if (unlikely(c->m && (c->m->trace & TRACE_VMX))) vmx_diag_insn_begin(c, i);
}
/* The 64-bit pointer operand (VMXON, VMCLEAR, VMPTRLD) once it has been read. */
void vmx_diag_pointer(struct cpu *c, u64 pa);
/* VMsucceed (err 0), VMfailInvalid (err -1), VMfailValid(err). */
void vmx_diag_outcome(struct cpu *c, int err);
/* VM entry about to fail at a check (before VMfailValid 7/8 or exit 33). */
void vmx_diag_check(struct cpu *c, const char *name, const char *section);
/* VM entry completed: the guest runs from c->rip. */
void vmx_diag_entry(struct cpu *c, bool launch);
/* VM exit (reason with bit 31 for entry failures) with its qualification. */
void vmx_diag_exit(struct cpu *c, u32 reason, u64 qual);
/* VMX abort with its indicator (always logged). */
void vmx_diag_abort(struct cpu *c, u32 code);
/* An exception is about to be delivered (trace_event): a VMX instruction faulted. */
void vmx_diag_fault(struct cpu *c, int vector, int error);

/* Names: VM-instruction error (SDM Table 31-1), "?" if none. */
const char *vmx_error_name(unsigned err);
/* The VMCS field named by an encoding, whether this processor supports it or not; NULL
 * if no field has it. */
const char *vmx_field_name(u32 encoding);

/* The exit summary: entries, VMfails and VM exits by reason, summed over the machine's
 * processors; prints nothing if no processor entered VMX operation. */
void vmx_diag_summary(struct machine *m, FILE *out);

#endif
