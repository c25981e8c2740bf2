/* A guest's VMCS: VMCLEAR then VMPTRLD a fresh region (SDM 25.11.3: VMCLEAR puts it in
 * the clear launch state so the first entry is VMLAUNCH), the controls chosen in
 * caps.64.c, the host state this hypervisor returns to, and the guest state of its
 * entry mode (real mode at the reset vector, 32-bit protected mode, or 64-bit mode). */
#include "hv.h"

#define AR_UNUSABLE 0x10000u
#define AR_CODE16 0x009bu /* execute/read, accessed, S, P (SDM 25.4.1) */
#define AR_DATA16 0x0093u /* read/write, accessed, S, P */
#define AR_CODE32 0xc09bu /* ... with D/B and G */
#define AR_DATA32 0xc093u
#define AR_CODE64 0xa09bu /* ... with L and G */
#define AR_TSS_BUSY 0x008bu

/* The state a VM exit loads (SDM 28.5): our own, as it is now (the VMX library's
 * writer); HOST_RSP/RIP are written by hv_enter. */
static void host_state(void)
{
    vmx_write_host_state();
    if (hv.cpu.load_efer) vmw(HOST_EFER, rdmsr(MSR_EFER));
}

static void seg(u32 sel_f, u16 sel, u64 base, u32 limit, u32 ar)
{
    /* Fields of one segment are spaced alike from ES (Appendix B). */
    u32 i = (sel_f - GUEST_ES_SEL) / 2;
    vmw(sel_f, sel);
    vmw(GUEST_ES_BASE + 2 * i, base);
    vmw(GUEST_ES_LIMIT + 2 * i, limit);
    vmw(GUEST_ES_AR + 2 * i, ar);
}

/* Guest state for the entry mode (SDM 27.3.1 lists what each field must satisfy). */
static void guest_state(struct guest *g)
{
    u64 cr0, cr4 = 0;
    u32 code_ar, data_ar;
    u16 cs, ds;
    u64 cs_base = 0, ds_base = 0;
    u32 limit = 0xffffffff;
    switch (g->mode) {
    case 16:        /* like a processor after reset: CS 0xf000, base 0xffff0000, IP 0xfff0 */
        cr0 = 0x10; /* ET */
        cs = 0xf000, cs_base = 0xffff0000, ds = 0, limit = 0xffff;
        code_ar = AR_CODE16, data_ar = AR_DATA16;
        vmw(GUEST_RIP, 0xfff0);
        vmw(GUEST_RSP, 0);
        vmw(GUEST_GDTR_BASE, 0);
        vmw(GUEST_GDTR_LIMIT, 0xffff);
        vmw(GUEST_IDTR_BASE, 0);
        vmw(GUEST_IDTR_LIMIT, 0x3ff);
        vmw(GUEST_CR3, 0);
        break;
    case 32: /* as a multiboot loader leaves a kernel: flat, paging off */
        cr0 = CR0_PE | 0x10;
        cs = HV_SEL_CODE32, ds = HV_SEL_DATA;
        code_ar = AR_CODE32, data_ar = AR_DATA32;
        vmw(GUEST_CR3, 0);
        break;
    default: /* 64-bit mode on the loader's identity map */
        cr0 = CR0_PE | 0x10 | CR0_PG;
        cr4 = CR4_PAE;
        cs = HV_SEL_CODE64, ds = HV_SEL_DATA;
        code_ar = AR_CODE64, data_ar = AR_DATA32;
        vmw(GUEST_CR3, HV_PML4_GPA);
        break;
    }
    if (g->mode != 16) {
        vmw(GUEST_GDTR_BASE, HV_GDT_GPA);
        vmw(GUEST_GDTR_LIMIT, 0x2f);
        vmw(GUEST_IDTR_BASE, 0);
        vmw(GUEST_IDTR_LIMIT, 0);
        vmw(GUEST_RSP, HV_STACK_TOP);
    }
    vmw(CR0_MASK, hv_cr0_mask());
    vmw(CR4_MASK, hv_cr4_mask());
    vmw(CR0_SHADOW, cr0);
    vmw(GUEST_CR0, cr0);
    vmw(CR4_SHADOW, cr4);
    vmw(GUEST_CR4, cr4);
    seg(GUEST_CS_SEL, cs, cs_base, limit, code_ar);
    u32 data[] = {GUEST_ES_SEL, GUEST_SS_SEL, GUEST_DS_SEL, GUEST_FS_SEL, GUEST_GS_SEL};
    for (u32 i = 0; i < ARRAY_SIZE(data); i++)
        seg(data[i], ds, ds_base, limit, data_ar);
    seg(GUEST_LDTR_SEL, 0, 0, 0, AR_UNUSABLE);
    /* TR must be a usable busy TSS in every mode (SDM 27.3.1.2). */
    seg(GUEST_TR_SEL, HV_SEL_TSS, HV_TSS_GPA, 0x67, AR_TSS_BUSY);
    vmw(GUEST_RFLAGS, 2);
    vmw(GUEST_DR7, 0x400);
    vmw(GUEST_DEBUGCTL, 0);
    vmw(GUEST_SYSENTER_CS, 0);
    vmw(GUEST_SYSENTER_ESP, 0);
    vmw(GUEST_SYSENTER_EIP, 0);
    vmw(GUEST_INTERRUPTIBILITY, 0);
    vmw(GUEST_ACTIVITY, 0);
    vmw(GUEST_PENDING_DBG, 0);
    vmw(VMCS_LINK_PTR, ~0ull); /* no shadow VMCS (SDM 27.3.1.5) */
    u32 entry = hv.cpu.entry;
    if (g->mode == 64) entry |= ENTRY_IA32E_GUEST; /* offered by every 64-bit part */
    vmw(ENTRY_CONTROLS, entry);
    if (hv.cpu.load_efer) vmw(GUEST_EFER, g->mode == 64 ? EFER_LME | EFER_LMA : 0);
    hv_paging_sync(g); /* the real CR0/CR3/CR4 for the technique (paging.64.c) */
    if (g->mode == 16 && !hv.cpu.ug) v86_setup(g);
}

int hv_vmcs_create(struct guest *g)
{
    g->vmcs = vmx_new_vmcs();
    if (vmclear(g->vmcs) != VMX_OK || vmptrld(g->vmcs) != VMX_OK) return -1;
    hv.current = g;
    g->launched = 0;
    struct hv_cpu *c = &hv.cpu;
    vmw(PIN_CONTROLS, c->pin);
    vmw(PROC_CONTROLS, c->proc);
    if (c->secondary) vmw(PROC_CONTROLS2, c->proc2);
    vmw(EXIT_CONTROLS, c->exit);
    /* #UD is intercepted so a guest stuck on garbage can be stopped (exit.64.c), #PF
     * without EPT for shadow paging (shadow.64.c); v86_setup adds the rest for a
     * virtual-8086 guest. */
    vmw(EXCEPTION_BITMAP, (1u << 6) | (c->ept ? 0 : 1u << 14));
    vmw(PF_ERROR_MASK, 0);
    vmw(PF_ERROR_MATCH, 0);
    vmw(CR3_TARGET_COUNT, 0);
    vmw(EXIT_MSR_STORE_COUNT, 0);
    vmw(EXIT_MSR_LOAD_COUNT, 0);
    vmw(ENTRY_MSR_LOAD_COUNT, 0);
    vmw(ENTRY_INTR_INFO, 0);
    vmw(TSC_OFFSET, 0);
    /* Bitmaps of all ones: every port and every MSR exits (SDM 25.6.4, 25.6.9). */
    vmw(IO_BITMAP_A, hv.io_bitmap_a);
    vmw(IO_BITMAP_B, hv.io_bitmap_b);
    vmw(MSR_BITMAP, hv.msr_bitmap);
    if (c->ept) vmw(EPT_POINTER, g->eptp);
    if (c->vpid) vmw(VPID, (u16)g->id); /* non-zero (SDM 27.2.1.1) */
    host_state();
    guest_state(g);
    return 0;
}

/* Make g's VMCS the current one (SDM 25.11.3: VMPTRLD; no VMCLEAR needed between
 * VMCSs on one processor, the processor keeps each one's state in its region). */
void hv_vmcs_load(struct guest *g)
{
    if (hv.current != g) {
        vmptrld(g->vmcs);
        hv.current = g;
    }
}
