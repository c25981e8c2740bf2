/* Guests on a processor without EPT (core2). Until shadow paging exists, a guest runs on
 * page tables the hypervisor builds: its linear addresses 0..HV_GUEST_MEM map its own
 * memory, nothing else is present. That is exactly what a guest that leaves paging to
 * the hypervisor expects (a 32-bit guest with paging "off", a 64-bit guest on an
 * identity map); a guest that turns its own paging on is stopped (exit.64.c). Page
 * faults are intercepted: the MMIO page is emulated, any other address lies outside
 * the guest's memory and stops it, as an EPT violation would. */
#include "hv.h"

/* 32-bit paging (SDM 4.3) for a 32-bit guest, 4-level (4.5) for a 64-bit one. */
u64 noept_build(struct guest *g)
{
    if (g->mode == 64) {
        u64 pml4 = vmx_alloc_page(), pdpt = vmx_alloc_page(), pd = vmx_alloc_page();
        ((u64 *)pml4)[0] = pdpt | 3;
        ((u64 *)pdpt)[0] = pd | 3;
        ((u64 *)pd)[0] = g->mem | 0x83; /* one 2 MiB page: P, RW, PS */
        return pml4;
    }
    u64 pd = vmx_alloc_page(), pt = vmx_alloc_page();
    ((u32 *)pd)[0] = (u32)pt | 3;
    for (u32 i = 0; i < HV_GUEST_MEM / 4096; i++)
        ((u32 *)pt)[i] = (u32)(g->mem + i * 4096) | 3;
    return pd;
}

int noept_page_fault(struct guest *g)
{
    u64 lin = vmr(EXIT_QUAL); /* the faulting address (SDM 28.2.1) */
    if ((lin & ~0xfffull) == HV_INFO_GPA && !mmio_access(g, lin)) return 1;
    hv_stop(g, "page fault at 0x%llx (outside its memory), rip 0x%llx", (unsigned long long)lin,
            (unsigned long long)vmr(GUEST_RIP));
    return 0;
}
