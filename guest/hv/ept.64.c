/* EPT paging structures for one guest (SDM 29.3.2): 4-level, 4 KiB pages. Guest-physical
 * 0..HV_GUEST_MEM maps the guest's own host memory read/write/execute; the top 64 KiB
 * below 4 GiB aliases its 0xf0000 page range, where a real-mode guest's reset vector
 * lives (as chipsets alias the BIOS). Everything else is absent, so a guest cannot reach
 * another guest's memory, and a touch elsewhere is an EPT violation (exit.64.c). */
#include "hv.h"

#define EPT_RWX 7ull
#define EPT_MT_SHIFT 3 /* leaf memory type, bits 5:3 (SDM Table 29-6) */
#define EPT_CAP_WB (1ull << 14)

static u64 *table(u64 *parent, int idx)
{
    if (!(parent[idx] & EPT_RWX))
        parent[idx] = vmx_alloc_page() | EPT_RWX; /* non-leaf: RWX, address (29-3..29-5) */
    return (u64 *)(parent[idx] & ~0xfffull);
}

static void map4k(u64 *pml4, u64 gpa, u64 hpa, u64 mt)
{
    u64 *pdpt = table(pml4, (gpa >> 39) & 511);
    u64 *pd = table(pdpt, (gpa >> 30) & 511);
    u64 *pt = table(pd, (gpa >> 21) & 511);
    pt[(gpa >> 12) & 511] = hpa | (mt << EPT_MT_SHIFT) | EPT_RWX;
}

u64 ept_build(struct guest *g)
{
    u64 mt = hv.cpu.ept_cap & EPT_CAP_WB ? 6 : 0; /* write-back if offered, else UC */
    u64 *pml4 = (u64 *)vmx_alloc_page();
    for (u64 off = 0; off < HV_GUEST_MEM; off += 4096)
        map4k(pml4, off, g->mem + off, mt);
    for (u64 off = 0; off < 0x10000; off += 4096)
        map4k(pml4, 0xffff0000ull + off, g->mem + HV_RM_BASE + off, mt);
    /* EPTP: memory type of the structures, walk length - 1 = 3 (SDM 25.6.11). */
    return (u64)pml4 | mt | (3 << 3);
}

/* A page of the hypervisor's own, for g alone, at guest-physical gpa (outside its RAM):
 * without unrestricted guest, the identity page directory of paging.64.c. */
u64 *ept_map_extra(struct guest *g, u64 gpa)
{
    u64 hpa = vmx_alloc_page();
    map4k((u64 *)(g->eptp & ~0xfffull), gpa, hpa, g->eptp & 7);
    return (u64 *)hpa;
}
