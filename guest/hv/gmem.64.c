/* Reaching guest memory from the hypervisor: a guest-physical address to a host pointer
 * (the same map ept.64.c gives the processor), and a guest linear address to a
 * guest-physical one through the guest's own paging (SDM 4.3 and 4.5; 32-bit and
 * 4-level, what our guests use) as the guest's own control registers say: the walk
 * shadow paging (shadow.64.c) is built on. */
#include "hv.h"

void *gpa_ptr(struct guest *g, u64 gpa)
{
    if (gpa < HV_GUEST_MEM) return (void *)(g->mem + gpa);
    if (gpa >= 0xffff0000ull && gpa <= 0xffffffffull)
        return (void *)(g->mem + HV_RM_BASE + (gpa - 0xffff0000ull));
    return 0;
}

/* One paging-structure entry of the guest's: its host pointer, or NULL outside its RAM. */
static void *entry(struct guest *g, u64 table, u64 idx, int wide)
{
    return gpa_ptr(g, (table & ~0xfffull) + idx * (wide ? 8 : 4));
}

/* The reserved bits of a 32-bit paging 4 MiB PDE (SDM Table 4-4): bit 21, and bits
 * 20:(M-19) where M is MAXPHYADDR capped at 40 (32 without PSE-36). */
static u32 pde4m_reserved(void)
{
    static u32 rsvd;
    if (!rsvd) {
        u32 a, b, c, d, m = 32;
        cpuid(1, 0, &a, &b, &c, &d);
        if (d & (1u << 17)) { /* PSE-36 */
            cpuid(0x80000000, 0, &a, &b, &c, &d);
            m = 36;
            if (a >= 0x80000008) cpuid(0x80000008, 0, &m, &b, &c, &d), m &= 0xff;
            if (m > 40) m = 40;
        }
        rsvd = 1u << 21;
        for (u32 bit = m - 19; bit <= 20; bit++)
            rsvd |= 1u << bit;
    }
    return rsvd;
}

/* The guest's own page walk for an access (PF_W/PF_U/PF_I in acc), from what it believes
 * CR0/CR3/CR4 hold (paging.64.c): 32-bit paging (SDM 4.3) or 4-level (4.5). Rights as
 * in SDM 4.6: user accesses need U/S on every level, writes R/W on every level unless a
 * supervisor write with CR0.WP = 0, fetches no XD (with EFER.NXE); reserved bits are
 * checked in 32-bit paging's 4 MiB PDEs and a PML4E's PS only. With set_ad, sets
 * the accessed flags and, for a write, the leaf's dirty flag, as the MMU would (4.8).
 * Returns 0, or -1 with w->pfec the page-fault error code (4.7). */
int guest_walk(struct guest *g, u64 lin, u32 acc, int set_ad, struct walk *w)
{
    u64 cr0 = guest_cr0(), cr4 = guest_cr4();
    w->w = w->u = w->x = 1;
    w->dirty = 1;
    w->pat = 0;
    w->pfec = acc & (PF_W | PF_U | PF_I);
    if (!(cr0 & CR0_PG)) {
        w->gpa = (u32)lin;
        return 0;
    }
    int wide = guest_long(), levels = wide ? 4 : 2, nx = 0;
    if (!wide && (cr4 & CR4_PAE)) return -1; /* PAE paging: not among ours */
    if (wide && hv.cpu.load_efer) nx = !!(vmr(GUEST_EFER) & EFER_NXE);
    if (!nx) w->pfec &= ~PF_I; /* I/D only where fetches can fault (SDM 4.7) */
    u64 table = guest_cr3(g);
    for (int lvl = levels; lvl >= 1; lvl--) {
        int shift = wide ? 12 + 9 * (lvl - 1) : 12 + 10 * (lvl - 1);
        u64 idx = (lin >> shift) & (wide ? 511 : 1023);
        void *p = entry(g, table, idx, wide);
        u64 e = !p ? 0 : wide ? *(u64 *)p : *(u32 *)p;
        if (!(e & 1)) return -1; /* not present: P clear in the error code */
        if (wide && lvl == 4 && (e & 0x80)) {
            w->pfec |= PF_P | PF_RSVD; /* PS in a PML4E is reserved (4.5) */
            return -1;
        }
        if (!wide && lvl == 2 && (e & 0x80) && (cr4 & CR4_PSE) && (e & pde4m_reserved())) {
            w->pfec |= PF_P | PF_RSVD; /* a 4 MiB PDE's reserved bits (4.3, Table 4-4) */
            return -1;
        }
        w->w &= (e >> 1) & 1;
        w->u &= (e >> 2) & 1;
        if (nx) w->x &= !(e >> 63);
        int leaf = lvl == 1 || ((e & 0x80) && (wide ? lvl <= 3 : (cr4 & CR4_PSE)));
        if (set_ad && !(e & 0x20)) {
            e |= 0x20;
            if (wide)
                *(u64 *)p = e;
            else
                *(u32 *)p = (u32)e;
        }
        if (leaf) {
            u64 mask = (1ull << shift) - 1;
            u64 base = wide ? e & 0xffffffffff000ull : lvl == 2 ? e & 0xffc00000u : e & ~0xfffull;
            w->gpa = (base & ~mask) | (lin & mask);
            w->pat = e & 0x18;
            int ok = (!(acc & PF_U) || w->u) &&
                     (!(acc & PF_W) || w->w || (!(acc & PF_U) && !(cr0 & CR0_WP))) &&
                     (!(acc & PF_I) || w->x);
            if (!ok) {
                w->pfec |= PF_P;
                return -1;
            }
            if (set_ad && (acc & PF_W) && !(e & 0x40)) {
                e |= 0x40;
                if (wide)
                    *(u64 *)p = e;
                else
                    *(u32 *)p = (u32)e;
            }
            w->dirty = !!(e & 0x40);
            return 0;
        }
        table = wide ? e & 0xffffffffff000ull : e & ~0xfffull;
    }
    return -1;
}

int lin_to_gpa(struct guest *g, u64 lin, u64 *gpa)
{
    struct walk w;
    if (guest_walk(g, lin, 0, 0, &w)) return -1;
    *gpa = w.gpa;
    return 0;
}

int read_lin(struct guest *g, u64 lin, void *buf, u32 n)
{
    u8 *out = buf;
    for (u32 i = 0; i < n; i++) {
        u64 gpa;
        u8 *p;
        if (lin_to_gpa(g, lin + i, &gpa) || !(p = gpa_ptr(g, gpa))) return -1;
        out[i] = *p;
    }
    return 0;
}
