/* Reaching guest memory from the hypervisor: a guest-physical address to a host pointer
 * (the same map ept.64.c gives the processor), and a guest linear address to a
 * guest-physical one through the guest's own paging (SDM 4.3 and 4.5; 32-bit and
 * 4-level, what our guests use), read from the current VMCS. */
#include "hv.h"

void *gpa_ptr(struct guest *g, u64 gpa)
{
    if (gpa < HV_GUEST_MEM) return (void *)(g->mem + gpa);
    if (gpa >= 0xffff0000ull && gpa <= 0xffffffffull)
        return (void *)(g->mem + HV_RM_BASE + (gpa - 0xffff0000ull));
    return 0;
}

static int read_pte(struct guest *g, u64 gpa, int wide, u64 *pte)
{
    void *p = gpa_ptr(g, gpa);
    if (!p) return -1;
    *pte = wide ? *(u64 *)p : *(u32 *)p;
    return (*pte & 1) ? 0 : -1;
}

int lin_to_gpa(struct guest *g, u64 lin, u64 *gpa)
{
    u64 cr0 = vmr(GUEST_CR0), cr3 = vmr(GUEST_CR3), cr4 = vmr(GUEST_CR4), e;
    if (!hv.cpu.ept) { /* noept.64.c: linear is guest-physical within its memory */
        *gpa = lin;
        return lin < HV_GUEST_MEM ? 0 : -1;
    }
    if (!(cr0 & CR0_PG)) {
        *gpa = (u32)lin;
        return 0;
    }
    if (vmr(ENTRY_CONTROLS) & ENTRY_IA32E_GUEST) {
        u64 a = cr3 & 0xffffffffff000ull;
        for (int shift = 39; shift >= 12; shift -= 9) {
            if (read_pte(g, a + ((lin >> shift) & 511) * 8, 1, &e)) return -1;
            a = e & 0xffffffffff000ull;
            if (shift == 12 || (shift <= 30 && (e & 0x80))) {
                u64 mask = (1ull << shift) - 1;
                *gpa = (a & ~mask) | (lin & mask);
                return 0;
            }
        }
        return -1;
    }
    if (cr4 & CR4_PAE) return -1; /* PAE guests are not among ours yet */
    if (read_pte(g, (cr3 & ~0xfffull) + ((lin >> 22) & 1023) * 4, 0, &e)) return -1;
    if ((e & 0x80) && (cr4 & CR4_PSE)) {
        *gpa = (e & 0xffc00000u) | (lin & 0x3fffff);
        return 0;
    }
    if (read_pte(g, (e & ~0xfffull) + ((lin >> 12) & 1023) * 4, 0, &e)) return -1;
    *gpa = (e & ~0xfffull) | (lin & 0xfff);
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
