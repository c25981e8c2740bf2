/* Linear-to-physical translation: 32-bit, PAE, 4-level and 5-level paging (SDM Vol. 3
 * chapter 4), with the access-rights rules of 4.6 (NX, WP, SMEP, SMAP), the reserved-bit
 * checks of 4.3-4.5, accessed/dirty flags (4.8) and the #PF error code (4.7).
 *
 * The walk reads the paging structures through the guest-physical access path (gpa.h) and,
 * once the access is known to be allowed, sets the accessed flags it used and the dirty
 * flag of the final entry through it too. A faulting access changes nothing in memory. The
 * result is a guest-physical address; the caller translates it once more (mem.c). */
#include "../machine/machine.h"
#include "cpumodel.h"
#include "gpa.h"
#include "sysreg.h"

/* What the walk learned about a translation. */
struct xlat {
    u64 gpa;        /* guest-physical page base */
    bool rw, us, xd; /* combined over all levels (SDM Vol. 3 4.6.1) */
    bool global, dirty;
    u8 page_shift;  /* log2 of the page the leaf maps: 12, or 22, 21, 30 for a 4 MiB,
                     * 2 MiB or 1 GiB page (whose PAT bit is bit 12) */
    int n;          /* entries used */
    u64 ent_pa[5];  /* where they are, for the accessed/dirty update */
    u64 ent[5];
    u8 ent_size[5];
    struct gpa_why why; /* the access being translated (gpa.h) */
};

/* Walk outcome besides 0 (success) and error-code bits: an entry was not present, which
 * reports P = 0. */
#define NOT_PRESENT 0x100u

static bool pf(struct cpu *c, u64 lin, int acc, u32 err)
{
    if (acc & ACC_NOFAULT) return false;
    /* In VMX non-root operation CR2 is written when the #PF is delivered, not when it
     * causes a VM exit (SDM Vol. 3 27.1). */
    c->fault_addr = lin;
    if (!c->vmx_nonroot) c->cr2 = lin;
    cpu_raise(c, EXC_PF, (int)err);
}

static void note_entry(struct xlat *x, u64 pa, u64 e, unsigned size)
{
    x->ent_pa[x->n] = pa;
    x->ent[x->n] = e;
    x->ent_size[x->n] = (u8)size;
    x->n++;
}

/* Physical-address bits M-1:0 (SDM Vol. 3 4.1.4). */
static u64 phys_mask(unsigned m) { return (1ull << m) - 1; }

/* 32-bit paging (SDM Vol. 3 4.3). Only 4-MByte PDEs have reserved bits. Returns 0,
 * NOT_PRESENT, or the error-code bits of a reserved-bit fault. */
static u32 walk32(struct cpu *c, u32 lin, struct xlat *x)
{
    u64 pde_pa = (c->cr3 & 0xfffff000u) + ((lin >> 22) & 0x3ff) * 4;
    u64 pde;
    if (!gpa_read_entry(c, pde_pa, 4, &x->why, &pde)) return NOT_PRESENT; /* ACC_NOFAULT only */
    if (!(pde & PTE_P)) return NOT_PRESENT;
    note_entry(x, pde_pa, pde, 4);
    x->rw = pde & PTE_RW;
    x->us = pde & PTE_US;
    if ((pde & PTE_PS) && (c->cr4 & CR4_PSE)) {
        /* PSE-36: PDE bits 20:13 hold physical bits 39:32, limited to MAXPHYADDR
         * (at most 40 here); bit 21 and bits above MAXPHYADDR are reserved (Table 4-4). */
        unsigned m = cpu_phys_bits(c) < 40 ? cpu_phys_bits(c) : 40;
        u64 rsvd = BIT(21);
        for (unsigned b = m - 19; b <= 20; b++) rsvd |= BIT(b);
        if (pde & rsvd) return PF_P | PF_RSVD;
        x->gpa = ((pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32) | (lin & 0x3ff000)) &
                 phys_mask(m);
        x->global = (pde & PTE_G) && (c->cr4 & CR4_PGE);
        x->dirty = pde & PTE_D;
        x->page_shift = 22;
        return 0;
    }
    u64 pte_pa = (pde & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4;
    u64 pte;
    if (!gpa_read_entry(c, pte_pa, 4, &x->why, &pte)) return NOT_PRESENT;
    if (!(pte & PTE_P)) return NOT_PRESENT;
    note_entry(x, pte_pa, pte, 4);
    x->rw = x->rw && (pte & PTE_RW);
    x->us = x->us && (pte & PTE_US);
    x->gpa = pte & 0xfffff000u;
    x->global = (pte & PTE_G) && (c->cr4 & CR4_PGE);
    x->dirty = pte & PTE_D;
    return 0;
}

/* The 64-bit-entry levels shared by PAE, 4-level and 5-level paging (SDM Vol. 3 4.4.2,
 * 4.5.4): `level` 5 = PML5, 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT. `long_mode` says whether
 * R/W, U/S and XD of the upper levels count (not for PAE PDPTE registers). */
static u32 walk64(struct cpu *c, u64 lin, u64 table, int level, struct xlat *x)
{
    unsigned m = cpu_phys_bits(c);
    bool nxe = c->efer & EFER_NXE;
    /* Bits 51:M are reserved everywhere; bit 63 too unless EFER.NXE (Tables 4-11, 4-14..20). */
    u64 rsvd_common = (BIT(52) - 1) & ~phys_mask(m);
    if (!nxe) rsvd_common |= BIT(63);
    for (;; level--) {
        unsigned shift = 12 + 9 * (unsigned)(level - 1);
        u64 pa = table + ((lin >> shift) & 0x1ff) * 8;
        u64 e;
        if (!gpa_read_entry(c, pa, 8, &x->why, &e)) return NOT_PRESENT; /* ACC_NOFAULT only */
        if (!(e & PTE_P)) return NOT_PRESENT;
        u64 rsvd = rsvd_common;
        bool leaf = level == 1;
        if (level >= 4) {
            rsvd |= PTE_PS; /* PML5E/PML4E: PS must be 0 */
        } else if (level == 3 && (e & PTE_PS)) {
            if (cpu_has(c, FEAT_PDPE1GB)) {
                rsvd |= (BIT(30) - 1) & ~(BIT(13) - 1); /* bits 29:13 (Table 4-16) */
                leaf = true;
            } else {
                rsvd |= PTE_PS;
            }
        } else if (level == 2 && (e & PTE_PS)) {
            rsvd |= (BIT(21) - 1) & ~(BIT(13) - 1); /* bits 20:13 (Table 4-18) */
            leaf = true;
        }
        if (e & rsvd) return PF_P | PF_RSVD;
        note_entry(x, pa, e, 8);
        x->rw = x->rw && (e & PTE_RW);
        x->us = x->us && (e & PTE_US);
        x->xd = x->xd || (nxe && (e & PTE_XD));
        if (leaf) {
            u64 size = 1ull << shift;
            x->gpa = (e & phys_mask(m) & ~(size - 1)) | (lin & (size - 1) & ~0xfffull);
            x->global = (e & PTE_G) && (c->cr4 & CR4_PGE);
            x->dirty = e & PTE_D;
            x->page_shift = (u8)shift;
            return 0;
        }
        table = e & phys_mask(m) & ~0xfffull;
    }
}

/* Access rights (SDM Vol. 3 4.6.1). `kind` is ACC_READ/WRITE/EXEC. */
static bool allowed(const struct cpu *c, int kind, bool user, bool implicit, const struct xlat *x)
{
    if (user) {
        if (!x->us) return false;
        if (kind == ACC_WRITE) return x->rw;
        if (kind == ACC_EXEC) return !x->xd;
        return true;
    }
    if (kind == ACC_EXEC) {
        if (x->us && (c->cr4 & CR4_SMEP)) return false;
        return !x->xd;
    }
    /* SMAP: supervisor data accesses to user-mode addresses need EFLAGS.AC = 1 for explicit
     * accesses and are never allowed for implicit ones. */
    if (x->us && (c->cr4 & CR4_SMAP) && (implicit || !(c->rflags & FL_AC))) return false;
    if (kind == ACC_WRITE && (c->cr0 & CR0_WP)) return x->rw;
    return true;
}

/* Set accessed flags on every entry used and the dirty flag of the final one for writes
 * (SDM Vol. 3 4.8). Only the low byte holds A and D, so only it is written. Returns false
 * only where gpa_write_ad() does (ACC_NOFAULT). */
static bool set_accessed_dirty(struct cpu *c, struct xlat *x, bool write)
{
    for (int k = 0; k < x->n; k++) {
        u8 lo = (u8)x->ent[k], want = lo | PTE_A;
        if (write && k == x->n - 1) want |= PTE_D;
        if (want != lo && !gpa_write_ad(c, x->ent_pa[k], want, &x->why)) return false;
    }
    if (write) x->dirty = true;
    return true;
}

/* The leaf's PAT memory type (SDM Vol. 3A 12.12.3): IA32_PAT entry PAT:PCD:PWT, the PAT
 * bit being bit 7 of a PTE and bit 12 of an entry that maps a large page. */
static u8 pat_type(const struct cpu *c, const struct xlat *x)
{
    u64 e = x->ent[x->n - 1];
    unsigned pat = (unsigned)(e >> (x->page_shift > 12 ? 12 : 7)) & 1;
    unsigned index = pat << 2 | (unsigned)((e & PTE_PCD) ? 2 : 0) | (unsigned)((e & PTE_PWT) ? 1 : 0);
    return (u8)((c->pat >> (8 * index)) & 7);
}

bool paging_walk(struct cpu *c, u64 lin, int acc, struct walk_result *r)
{
    int kind = acc & 3;
    bool implicit = acc & ACC_SUPER;
    bool user = !implicit && c->cpl == 3;
    bool pae = c->cr4 & CR4_PAE;
    bool lma = c->efer & EFER_LMA;
    if (!lma) lin &= 0xffffffffull;

    /* Error-code bits that describe the access itself (SDM Vol. 3 4.7). I/D is reported
     * only with SMEP, or with NX in PAE/4-level/5-level paging. */
    u32 err = (kind == ACC_WRITE ? PF_W : 0) | (user ? PF_US : 0);
    if (kind == ACC_EXEC && ((c->cr4 & CR4_SMEP) || (pae && (c->efer & EFER_NXE)))) err |= PF_ID;

    struct xlat x = {.why = {.lin = lin, .acc = acc}, .rw = true, .us = true, .page_shift = 12};
    u32 fault;
    if (!pae) {
        fault = walk32(c, (u32)lin, &x);
    } else if (lma) {
        bool la57 = c->cr4 & CR4_LA57;
        u64 table = c->cr3 & phys_mask(cpu_phys_bits(c)) & ~0xfffull;
        fault = walk64(c, lin, table, la57 ? 5 : 4, &x);
    } else {
        /* PAE: the PDPTE registers loaded at MOV CR3 time (SDM Vol. 3 4.4.1). */
        u64 pdpte = c->pdpte[(lin >> 30) & 3];
        if (!(pdpte & PTE_P))
            fault = NOT_PRESENT;
        else
            fault = walk64(c, lin, pdpte & phys_mask(cpu_phys_bits(c)) & ~0xfffull, 2, &x);
    }
    if (fault == NOT_PRESENT) return pf(c, lin, acc, err); /* not present: P = 0 */
    if (fault) return pf(c, lin, acc, err | fault);
    if (!allowed(c, kind, user, implicit, &x)) return pf(c, lin, acc, err | PF_P);

    /* A probe (ACC_NOFAULT: traces, diagnostics, a debugger) changes nothing: no A/D. */
    if (!(acc & ACC_NOFAULT) && !set_accessed_dirty(c, &x, kind == ACC_WRITE)) return false;
    r->gpa = x.gpa;
    r->user = x.us;
    r->rw = x.rw;
    r->xd = x.xd;
    r->pat = pat_type(c, &x);
    r->global = x.global;
    r->page_shift = x.page_shift;
    r->exec = allowed(c, ACC_EXEC, user, implicit, &x);
    /* A write may be cached only once the dirty flag is set, so the first write through a
     * clean page always walks and sets it. */
    r->writable = x.dirty && allowed(c, ACC_WRITE, user, implicit, &x);
    return true;
}

bool paging_load_pdptes(struct cpu *c, u64 cr3)
{
    /* PDPTE register format (SDM Vol. 3 4.4.1, Table 4-8): bits 2:1, 8:5 and 63:M are
     * reserved in a present entry. */
    u64 rsvd = 0x6 | 0x1e0 | ~phys_mask(cpu_phys_bits(c));
    u64 e[4];
    u64 base = cr3 & 0xffffffe0u;
    const struct gpa_why why = {.pdpte_load = true};
    for (int k = 0; k < 4; k++) {
        gpa_read_entry(c, base + 8 * (u64)k, 8, &why, &e[k]); /* a faulting access: no false */
        if ((e[k] & PTE_P) && (e[k] & rsvd)) return false;
    }
    memcpy(c->pdpte, e, sizeof e);
    return true;
}
