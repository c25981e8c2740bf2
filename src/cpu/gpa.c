/* The guest-physical access path of address translation (gpa.h). Without EPT a
 * guest-physical address is a physical address: each function is the identity over
 * phys_read()/phys_write(). */
#include "gpa.h"
#include "../machine/machine.h"

/* tests/unit/test_gpa_seam.c compiles this file into itself with GPA_TRACE defined, to
 * record every access in order; the library's copy records nothing. */
#ifndef GPA_TRACE
#define GPA_TRACE(c, kind, gpa, size, val, w) ((void)0)
#endif

bool gpa_read_entry(struct cpu *c, u64 gpa, unsigned size, const struct gpa_why *w, u64 *e)
{
    *e = phys_read(c->m, c, gpa, size);
    GPA_TRACE(c, 'R', gpa, size, *e, w);
    return true;
}

bool gpa_write_ad(struct cpu *c, u64 gpa, u8 lo, const struct gpa_why *w)
{
    GPA_TRACE(c, 'W', gpa, 1, lo, w);
    phys_write(c->m, c, gpa, 1, lo);
    return true;
}

bool gpa_to_hpa_final(struct cpu *c, u64 gpa, const struct gpa_why *w, u64 *hpa)
{
    GPA_TRACE(c, 'F', gpa, 0, gpa, w);
    *hpa = gpa;
    return true;
}
