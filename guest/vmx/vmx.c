/* Capabilities, entering VMX operation and the VMX instruction wrappers. */
#include "vmx.h"

struct vmx_caps vmx_caps;

/* Pages for VMXON regions, VMCSs, bitmaps and guest stacks: a bump allocator over
 * 16..32 MiB, which nothing else uses (the kernel sits at 1 MiB, the 64-bit half at
 * 4 MiB) and which the runtime's identity map covers. Kept out of .bss so kernels
 * stay small. */
#define POOL_BASE 0x1000000ull
#define POOL_END 0x2000000ull
static u64 pool_next = POOL_BASE;

u64 vmx_alloc_page(void)
{
    if (pool_next >= POOL_END) {
        fail("vmx_alloc_page", "pool exhausted");
        report_done();
    }
    u64 pa = pool_next;
    pool_next += 4096;
    memset((void *)pa, 0, 4096);
    return pa;
}

static u64 page_with_revision(void)
{
    u64 pa = vmx_alloc_page();
    *(u32 *)pa = vmx_caps.revision;
    return pa;
}
u64 vmx_vmxon_region(void) { return page_with_revision(); }
u64 vmx_new_vmcs(void) { return page_with_revision(); }

int vmx_supported(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    return (c >> 5) & 1;
}

void vmx_read_caps(void)
{
    struct vmx_caps *k = &vmx_caps;
    k->basic = rdmsr(MSR_VMX_BASIC);
    k->revision = (u32)k->basic & 0x7fffffffu;
    k->has_true = (k->basic >> 55) & 1;
    k->pin0 = rdmsr(MSR_VMX_PINBASED);
    k->proc0 = rdmsr(MSR_VMX_PROCBASED);
    k->exit0 = rdmsr(MSR_VMX_EXIT);
    k->entry0 = rdmsr(MSR_VMX_ENTRY);
    k->misc = rdmsr(MSR_VMX_MISC);
    k->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    k->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
    k->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
    k->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
    k->vmcs_enum = rdmsr(MSR_VMX_VMCS_ENUM);
    /* PROCBASED2 exists only when "activate secondary controls" may be 1. */
    k->proc2 = (k->proc0 >> 63) & 1 ? rdmsr(MSR_VMX_PROCBASED2) : 0;
    if (k->has_true) {
        k->pin = rdmsr(MSR_VMX_TRUE_PINBASED);
        k->proc = rdmsr(MSR_VMX_TRUE_PROCBASED);
        k->exit = rdmsr(MSR_VMX_TRUE_EXIT);
        k->entry = rdmsr(MSR_VMX_TRUE_ENTRY);
    } else {
        k->pin = k->pin0;
        k->proc = k->proc0;
        k->exit = k->exit0;
        k->entry = k->entry0;
    }
}

/* A control MSR's low half lists bits that must be 1 (allowed-0 settings), its high
 * half the bits that may be 1 (allowed-1 settings). */
u32 vmx_adjust(u64 cap, u32 want) { return (want | (u32)cap) & (u32)(cap >> 32); }

int vmx_enable(void)
{
    u64 fc = rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & 1)) {
        /* Unlocked (as firmware leaves it here): enable VMX outside SMX, then lock. */
        fc |= 1 | 4;
        wrmsr(MSR_FEATURE_CONTROL, fc);
    }
    if (!(fc & 4))
        return -1;
    /* Bits fixed to 1 must be 1 and bits fixed to 0 must be 0 (SDM 23.8). */
    write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
    write_cr4((read_cr4() | vmx_caps.cr4_fixed0 | CR4_VMXE) & vmx_caps.cr4_fixed1);
    return 0;
}

void vmx_disable(void) { write_cr4(read_cr4() & ~(u64)CR4_VMXE); }

/* CF=1: VMfailInvalid; ZF=1: VMfailValid (SDM 31.2). */
static int status(u64 flags)
{
    if (flags & 1)
        return VMX_FAIL_INVALID;
    if (flags & 0x40)
        return VMX_FAIL_VALID;
    return VMX_OK;
}

int vmxon(u64 pa)
{
    u64 f;
    __asm__ volatile("vmxon %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory");
    return status(f);
}
int vmxoff(void)
{
    u64 f;
    __asm__ volatile("vmxoff; pushfq; pop %0" : "=r"(f) : : "cc", "memory");
    return status(f);
}
int vmclear(u64 pa)
{
    u64 f;
    __asm__ volatile("vmclear %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory");
    return status(f);
}
int vmptrld(u64 pa)
{
    u64 f;
    __asm__ volatile("vmptrld %1; pushfq; pop %0" : "=r"(f) : "m"(pa) : "cc", "memory");
    return status(f);
}
int vmptrst(u64 *pa)
{
    u64 f;
    __asm__ volatile("vmptrst %1; pushfq; pop %0" : "=r"(f), "=m"(*pa) : : "cc", "memory");
    return status(f);
}
int vmread(u64 field, u64 *val)
{
    u64 f, v = 0;
    __asm__ volatile("vmread %2, %1; pushfq; pop %0" : "=r"(f), "+r"(v) : "r"(field) : "cc", "memory");
    *val = v;
    return status(f);
}
int vmwrite(u64 field, u64 val)
{
    u64 f;
    __asm__ volatile("vmwrite %1, %2; pushfq; pop %0" : "=r"(f) : "r"(val), "r"(field) : "cc", "memory");
    return status(f);
}
u64 vmr(u64 field)
{
    u64 v;
    return vmread(field, &v) == VMX_OK ? v : 0;
}
void vmw(u64 field, u64 val) { (void)vmwrite(field, val); }
void vmw_or(u64 field, u64 bits) { vmw(field, vmr(field) | bits); }
void vmw_clear(u64 field, u64 bits) { vmw(field, vmr(field) & ~bits); }
u32 vmx_insn_error(void) { return (u32)vmr(VM_INSN_ERROR); }
