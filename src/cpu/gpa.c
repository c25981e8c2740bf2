/* The guest-physical access path of address translation (gpa.h). Outside VMX non-root
 * operation a guest-physical address is a physical address: each function is the identity
 * over phys_read()/phys_write(). In non-root operation with "enable EPT" the address goes
 * through the EPT walker first (vmx_ept_gpa, SDM Vol. 3 29.3.2); a violation or a
 * misconfiguration is a VM exit and does not return. */
#include "gpa.h"
#include "../machine/machine.h"
#include "../vmx/vmx.h"

/* tests/unit/test_gpa_seam.c compiles this file into itself with GPA_TRACE defined, to
 * record every access in order; the library's copy records nothing. */
#ifndef GPA_TRACE
#define GPA_TRACE(c, kind, gpa, size, val, w) ((void)0)
#endif

bool gpa_read_entry(struct cpu *c, u64 gpa, unsigned size, const struct gpa_why *w, u64 *e)
{
    u64 pa = gpa;
    if (unlikely(c->vmx_nonroot) && !vmx_ept_gpa(c, gpa, GPA_ENTRY_READ, w, &pa, NULL)) return false;
    *e = phys_read(c->m, c, pa, size);
    GPA_TRACE(c, 'R', gpa, size, *e, w);
    return true;
}

bool gpa_write_ad(struct cpu *c, u64 gpa, u8 lo, const struct gpa_why *w)
{
    u64 pa = gpa;
    if (unlikely(c->vmx_nonroot) && !vmx_ept_gpa(c, gpa, GPA_AD_WRITE, w, &pa, NULL)) return false;
    GPA_TRACE(c, 'W', gpa, 1, lo, w);
    phys_write(c->m, c, pa, 1, lo);
    return true;
}

bool gpa_to_hpa_final(struct cpu *c, u64 gpa, const struct gpa_why *w, u64 *hpa, bool *writable)
{
    GPA_TRACE(c, 'F', gpa, 0, gpa, w);
    *hpa = gpa;
    if (unlikely(c->vmx_nonroot)) return vmx_ept_gpa(c, gpa, GPA_FINAL, w, hpa, writable);
    return true;
}
