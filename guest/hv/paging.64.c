/* The guest's control registers against the processor's, per technique:
 *   EPT and unrestricted guest: the guest's CR0/CR3/CR4 are the real ones, except the
 *     bits VMX fixes (the read shadows show the guest what it wrote);
 *   EPT without unrestricted guest: VM entry needs CR0.PE = PG = 1 (SDM 27.3.1.1), so
 *     an unpaged guest really runs with paging on, on an identity page directory at
 *     HV_IDMAP_GPA (4 MiB pages, CR4.PSE); its own CR3 is kept by CR3-load exiting;
 *   no EPT: the guest always runs on shadow page tables (shadow.64.c), 32-bit paging for
 *     a 32-bit or unpaged guest, 4-level for one in IA-32e mode; CR3, the paging bits of
 *     CR4 and CR0.WP (set, so clean pages can be write-protected) are the hypervisor's.
 * Everything the guest reads comes from the read shadows and guest_cr3 (SDM 25.6.6,
 * 26.3). */
#include "hv.h"

#define CR4_PAGING (CR4_PSE | CR4_PAE | CR4_PGE)

/* CR0/CR4 bits the hypervisor owns (SDM 25.6.6): those VMX fixes (24.8), CR0.PE/PG so
 * it sees mode switches, and what the technique needs. */
u64 hv_cr0_mask(void)
{
    return (u32)(vmx_caps.cr0_fixed0 | ~vmx_caps.cr0_fixed1) | CR0_PE | CR0_PG |
           (hv.cpu.ept ? 0 : CR0_WP);
}
u64 hv_cr4_mask(void)
{
    return (u32)(vmx_caps.cr4_fixed0 | ~vmx_caps.cr4_fixed1) | (hv.cpu.ug ? 0 : CR4_PAGING);
}

u64 guest_cr0(void)
{
    u64 m = vmr(CR0_MASK);
    return (vmr(GUEST_CR0) & ~m) | (vmr(CR0_SHADOW) & m);
}
u64 guest_cr4(void)
{
    u64 m = vmr(CR4_MASK);
    return (vmr(GUEST_CR4) & ~m) | (vmr(CR4_SHADOW) & m);
}
u64 guest_cr3(struct guest *g)
{
    return hv.cpu.ug ? vmr(GUEST_CR3) : g->guest_cr3;
}
int guest_long(void)
{
    return !!(vmr(ENTRY_CONTROLS) & ENTRY_IA32E_GUEST); /* EFER.LMA (SDM 27.3.2.1) */
}

/* VMX's fixed bits imposed, except PE and PG under unrestricted guest (SDM 27.3.1.1). */
static u64 cr0_real(u64 want)
{
    u64 fixed0 = vmx_caps.cr0_fixed0;
    if (hv.cpu.ug) fixed0 &= ~(u64)(CR0_PE | CR0_PG);
    if (!hv.cpu.ept) want |= CR0_WP; /* supervisor writes honour shadow R/W (SDM 4.6) */
    return (want | fixed0) & vmx_caps.cr0_fixed1;
}
static u64 cr4_real(u64 want)
{
    return (want | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

/* Load the processor's CR0/CR3/CR4 for the guest's (from the read shadows and
 * guest_cr3); without EPT this starts a fresh shadow, as a TLB flush would. */
void hv_paging_sync(struct guest *g)
{
    u64 cr0 = guest_cr0(), cr4 = guest_cr4();
    vmw(GUEST_CR0, cr0_real(cr0));
    if (hv.cpu.ug) {
        vmw(GUEST_CR4, cr4_real(cr4));
        return;
    }
    if (hv.cpu.ept) {
        int pg = !!(cr0 & CR0_PG);
        vmw(GUEST_CR4, cr4_real(pg ? cr4 : (cr4 & ~(u64)CR4_PAGING) | CR4_PSE));
        vmw(GUEST_CR3, pg ? g->guest_cr3 : HV_IDMAP_GPA);
        return;
    }
    int fmt = guest_long() ? 64 : 32;
    vmw(GUEST_CR4, cr4_real((cr4 & ~(u64)CR4_PAGING) | (fmt == 64 ? CR4_PAE : 0)));
    shadow_flush(g, fmt);
}
