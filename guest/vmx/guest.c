/* The default VMCS: a 64-bit ring-0 guest that shares the host's address space, and a
 * host state that returns into vmx_enter_asm. Tests start from it and change the few
 * fields their check is about. */
#include "vmx.h"

struct vmx_gprs vmx_regs;
struct vmx_exit_info vmx_exit;
volatile struct vmx_guest_trap vmx_guest_trap;
int vmx_enter_asm(int resume);
extern char vmx_guest_stubs[];

static int launched;
static u64 guest_idt;

static u16 read_sel(int which)
{
    u16 v = 0;
    switch (which) {
    case 0: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%cs, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%ss, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
    case 4: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
    case 5: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
    case 6: __asm__ volatile("str %0" : "=r"(v)); break;
    }
    return v;
}

/* Base of a (16-byte, system) descriptor in the current GDT. */
static u64 gdt_base_of(u16 sel)
{
    struct desc_ptr g;
    sgdt(&g);
    u64 *d = (u64 *)(g.base + (sel & ~7));
    return ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) | (d[1] << 32);
}

static void build_guest_idt(void)
{
    if (guest_idt)
        return;
    guest_idt = vmx_alloc_page();
    u64 *g = (u64 *)guest_idt;
    for (int v = 0; v < 256; v++) {
        u64 t = (u64)vmx_guest_stubs + 16 * v;
        g[2 * v] = (t & 0xffff) | ((u64)SEL_KCODE64 << 16) | (0x8eull << 40) |
                   (((t >> 16) & 0xffff) << 48);
        g[2 * v + 1] = t >> 32;
    }
}

void vmx_write_host_state(void)
{
    struct desc_ptr gdtr, idtr;
    sgdt(&gdtr);
    sidt(&idtr);
    vmw(HOST_CR0, read_cr0());
    vmw(HOST_CR3, read_cr3());
    vmw(HOST_CR4, read_cr4());
    vmw(HOST_ES_SEL, read_sel(0));
    vmw(HOST_CS_SEL, read_sel(1));
    vmw(HOST_SS_SEL, read_sel(2));
    vmw(HOST_DS_SEL, read_sel(3));
    vmw(HOST_FS_SEL, read_sel(4));
    vmw(HOST_GS_SEL, read_sel(5));
    vmw(HOST_TR_SEL, read_sel(6));
    vmw(HOST_FS_BASE, rdmsr(0xc0000100));
    vmw(HOST_GS_BASE, rdmsr(0xc0000101));
    vmw(HOST_TR_BASE, gdt_base_of(read_sel(6)));
    vmw(HOST_GDTR_BASE, gdtr.base);
    vmw(HOST_IDTR_BASE, idtr.base);
    vmw(HOST_SYSENTER_CS, rdmsr(0x174));
    vmw(HOST_SYSENTER_ESP, rdmsr(0x175));
    vmw(HOST_SYSENTER_EIP, rdmsr(0x176));
    /* HOST_RSP and HOST_RIP are written by the code that enters (vmx_enter_asm). */
}

static void write_guest_state(void)
{
    struct desc_ptr gdtr;
    sgdt(&gdtr);
    vmw(GUEST_CR0, read_cr0());
    vmw(GUEST_CR3, read_cr3());
    vmw(GUEST_CR4, read_cr4());
    vmw(GUEST_DR7, 0x400);
    /* Flat segments; access rights as in SDM 24.4.1: type, S, DPL, P, L, D/B, G. */
    static const u32 data_fields[][4] = {
        {GUEST_ES_SEL, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR},
        {GUEST_SS_SEL, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR},
        {GUEST_DS_SEL, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR},
        {GUEST_FS_SEL, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR},
        {GUEST_GS_SEL, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR},
    };
    for (u32 i = 0; i < ARRAY_SIZE(data_fields); i++) {
        vmw(data_fields[i][0], SEL_KDATA);
        vmw(data_fields[i][1], 0);
        vmw(data_fields[i][2], 0xffffffff);
        vmw(data_fields[i][3], 0xc093); /* read/write accessed, P, D/B, G */
    }
    vmw(GUEST_CS_SEL, SEL_KCODE64);
    vmw(GUEST_CS_BASE, 0);
    vmw(GUEST_CS_LIMIT, 0xffffffff);
    vmw(GUEST_CS_AR, 0xa09b); /* execute/read accessed, P, L, G */
    vmw(GUEST_LDTR_SEL, 0);
    vmw(GUEST_LDTR_BASE, 0);
    vmw(GUEST_LDTR_LIMIT, 0);
    vmw(GUEST_LDTR_AR, 0x10000); /* unusable */
    vmw(GUEST_TR_SEL, SEL_TSS64);
    vmw(GUEST_TR_BASE, gdt_base_of(SEL_TSS64));
    vmw(GUEST_TR_LIMIT, 0x67);
    vmw(GUEST_TR_AR, 0x8b); /* busy 64-bit TSS, P */
    vmw(GUEST_GDTR_BASE, gdtr.base);
    vmw(GUEST_GDTR_LIMIT, gdtr.limit);
    build_guest_idt();
    vmw(GUEST_IDTR_BASE, guest_idt);
    vmw(GUEST_IDTR_LIMIT, 0xfff);
    vmw(GUEST_DEBUGCTL, 0);
    vmw(GUEST_SYSENTER_CS, 0);
    vmw(GUEST_SYSENTER_ESP, 0);
    vmw(GUEST_SYSENTER_EIP, 0);
    vmw(GUEST_INTERRUPTIBILITY, 0);
    vmw(GUEST_ACTIVITY, 0);
    vmw(GUEST_PENDING_DBG, 0);
    vmw(VMCS_LINK_PTR, ~0ull); /* no shadow VMCS */
}

void vmx_set_guest(void (*fn)(void))
{
    u64 stack = vmx_alloc_page();
    /* As if called: the return address is vmx_guest_done and RSP+8 is 16-aligned. */
    *(u64 *)(stack + 4096 - 8) = (u64)vmx_guest_done;
    vmw(GUEST_RSP, stack + 4096 - 8);
    vmw(GUEST_RIP, (u64)fn);
    vmw(GUEST_RFLAGS, 2);
    memset(&vmx_regs, 0, sizeof(vmx_regs));
}

u64 vmx_default_vmcs(void (*fn)(void))
{
    u64 vmcs = vmx_new_vmcs();
    vmclear(vmcs);
    vmptrld(vmcs);
    launched = 0;
    /* Only what VMX requires: 64-bit host, IA-32e mode guest. */
    vmw(PIN_CONTROLS, vmx_adjust(vmx_caps.pin, 0));
    vmw(PROC_CONTROLS, vmx_adjust(vmx_caps.proc, 0));
    vmw(EXIT_CONTROLS, vmx_adjust(vmx_caps.exit, EXIT_HOST_ADDR64));
    vmw(ENTRY_CONTROLS, vmx_adjust(vmx_caps.entry, ENTRY_IA32E_GUEST));
    vmw(EXCEPTION_BITMAP, 0);
    vmw(PF_ERROR_MASK, 0);
    vmw(PF_ERROR_MATCH, 0);
    vmw(CR3_TARGET_COUNT, 0);
    vmw(EXIT_MSR_STORE_COUNT, 0);
    vmw(EXIT_MSR_LOAD_COUNT, 0);
    vmw(ENTRY_MSR_LOAD_COUNT, 0);
    vmw(ENTRY_INTR_INFO, 0);
    vmw(CR0_MASK, 0);
    vmw(CR4_MASK, 0);
    vmw(CR0_SHADOW, read_cr0());
    vmw(CR4_SHADOW, read_cr4());
    vmx_write_host_state();
    write_guest_state();
    vmx_set_guest(fn);
    return vmcs;
}

static int enter(int resume)
{
    int r = vmx_enter_asm(resume);
    if (r == 1)
        return VMX_FAIL_INVALID;
    if (r != 0x10000)
        return VMX_FAIL_VALID;
    struct vmx_exit_info *e = &vmx_exit;
    e->reason = (u32)vmr(EXIT_REASON);
    e->qual = vmr(EXIT_QUAL);
    e->guest_rip = vmr(GUEST_RIP);
    e->guest_linear = vmr(GUEST_LINEAR_ADDR);
    e->guest_phys = vmr(GUEST_PHYS_ADDR);
    e->insn_len = (u32)vmr(EXIT_INSN_LEN);
    e->insn_info = (u32)vmr(EXIT_INSN_INFO);
    e->intr_info = (u32)vmr(EXIT_INTR_INFO);
    e->intr_err = (u32)vmr(EXIT_INTR_ERR);
    e->idt_info = (u32)vmr(IDT_VECTORING_INFO);
    e->idt_err = (u32)vmr(IDT_VECTORING_ERR);
    /* A failed entry (bit 31) leaves the VMCS clear; a real exit left it launched. */
    if (!(e->reason & EXIT_REASON_ENTRY_FAIL))
        launched = 1;
    return VMX_EXITED;
}

int vmx_launch(void) { return enter(0); }
int vmx_resume(void) { return enter(1); }
int vmx_run(void) { return enter(launched); }
void vmx_forget_launch(void) { launched = 0; }

int vmx_run_expect(u32 reason)
{
    return vmx_run() == VMX_EXITED && vmx_exit.reason == reason;
}

void vmx_skip_insn(void) { vmw(GUEST_RIP, vmr(GUEST_RIP) + vmr(EXIT_INSN_LEN)); }

void vmx_leave(void)
{
    vmxoff();
    vmx_disable();
}
