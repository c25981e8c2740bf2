/* VM-entry and VM-exit MSR-load lists. */
#ifndef VP_VMX_MSR_LIST_H
#define VP_VMX_MSR_LIST_H

#include "../cpu/cpu.h"

/* Load `count` entries from the list at physical `addr`. Returns 0, or the 1-based number
 * of the first entry that could not be loaded (the entries before it stay loaded).
 * `what` names the list in -d vmx diagnostics. */
u32 vmx_msr_list_load(struct cpu *c, u64 addr, u32 count, const char *what);

#endif
