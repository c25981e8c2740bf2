/* Page-modification logging, 64-bit half (SDM Vol. 3C 29.3.6; 28.2.1 exit reason 62;
 * 27.2.1.1 the PML entry checks). The guest shares the host's identity paging; EPT maps
 * guest-physical 0-4 GiB onto itself with 2 MiB pages that are already accessed and dirty,
 * except the test region T (32-34 MiB), mapped with clean 4 KiB pages, so only the test's
 * accesses to T set EPT flags. Checks run only where the model offers PML and EPT A/D
 * flags; nothing prints an address. */
#include "vmx.h"

#define SNIPPET(name, body)                                                              \
    extern char name[], name##_at[];                                                     \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body "\n")

/* Writes through RBX, RCX, RSI, RDI and RBX again, a read through RDX. */
SNIPPET(g_writes, "mov %rax, (%rbx)\n mov %rax, (%rcx)\n mov (%rdx), %r8\n mov %rax, (%rsi)\n"
                  " mov %rax, (%rdi)\n g_writes_at: mov %rax, (%rbx)\n vmcall");
/* Two writes; the second is the one a full log stops. */
SNIPPET(g_two, "mov %rax, (%rbx)\n g_two_at: mov %rax, (%rcx)\n vmcall");
SNIPPET(g_load, "g_load_at: mov (%rbx), %rax\n vmcall");

#define SEC_EPT (1u << 1)
#define SEC_PML (1u << 17)
#define EXIT_PML_FULL 62
#define CAP_WALK4 (1ull << 6)
#define CAP_WB (1ull << 14)
#define CAP_2M (1ull << 16)
#define CAP_AD (1ull << 21)

#define RWX 7ull
#define MT_WB (6ull << 3)
#define PS (1ull << 7)
#define EPT_A (1ull << 8)
#define EPT_D (1ull << 9)
#define EPTP_AD (1ull << 6)

#define T 0x2000000ull
#define GP4 (T + 0x4000) /* the guest's own PML4, PDPT and PD for linear LIN */
#define GPDPT (T + 0x5000)
#define GPD (T + 0x6000)
#define LIN 0x8000000000ull
#define G 0x2400000ull
#define STALE 0x5a5a5a5a5a5a5a5aull

static u64 pml4, pdpt, pd[4], pt, log_page;

static u64 *ept_pte(u64 gpa) { return &((u64 *)pt)[(gpa - T) >> 12]; }
static u64 slot(unsigned k) { return ((u64 *)log_page)[k]; }

/* Fresh tables: identity 0-4 GiB, 2 MiB pages accessed and dirty, T in clean 4 KiB pages;
 * the guest's own paging structures for LIN; the log filled with STALE. */
static void build(void)
{
    ((u64 *)pml4)[0] = pdpt | RWX | EPT_A;
    for (int i = 0; i < 4; i++) {
        ((u64 *)pdpt)[i] = pd[i] | RWX | EPT_A;
        for (u64 j = 0; j < 512; j++)
            ((u64 *)pd[i])[j] = ((u64)i << 30 | j << 21) | PS | MT_WB | RWX | EPT_A | EPT_D;
    }
    ((u64 *)pd[0])[T >> 21] = pt | RWX | EPT_A;
    for (u64 k = 0; k < 512; k++) {
        ((u64 *)pt)[k] = (T + (k << 12)) | MT_WB | RWX;
        ((u64 *)log_page)[k] = STALE;
    }
    memset((void *)T, 0, 0x7000);
    u64 *host_pml4 = (u64 *)(read_cr3() & ~0xfffull);
    ((u64 *)GP4)[0] = host_pml4[0];
    ((u64 *)GP4)[1] = GPDPT | 0x23; /* P, RW, A */
    ((u64 *)GPDPT)[0] = GPD | 0x23;
    ((u64 *)GPD)[0] = G | 0xe3; /* P, RW, A, D, PS */
    *(u64 *)(G + 0x128) = 0x6161;
}

/* A fresh guest running fn under EPT with A/D flags and these secondary controls. */
static void guest(void *fn, u32 proc2, u64 index)
{
    build();
    vmx_default_vmcs((void (*)(void))fn);
    vmw_or(PROC_CONTROLS, PROC_SECONDARY);
    vmw(PROC_CONTROLS2, vmx_adjust(vmx_caps.proc2, proc2));
    vmw(EPT_POINTER, pml4 | 6 | 3 << 3 | EPTP_AD);
    vmw(PML_ADDRESS, log_page);
    vmw(GUEST_PML_INDEX, index);
}

static int run(const char *name)
{
    int st = vmx_run();
    if (st != VMX_EXITED) fail(name, "VM entry status %d error %u", st, vmx_insn_error());
    return st == VMX_EXITED;
}

/* The addresses g_writes writes (twice to the third page), reads and writes again. */
static void writes_regs(void)
{
    vmx_regs.rbx = T + 0x128;
    vmx_regs.rcx = T + 0x2010;
    vmx_regs.rdx = T + 0x3000;
    vmx_regs.rsi = T + 0x1008;
    vmx_regs.rdi = T + 0x2ff8;
}

static void logging(void)
{
    /* 29.3.6: each EPT dirty flag set from 0 to 1 logs the guest-physical address, bits
     * 11:0 clear, at PML address + 8 * index, then the index counts down. A read sets
     * no dirty flag; a second write to a dirty page logs nothing. */
    guest(g_writes, SEC_EPT | SEC_PML, 511);
    writes_regs();
    if (run("pml_writes_run")) check_eq("pml_writes_vmcall", vmx_basic_reason(), EXIT_VMCALL);
    check_eq("pml_entry_511", slot(511), T);
    check_eq("pml_entry_510", slot(510), T + 0x2000);
    check_eq("pml_entry_509", slot(509), T + 0x1000);
    check_eq("pml_entry_508_unwritten", slot(508), STALE);
    check_eq("pml_index_after_writes", vmr(GUEST_PML_INDEX), 508);
    check_eq("pml_read_page_not_dirty", *ept_pte(T + 0x3000) & (EPT_A | EPT_D), EPT_A);

    /* Without "enable PML" the dirty flags are set and nothing is logged. */
    guest(g_writes, SEC_EPT, 511);
    writes_regs();
    if (run("pml_off_run")) check_eq("pml_off_vmcall", vmx_basic_reason(), EXIT_VMCALL);
    check_eq("pml_off_dirty_set", *ept_pte(T) & EPT_D, EPT_D);
    check_eq("pml_off_nothing_logged", slot(511), STALE);

    /* Guest paging-structure accesses are writes with EPT A/D (29.3.3.2): the guest's
     * PML4 (first fetch), PDPT and PD pages are logged in walk order; the final read of
     * a dirty 2 MiB page logs nothing. */
    guest(g_load, SEC_EPT | SEC_PML, 511);
    vmw(GUEST_CR3, GP4);
    vmx_regs.rbx = LIN + 0x128;
    if (run("pml_paging_run"))
        check("pml_paging_load", vmx_basic_reason() == EXIT_VMCALL && vmx_regs.rax == 0x6161);
    check_eq("pml_paging_pml4", slot(511), GP4);
    check_eq("pml_paging_pdpt", slot(510), GPDPT);
    check_eq("pml_paging_pd", slot(509), GPD);
    check_eq("pml_paging_index", vmr(GUEST_PML_INDEX), 508);
}

static void log_full(void)
{
    /* The write that takes slot 0 logs and leaves index FFFFH; the next write that needs
     * a flag is a page-modification log-full event: VM exit 62 with qualification 0
     * (28.2.1), no flag set, the write not done, RIP at the writing instruction. */
    guest(g_two, SEC_EPT | SEC_PML, 0);
    vmx_regs.rax = 0x77;
    vmx_regs.rbx = T;
    vmx_regs.rcx = T + 0x1000;
    *(u64 *)(T + 0x1000) = STALE;
    if (run("pml_full_run")) {
        check_eq("pml_full_reason", vmx_exit.reason, EXIT_PML_FULL);
        check_eq("pml_full_rip", vmx_exit.guest_rip, (u64)g_two_at);
        check_eq("pml_full_qual", vmx_exit.qual, 0);
    }
    check_eq("pml_full_slot0", slot(0), T);
    check_eq("pml_full_index", vmr(GUEST_PML_INDEX), 0xffff);
    check_eq("pml_full_flags_not_set", *ept_pte(T + 0x1000) & (EPT_A | EPT_D), 0);
    check_eq("pml_full_write_not_done", *(u64 *)(T + 0x1000), STALE);

    /* With the log full, a read that needs an accessed flag exits as well. */
    guest(g_load, SEC_EPT | SEC_PML, 0xffff);
    vmx_regs.rbx = T + 0x3000;
    if (run("pml_full_read_run")) {
        check_eq("pml_full_read_reason", vmx_exit.reason, EXIT_PML_FULL);
        check_eq("pml_full_read_rip", vmx_exit.guest_rip, (u64)g_load_at);
    }
    check_eq("pml_full_read_accessed_not_set", *ept_pte(T + 0x3000) & EPT_A, 0);
}

/* 27.2.1.1: "enable PML" needs "enable EPT" and a 4 KiB-aligned PML address within
 * MAXPHYADDR; otherwise VMfailValid 7 (invalid control fields). */
static void entry_checks(void)
{
    guest(g_load, SEC_PML, 511);
    vmw(PROC_CONTROLS2, SEC_PML);
    check_eq("pml_without_ept_fails", vmx_run(), VMX_FAIL_VALID);
    check_eq("pml_without_ept_error", vmx_insn_error(), 7);
    guest(g_load, SEC_EPT | SEC_PML, 511);
    vmw(PML_ADDRESS, log_page + 0x800);
    check_eq("pml_address_unaligned_fails", vmx_run(), VMX_FAIL_VALID);
    check_eq("pml_address_unaligned_error", vmx_insn_error(), 7);
}

void main64(u64 arg)
{
    if (!vmx_start())
        return;
    if (vmx_may1(vmx_caps.proc, PROC_SECONDARY) && vmx_may1(vmx_caps.proc2, SEC_EPT | SEC_PML)) {
        u64 cap = rdmsr(MSR_VMX_EPT_VPID);
        u64 need = CAP_WALK4 | CAP_WB | CAP_2M | CAP_AD;
        if ((cap & need) == need) {
            pml4 = vmx_alloc_page();
            pdpt = vmx_alloc_page();
            pt = vmx_alloc_page();
            log_page = vmx_alloc_page();
            for (int i = 0; i < 4; i++) pd[i] = vmx_alloc_page();
            logging();
            log_full();
            entry_checks();
        }
    }
    vmx_leave();
}
