/* Control-register loading and paging-structure state shared by MOV CR, task switches and
 * (next issue) VM entry/exit. Private to src/cpu and src/vmx. */
#ifndef VP_SYSREG_H
#define VP_SYSREG_H

#include "cpu.h"

/* Paging-structure entry bits (SDM Vol. 3 4.3-4.5). */
enum {
    PTE_P = 1u << 0, PTE_RW = 1u << 1, PTE_US = 1u << 2, PTE_PWT = 1u << 3, PTE_PCD = 1u << 4,
    PTE_A = 1u << 5, PTE_D = 1u << 6, PTE_PS = 1u << 7, PTE_G = 1u << 8,
};
#define PTE_XD BIT(63)

/* #PF error code bits (SDM Vol. 3 4.7). */
enum { PF_P = 1u << 0, PF_W = 1u << 1, PF_US = 1u << 2, PF_RSVD = 1u << 3, PF_ID = 1u << 4 };

/* PAE paging is in use: CR0.PG, CR4.PAE and not IA-32e mode (SDM Vol. 3 4.1.1). */
static inline bool paging_pae_legacy(const struct cpu *c)
{
    return (c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !(c->efer & EFER_LMA);
}

/* Load the four PDPTE registers from the table CR3 points to (SDM Vol. 3 4.4.1). Returns
 * false, leaving c->pdpte unchanged, if a present PDPTE has a reserved bit set: the
 * instruction that caused the load then raises #GP(0). */
bool paging_load_pdptes(struct cpu *c, u64 cr3);

/* Load a control register with every check of MOV to CRn (SDM Vol. 2 MOV-Move to/from
 * Control Registers; Vol. 3 2.5): raises #GP(0) on an invalid value, updates mode, EFER.LMA,
 * the PDPTEs and the TLB. n is 0, 3, 4 or 8. */
void cr_write(struct cpu *c, int n, u64 val);

/* Bits of CR4 the processor's model allows to be set. */
u64 cr4_valid_bits(const struct cpu *c);

#endif
