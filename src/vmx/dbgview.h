/* VMX views for a debugger (dbgview.c): text for the gdb stub's monitor commands through
 * the public API (vp_debug_show). Read-only. */
#ifndef VP_VMX_DBGVIEW_H
#define VP_VMX_DBGVIEW_H

#include <stdio.h>

#include "../common.h"

struct cpu;

void vmx_dbg_state(struct cpu *c, FILE *out);            /* root/non-root, VMCS, last exit */
void vmx_dbg_vmcs(struct cpu *c, FILE *out);             /* the current VMCS by field name */
void vmx_dbg_ept(struct cpu *c, u64 gpa, FILE *out);     /* EPT walk of a guest-physical address */
void vmx_dbg_translate(struct cpu *c, u64 lin, FILE *out); /* linear address translation */
/* A basic exit reason by number or name (exit_reasons.h); -1 if none. */
int vmx_dbg_reason_parse(const char *s);
const char *vmx_dbg_reason_name(u32 reason);

#endif
