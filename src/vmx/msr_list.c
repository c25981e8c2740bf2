/* The MSR-load lists of VM entry (SDM 27.4) and VM exit (SDM 28.6): 16-byte entries of
 * MSR index (bits 31:0; bits 63:32 reserved) and value, loaded in order as by WRMSR. */
#include "../machine/machine.h"
#include "ctls.h"
#include "msr_list.h"

u32 vmx_msr_list_load(struct cpu *c, u64 addr, u32 count, const char *what)
{
    u32 max = vmx_msr_list_max(c);
    for (u32 k = 0; k < count; k++) {
        u64 e = addr + 16 * (u64)k;
        u64 idx = phys_read(c->m, c, e, 8), val = phys_read(c->m, c, e + 8, 8);
        u32 msr = (u32)idx;
        /* FS/GS base, the x2APIC range and the SMM MSRs cannot be loaded this way. Past
         * the recommended maximum the list fails (ctls.h). */
        bool bad = (idx >> 32) || msr == 0xc0000100 || msr == 0xc0000101 || (msr >> 8) == 8 ||
                   msr == 0x9b || msr == 0x9e || k >= max;
        if (bad || !msr_write(c, msr, val)) {
            if (c->m->trace & TRACE_VMX)
                machine_log(c->m, "cpu%d: vmx: %s MSR-load entry %u fails: msr %#llx value %#llx", c->index,
                            what, k + 1, (unsigned long long)idx, (unsigned long long)val);
            return k + 1;
        }
    }
    return 0;
}
