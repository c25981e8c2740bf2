/* VM exits, 64-bit half (SDM 25.1-25.3 what exits, 28.2 what the exit records).
 * Guest snippets are assembly with a label on the instruction that should exit, so
 * the exit's guest RIP can be checked exactly; each ends in VMCALL. */
#include "vmx.h"

#define SNIPPET(name, body)                                                              \
    extern char name[], name##_at[];                                                     \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body "\n")

SNIPPET(g_cpuid, "xor %eax, %eax\n xor %ecx, %ecx\n g_cpuid_at: cpuid\n vmcall");
SNIPPET(g_hlt, "g_hlt_at: hlt\n vmcall");
SNIPPET(g_vmcall, "nop\n g_vmcall_at: vmcall\n vmcall");
SNIPPET(g_rdmsr, "g_rdmsr_at: rdmsr\n vmcall");
SNIPPET(g_wrmsr, "g_wrmsr_at: wrmsr\n vmcall");
SNIPPET(g_out80, "mov $0x5a, %al\n g_out80_at: outb %al, $0x80\n vmcall");
SNIPPET(g_out81, "mov $0x5a, %al\n g_out81_at: outb %al, $0x81\n vmcall");
SNIPPET(g_inl_dx, "g_inl_dx_at: inl (%dx), %eax\n vmcall");
SNIPPET(g_outw_7f, "g_outw_7f_at: outw %ax, $0x7f\n vmcall");
SNIPPET(g_rep_outsw, "g_rep_outsw_at: rep outsw\n vmcall");
/* RBX holds CR3 (vmx_regs): reading it in the guest would exit first where CR3-store
 * exiting cannot be cleared (no TRUE controls). */
SNIPPET(g_mov_to_cr3, "g_mov_to_cr3_at: mov %rbx, %cr3\n vmcall");
SNIPPET(g_mov_from_cr3, "g_mov_from_cr3_at: mov %cr3, %rcx\n vmcall");
SNIPPET(g_mov_to_cr8, "xor %edx, %edx\n g_mov_to_cr8_at: mov %rdx, %cr8\n vmcall");
SNIPPET(g_mov_from_cr8, "g_mov_from_cr8_at: mov %cr8, %rsi\n vmcall");
SNIPPET(g_set_ts, "mov %cr0, %rax\n or $8, %rax\n g_set_ts_at: mov %rax, %cr0\n vmcall");
SNIPPET(g_clts, "g_clts_at: clts\n vmcall");
SNIPPET(g_read_cr0_cr4, "g_read_cr0_cr4_at: mov %cr0, %rax\n mov %cr4, %rbx\n vmcall");
SNIPPET(g_ud2, "g_ud2_at: ud2\n vmcall");
SNIPPET(g_noncanon, "movabs $0x8000000000000000, %rbx\n g_noncanon_at: mov (%rbx), %rax\n vmcall");
SNIPPET(g_pf_read, "movabs $0x100000000, %rbx\n g_pf_read_at: mov (%rbx), %rax\n vmcall");
SNIPPET(g_pf_write, "movabs $0x100000008, %rbx\n g_pf_write_at: mov %rax, (%rbx)\n vmcall");
SNIPPET(g_invlpg, "mov $0x123000, %ebx\n g_invlpg_at: invlpg (%rbx)\n vmcall");
SNIPPET(g_rdtsc, "g_rdtsc_at: rdtsc\n vmcall");
SNIPPET(g_mov_dr0, "g_mov_dr0_at: mov %dr0, %rax\n vmcall");

/* A fresh default VMCS running fn, with these extra primary controls. */
static void fresh(void *fn, u32 proc)
{
    vmx_default_vmcs((void (*)(void))fn);
    vmw(PROC_CONTROLS, vmx_adjust(vmx_caps.proc, proc));
}

/* Run and check the exit: reason, guest RIP at the instruction, instruction length
 * (0 = do not check: undefined for that exit). One line each. */
static int expect_exit(const char *name, u32 reason, const char *rip, u32 len)
{
    char n[80];
    int st = vmx_run();
    snprintf(n, sizeof(n), "%s_reason", name);
    if (st != VMX_EXITED) {
        fail(n, "VM entry status %d error %u", st, vmx_insn_error());
        return 0;
    }
    int ok = check_eq(n, vmx_exit.reason, reason);
    snprintf(n, sizeof(n), "%s_rip", name);
    ok &= check_eq(n, vmx_exit.guest_rip, (u64)rip);
    if (len) {
        snprintf(n, sizeof(n), "%s_insn_len", name);
        ok &= check_eq(n, vmx_exit.insn_len, len);
    }
    return ok;
}

/* Run and expect the snippet to get through to its final VMCALL (no exit on the way). */
static void expect_no_exit(const char *name, const char *at)
{
    int st = vmx_run();
    if (st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL && vmx_exit.guest_rip > (u64)at)
        pass(name);
    else
        fail(name, "status %d reason %u rip 0x%llx", st, vmx_exit.reason,
             (unsigned long long)vmx_exit.guest_rip);
}

static void cpuid_hlt_vmcall(void)
{
    /* CPUID exits unconditionally (25.1.2); the host emulates it and resumes. */
    fresh(g_cpuid, 0);
    expect_exit("cpuid", EXIT_CPUID, g_cpuid_at, 2);
    check_eq("cpuid_exit_qual_zero", vmx_exit.qual, 0);
    vmx_regs.rbx = 0x1111;
    vmx_regs.rdx = 0x2222;
    vmx_skip_insn();
    int st = vmx_run();
    check("cpuid_resume_reaches_vmcall", st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL &&
                                             vmx_exit.guest_rip == (u64)g_cpuid_at + 2);
    check("cpuid_resume_keeps_host_regs", vmx_regs.rbx == 0x1111 && vmx_regs.rdx == 0x2222);

    fresh(g_hlt, PROC_HLT_EXIT);
    expect_exit("hlt", EXIT_HLT, g_hlt_at, 1);

    fresh(g_vmcall, 0);
    expect_exit("vmcall", EXIT_VMCALL, g_vmcall_at, 3);
    check_eq("vmcall_exit_qual_zero", vmx_exit.qual, 0);

    fresh(g_invlpg, PROC_INVLPG_EXIT);
    expect_exit("invlpg", EXIT_INVLPG, g_invlpg_at, 3);
    check_eq("invlpg_exit_qual_linear", vmx_exit.qual, 0x123000);
    fresh(g_rdtsc, PROC_RDTSC_EXIT);
    expect_exit("rdtsc", EXIT_RDTSC, g_rdtsc_at, 2);
    fresh(g_rdtsc, 0);
    expect_no_exit("rdtsc_no_exiting_no_exit", g_rdtsc_at);
}

static void msrs(void)
{
    /* Without MSR bitmaps every RDMSR/WRMSR exits (25.1.3). */
    fresh(g_rdmsr, 0);
    vmx_regs.rcx = 0x174;
    expect_exit("rdmsr_no_bitmap", EXIT_RDMSR, g_rdmsr_at, 2);
    check_eq("rdmsr_exit_keeps_rcx", vmx_regs.rcx, 0x174);
    fresh(g_wrmsr, 0);
    vmx_regs.rcx = 0x174;
    vmx_regs.rax = 0x10;
    expect_exit("wrmsr_no_bitmap", EXIT_WRMSR, g_wrmsr_at, 2);
    check_eq("wrmsr_exit_keeps_rax", vmx_regs.rax, 0x10);

    /* MSR bitmaps (24.6.9): read-low at 0, read-high at 1024, write-low at 2048,
     * write-high at 3072; one bit per MSR. */
    u64 bm = vmx_alloc_page();
    u8 *b = (u8 *)bm;
    b[0x174 / 8] |= 1 << (0x174 % 8);                  /* read SYSENTER_CS */
    b[1024 + 0x80 / 8] |= 1 << (0x80 % 8);             /* read EFER (C0000080) */
    b[2048 + 0x175 / 8] |= 1 << (0x175 % 8);           /* write SYSENTER_ESP */
    struct { const char *name; int wr; u32 msr; int exits; } cases[] = {
        {"rdmsr_bitmap_low_set_exits", 0, 0x174, 1},
        {"rdmsr_bitmap_low_clear_no_exit", 0, 0x175, 0},
        {"rdmsr_bitmap_high_set_exits", 0, 0xc0000080, 1},
        {"rdmsr_bitmap_high_clear_no_exit", 0, 0xc0000081, 0},
        {"rdmsr_bitmap_outside_ranges_exits", 0, 0x40000000, 1},
        {"wrmsr_bitmap_low_set_exits", 1, 0x175, 1},
        {"wrmsr_bitmap_low_clear_no_exit", 1, 0x174, 0},
        {"wrmsr_bitmap_outside_ranges_exits", 1, 0x40000000, 1},
    };
    for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
        char *at = cases[i].wr ? g_wrmsr_at : g_rdmsr_at;
        fresh(cases[i].wr ? g_wrmsr : g_rdmsr, PROC_MSR_BITMAPS);
        vmw(MSR_BITMAP, bm);
        vmx_regs.rcx = cases[i].msr;
        if (cases[i].wr) {
            /* Write what is there already, so a write that happens changes nothing. */
            u64 cur = rdmsr(cases[i].msr == 0x40000000 ? 0x174 : cases[i].msr);
            vmx_regs.rax = (u32)cur;
            vmx_regs.rdx = cur >> 32;
        }
        if (cases[i].exits) {
            int st = vmx_run();
            u32 want = cases[i].wr ? EXIT_WRMSR : EXIT_RDMSR;
            if (st == VMX_EXITED && vmx_exit.reason == want && vmx_exit.guest_rip == (u64)at)
                pass(cases[i].name);
            else
                fail(cases[i].name, "status %d reason %u", st, vmx_exit.reason);
        } else {
            expect_no_exit(cases[i].name, at);
        }
    }
    /* A non-exiting RDMSR reads the real MSR. */
    fresh(g_rdmsr, PROC_MSR_BITMAPS);
    vmw(MSR_BITMAP, bm);
    vmx_regs.rcx = 0x175;
    vmx_run();
    check_eq("rdmsr_bitmap_clear_reads_msr", (vmx_regs.rdx << 32) | (u32)vmx_regs.rax, rdmsr(0x175));
}

/* Exit qualification for I/O (Table 28-5): size-1, IN, string, REP, immediate, port. */
#define IOQ(size, in, str, rep, imm, port)                                                    \
    ((u64)((size) - 1) | ((in) << 3) | ((str) << 4) | ((rep) << 5) | ((imm) << 6) | ((u64)(port) << 16))

static void io(void)
{
    fresh(g_out80, PROC_IO_EXIT);
    expect_exit("io_out_imm8", EXIT_IO, g_out80_at, 2);
    check_eq("io_out_imm8_qual", vmx_exit.qual, IOQ(1, 0, 0, 0, 1, 0x80));
    fresh(g_inl_dx, PROC_IO_EXIT);
    vmx_regs.rdx = 0x71;
    expect_exit("io_in_dx_dword", EXIT_IO, g_inl_dx_at, 1);
    check_eq("io_in_dx_dword_qual", vmx_exit.qual, IOQ(4, 1, 0, 0, 0, 0x71));
    fresh(g_rep_outsw, PROC_IO_EXIT);
    vmx_regs.rdx = 0x80;
    vmx_regs.rsi = 0x200000;
    vmx_regs.rcx = 4;
    expect_exit("io_rep_outsw", EXIT_IO, g_rep_outsw_at, 3);
    check_eq("io_rep_outsw_qual", vmx_exit.qual, IOQ(2, 0, 1, 1, 0, 0x80));
    check_eq("io_rep_outsw_guest_linear", vmx_exit.guest_linear, 0x200000);

    /* I/O bitmaps (24.6.4): A covers ports 0-7FFF, B 8000-FFFF. */
    u64 a = vmx_alloc_page(), b = vmx_alloc_page();
    ((u8 *)a)[0x80 / 8] |= 1 << (0x80 % 8);
    ((u8 *)b)[(0xa000 - 0x8000) / 8] |= 1 << (0xa000 % 8);
    fresh(g_out80, PROC_IO_BITMAPS);
    vmw(IO_BITMAP_A, a);
    vmw(IO_BITMAP_B, b);
    expect_exit("io_bitmap_a_set", EXIT_IO, g_out80_at, 2);
    fresh(g_out81, PROC_IO_BITMAPS | PROC_IO_EXIT);
    vmw(IO_BITMAP_A, a);
    vmw(IO_BITMAP_B, b);
    expect_no_exit("io_bitmap_clear_overrides_unconditional", g_out81_at);
    fresh(g_inl_dx, PROC_IO_BITMAPS);
    vmw(IO_BITMAP_A, a);
    vmw(IO_BITMAP_B, b);
    vmx_regs.rdx = 0xa000;
    expect_exit("io_bitmap_b_set", EXIT_IO, g_inl_dx_at, 1);
    check_eq("io_bitmap_b_set_qual", vmx_exit.qual, IOQ(4, 1, 0, 0, 0, 0xa000));
    /* A word at port 7F touches 80 too: any set bit makes it exit. */
    fresh(g_outw_7f, PROC_IO_BITMAPS);
    vmw(IO_BITMAP_A, a);
    vmw(IO_BITMAP_B, b);
    expect_exit("io_bitmap_word_spanning_set_bit", EXIT_IO, g_outw_7f_at, 3);
    check_eq("io_bitmap_word_spanning_qual", vmx_exit.qual, IOQ(2, 0, 0, 0, 1, 0x7f));
}

/* Exit qualification for control-register accesses (Table 28-3). */
#define CRQ(cr, type, gpr) ((u64)(cr) | ((type) << 4) | ((u64)(gpr) << 8))

static void crs(void)
{
    fresh(g_mov_to_cr3, PROC_CR3_LOAD_EXIT);
    vmx_regs.rbx = read_cr3();
    expect_exit("mov_to_cr3", EXIT_CR_ACCESS, g_mov_to_cr3_at, 3);
    check_eq("mov_to_cr3_qual", vmx_exit.qual, CRQ(3, 0, 3));
    /* A CR3-target value matching the source suppresses the exit (25.1.3). */
    fresh(g_mov_to_cr3, PROC_CR3_LOAD_EXIT);
    vmx_regs.rbx = read_cr3();
    vmw(CR3_TARGET_COUNT, 1);
    vmw(CR3_TARGET0, read_cr3());
    expect_no_exit("mov_to_cr3_target_match_no_exit", g_mov_to_cr3_at);
    fresh(g_mov_from_cr3, PROC_CR3_STORE_EXIT);
    expect_exit("mov_from_cr3", EXIT_CR_ACCESS, g_mov_from_cr3_at, 3);
    check_eq("mov_from_cr3_qual", vmx_exit.qual, CRQ(3, 1, 1));
    /* CR3-load exiting is a default1 control: only the TRUE MSR can let it be 0. */
    if (vmx_may0(vmx_caps.proc, PROC_CR3_LOAD_EXIT)) {
        fresh(g_mov_to_cr3, 0);
        vmx_regs.rbx = read_cr3();
        expect_no_exit("mov_to_cr3_no_exiting_no_exit", g_mov_to_cr3_at);
    }

    fresh(g_mov_to_cr8, PROC_CR8_LOAD_EXIT);
    expect_exit("mov_to_cr8", EXIT_CR_ACCESS, g_mov_to_cr8_at, 4);
    check_eq("mov_to_cr8_qual", vmx_exit.qual, CRQ(8, 0, 2));
    fresh(g_mov_from_cr8, PROC_CR8_STORE_EXIT);
    expect_exit("mov_from_cr8", EXIT_CR_ACCESS, g_mov_from_cr8_at, 4);
    check_eq("mov_from_cr8_qual", vmx_exit.qual, CRQ(8, 1, 6));

    /* CR0 guest/host mask: writing a host-owned bit to differ from the shadow exits;
     * reads of host-owned bits return the shadow (25.3). */
    fresh(g_set_ts, 0);
    vmw(CR0_MASK, 8);
    vmw(CR0_SHADOW, read_cr0() & ~8ull);
    expect_exit("mov_to_cr0_masked_bit", EXIT_CR_ACCESS, g_set_ts_at, 3);
    check_eq("mov_to_cr0_masked_bit_qual", vmx_exit.qual, CRQ(0, 0, 0));
    fresh(g_set_ts, 0);
    vmw(CR0_MASK, 8);
    vmw(CR0_SHADOW, read_cr0() | 8);
    expect_no_exit("mov_to_cr0_matching_shadow_no_exit", g_set_ts_at);
    fresh(g_clts, 0);
    vmw(CR0_MASK, 8);
    vmw(CR0_SHADOW, read_cr0() | 8);
    expect_exit("clts_masked_ts_set_in_shadow", EXIT_CR_ACCESS, g_clts_at, 2);
    check_eq("clts_qual", vmx_exit.qual, CRQ(0, 2, 0));
    fresh(g_read_cr0_cr4, 0);
    u64 cr0 = read_cr0() & ~8ull, cr4 = read_cr4();
    vmw(GUEST_CR0, cr0);
    vmw(CR0_MASK, 8);
    vmw(CR0_SHADOW, cr0 | 8);
    vmw(CR4_MASK, 1u << 7);
    vmw(CR4_SHADOW, cr4 ^ (1u << 7));
    vmx_run();
    check_eq("mov_from_cr0_reads_shadow_bits", vmx_regs.rax, cr0 | 8);
    check_eq("mov_from_cr4_reads_shadow_bits", vmx_regs.rbx, cr4 ^ (1u << 7));
}

static void exceptions(void)
{
    fresh(g_ud2, 0);
    vmw(EXCEPTION_BITMAP, 1u << 6);
    expect_exit("ud_bitmap", EXIT_EXCEPTION_NMI, g_ud2_at, 0);
    check_eq("ud_bitmap_intr_info", vmx_exit.intr_info, INTR_VALID | INTR_TYPE_HW_EXC | 6);
    /* Not in the bitmap: delivered through the guest's IDT (its stub then VMCALLs). */
    fresh(g_ud2, 0);
    u64 before = vmx_guest_trap.count;
    int st = vmx_run();
    check("ud_not_in_bitmap_delivered_to_guest",
          st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.count == before + 1 &&
              vmx_guest_trap.vec == 6 && vmx_guest_trap.rip == (u64)g_ud2_at);

    fresh(g_noncanon, 0);
    vmw(EXCEPTION_BITMAP, 1u << 13);
    expect_exit("gp_bitmap", EXIT_EXCEPTION_NMI, g_noncanon_at, 0);
    check_eq("gp_bitmap_intr_info", vmx_exit.intr_info, INTR_VALID | INTR_ERR_VALID | INTR_TYPE_HW_EXC | 13);
    check_eq("gp_bitmap_error_code", vmx_exit.intr_err, 0);

    fresh(g_pf_read, 0);
    vmw(EXCEPTION_BITMAP, 1u << 14);
    expect_exit("pf_bitmap", EXIT_EXCEPTION_NMI, g_pf_read_at, 0);
    check_eq("pf_bitmap_intr_info", vmx_exit.intr_info, INTR_VALID | INTR_ERR_VALID | INTR_TYPE_HW_EXC | 14);
    check_eq("pf_bitmap_error_code", vmx_exit.intr_err, 0);
    check_eq("pf_bitmap_qual_is_linear_address", vmx_exit.qual, 0x100000000ull);

    /* PFEC mask/match (25.2): bit 14 set -> exit iff (PFEC & MASK) == MATCH;
     * bit 14 clear -> exit iff they differ. MASK = W selects writes vs reads. */
    struct { const char *name; int bit; u32 match; int write; int exits; } pf[] = {
        {"pf_bit1_match_write_exits", 1, 2, 1, 1},
        {"pf_bit1_match_write_read_delivered", 1, 2, 0, 0},
        {"pf_bit0_match_read_write_exits", 0, 0, 1, 1},
        {"pf_bit0_match_read_read_delivered", 0, 0, 0, 0},
    };
    for (u32 i = 0; i < ARRAY_SIZE(pf); i++) {
        void *fn = pf[i].write ? (void *)g_pf_write : (void *)g_pf_read;
        char *at = pf[i].write ? g_pf_write_at : g_pf_read_at;
        fresh(fn, 0);
        vmw(EXCEPTION_BITMAP, pf[i].bit ? 1u << 14 : 0);
        vmw(PF_ERROR_MASK, 2);
        vmw(PF_ERROR_MATCH, pf[i].match);
        before = vmx_guest_trap.count;
        st = vmx_run();
        int ok;
        if (pf[i].exits)
            ok = st == VMX_EXITED && vmx_exit.reason == EXIT_EXCEPTION_NMI && vmx_exit.guest_rip == (u64)at &&
                 (vmx_exit.intr_info & 0xff) == 14;
        else
            ok = st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.count == before + 1 &&
                 vmx_guest_trap.vec == 14 && vmx_guest_trap.rip == (u64)at;
        check(pf[i].name, ok);
    }
}

static u64 read_dr6(void)
{
    u64 v;
    __asm__ volatile("mov %%dr6, %0" : "=r"(v));
    return v;
}

/* A #DB that causes a VM exit (DR7.GD, MOV from DR0) writes neither DR6 nor DR7.GD; BD
 * goes to the exit qualification (SDM 28.1, 28.2.1). The guest's DR6 is the processor's. */
static void db_exit(void)
{
    fresh(g_mov_dr0, 0);
    vmw(EXCEPTION_BITMAP, 1u << 1);
    vmw_or(ENTRY_CONTROLS, 1u << 2); /* load debug controls */
    vmw_or(EXIT_CONTROLS, 1u << 2);  /* save debug controls */
    vmw(GUEST_DR7, 0x400 | (1u << 13));
    __asm__ volatile("mov %0, %%dr6" : : "r"(0ull));
    u64 before = read_dr6();
    expect_exit("db_gd_bitmap", EXIT_EXCEPTION_NMI, g_mov_dr0_at, 0);
    check_eq("db_gd_bitmap_intr_info", vmx_exit.intr_info, INTR_VALID | INTR_TYPE_HW_EXC | 1);
    check_eq("db_gd_bitmap_qual_bd", vmx_exit.qual, 1u << 13);
    check_eq("db_gd_bitmap_dr6_unchanged", read_dr6(), before);
    check_eq("db_gd_bitmap_guest_dr7_gd_kept", vmr(GUEST_DR7) & (1u << 13), 1u << 13);
}

void main64(u64 arg)
{
    if (!vmx_start())
        return;
    cpuid_hlt_vmcall();
    msrs();
    io();
    crs();
    exceptions();
    db_exit();
    vmx_leave();
}
