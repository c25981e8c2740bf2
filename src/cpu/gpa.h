/* The guest-physical access path of address translation: the one seam between the page
 * walker (paging.c) and the physical address space. Every paging-structure read, every
 * accessed/dirty write and the final guest-physical address of every translation (paged
 * or not) go through these three functions, so EPT can translate each of them (SDM Vol. 3
 * 29.3.2: translation becomes two-dimensional, each guest paging-structure access and the
 * final address being translated through EPT). Without EPT they are the identity; in VMX
 * non-root operation they ask src/vmx/ept_gpa.c, behind one predictable branch. */
#ifndef VP_GPA_H
#define VP_GPA_H

#include "cpu.h"

/* Why the access is made: what an EPT violation during it reports (SDM Vol. 3 28.2.1,
 * Table 28-7: access kind; bit 7, guest-linear address valid; bit 8, final translation or
 * paging-structure access; bits 9-11 from the guest's own translation). */
struct gpa_why {
    u64 lin;         /* guest-linear address being translated */
    int acc;         /* that access: ACC_READ/WRITE/EXEC, ACC_SUPER, ACC_NOFAULT */
    bool pdpte_load; /* loading the PAE PDPTE registers (MOV CR, task switch, VM entry/exit):
                      * no linear address (bit 7 = 0) and a read even with EPT A/D flags
                      * (29.3.3.2) */
    /* The final translation only: what guest paging says of the linear address (user-mode
     * address, writable, execute-disable; with CR0.PG = 0 user, writable and executable).
     * Mode-based execute control picks the EPT execute bit by it (29.3.3.2); advanced
     * exit information reports it in qualification bits 11:9 (28.2.1). */
    bool user, writable, nx;
    u8 pat; /* its PAT memory type (no PAT without paging: WB, which leaves the EPT type as
             * it is in Table 12-7), for the effective memory type (29.3.7.2) */
};

/* Read the paging-structure entry (size 4 or 8) at guest-physical `gpa` into *e. Returns
 * false only for an ACC_NOFAULT walk that cannot complete; otherwise it returns true or
 * does not return (a VM exit unwinds like a fault). */
bool gpa_read_entry(struct cpu *c, u64 gpa, unsigned size, const struct gpa_why *w, u64 *e);

/* Write `lo`, the low byte of the entry at `gpa` (it holds A and D; SDM Vol. 3 4.8), to set
 * its accessed/dirty flags. The walker's read and this write are one locked
 * read-modify-write: no other processor runs in between. Returns as gpa_read_entry(). */
bool gpa_write_ad(struct cpu *c, u64 gpa, u8 lo, const struct gpa_why *w);

/* The final translation: guest-physical `gpa` (the walk's result, or the linear address
 * itself with CR0.PG = 0) to the address the access uses, in *hpa. Clears *writable when
 * the TLB may not cache a write through it (under EPT: the translation is not writable,
 * or with EPT A/D flags its dirty flag is not set yet, SDM 29.3.5). Returns as
 * gpa_read_entry(). */
bool gpa_to_hpa_final(struct cpu *c, u64 gpa, const struct gpa_why *w, u64 *hpa, bool *writable);

/* How the three use the guest-physical address (vmx_ept_gpa, src/vmx/ept_gpa.c). */
enum gpa_use { GPA_ENTRY_READ, GPA_AD_WRITE, GPA_FINAL };

#endif
