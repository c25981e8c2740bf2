/* Exit-reason audit (docs/vmx-exit-reasons.md): every basic exit reason Vanderpool can
 * produce that the other host tests do not cover, with the exit qualification, the
 * VM-exit instruction length and the VM-exit instruction information of SDM Vol. 3 28.2.
 * Instruction exits run in the 64-bit guest of vmx_guest.h; task switches (reason 9) in a
 * 32-bit guest with its own GDT, IDT and TSSs. */
#include "vmx_guest.h"

#define NOQ ~0ull       /* qualification not checked */
#define NOI 0xffffffffu /* instruction information not checked */

struct xcase {
    const char *name;
    u8 code[12];
    u8 len;         /* bytes of guest code */
    u32 pin, proc, proc2;
    u32 reason;
    u64 qual;
    u32 exit_len;   /* VM-exit instruction length */
    u32 info, info_mask;
    u64 rax, rbx, rcx, rdx;
};

/* ModRM reminders: 0x30 [rax] /6, 0x70 [rax+d8] /6, 0x74 SIB /6. */
static const struct xcase cases[] = {
    {"invd", {0x0f, 0x08}, 2, 0, 0, 0, 13, 0, 2, NOI, 0},
    {"invlpg", {0x0f, 0x01, 0x38}, 3, 0, CPU_INVLPG_EXITING, 0, 14, 0x1234, 3, NOI, 0, 0x1234},
    {"rdpmc", {0x0f, 0x33}, 2, 0, CPU_RDPMC_EXITING, 0, 15, 0, 2, NOI, 0},
    {"rdtsc", {0x0f, 0x31}, 2, 0, CPU_RDTSC_EXITING, 0, 16, 0, 2, NOI, 0},
    {"vmcall", {0x0f, 0x01, 0xc1}, 3, 0, 0, 0, 18, 0, 3, 0, ~0u},
    /* vmclear [rax+0x10]: scale 0, asz 64, DS, no index, base rax */
    {"vmclear", {0x66, 0x0f, 0xc7, 0x70, 0x10}, 5, 0, 0, 0, 19, 0x10, 5,
     2u << 7 | 3u << 15 | 1u << 22 | 0u << 23, 0x0fffff83u, SCRATCH},
    {"vmlaunch", {0x0f, 0x01, 0xc2}, 3, 0, 0, 0, 20, 0, 3, 0, ~0u},
    /* vmptrld [rbx+rcx*4+8]: scale 2, DS, index rcx, base rbx */
    {"vmptrld", {0x0f, 0xc7, 0x74, 0x8b, 0x08}, 5, 0, 0, 0, 21, 8, 5,
     2u | 2u << 7 | 3u << 15 | 1u << 18 | 3u << 23, 0x0fffff83u, 0, SCRATCH, 0},
    /* vmptrst [rsp]: SS, base rsp */
    {"vmptrst", {0x0f, 0xc7, 0x3c, 0x24}, 4, 0, 0, 0, 22, 0, 4,
     2u << 7 | 2u << 15 | 1u << 22 | 4u << 23, 0x0fffff83u},
    /* vmread rax, rdx: reg1 rax, register form, reg2 rdx */
    {"vmread", {0x0f, 0x78, 0xd0}, 3, 0, 0, 0, 23, 0, 3, 0u << 3 | 1u << 10 | 2u << 28, 0xf0000478u},
    {"vmresume", {0x0f, 0x01, 0xc3}, 3, 0, 0, 0, 24, 0, 3, 0, ~0u},
    /* vmwrite rdx, [rbx]: memory form, DS, base rbx, reg2 rdx */
    {"vmwrite", {0x0f, 0x79, 0x13}, 3, 0, 0, 0, 25, 0, 3,
     2u << 7 | 3u << 15 | 1u << 22 | 3u << 23 | 2u << 28, 0xffffff83u, 0, SCRATCH},
    {"vmxoff", {0x0f, 0x01, 0xc4}, 3, 0, 0, 0, 26, 0, 3, 0, ~0u},
    /* vmxon [rax]: in VMX non-root operation it exits (31.3 VMXON) */
    {"vmxon", {0xf3, 0x0f, 0xc7, 0x30}, 4, 0, 0, 0, 27, 0, 4, 2u << 7 | 3u << 15 | 1u << 22, 0x0fffff83u, SCRATCH},
    /* mov rax, dr7: DR 7, from DR, GPR rax (Table 28-4) */
    {"mov_from_dr7", {0x0f, 0x21, 0xf8}, 3, 0, CPU_MOV_DR_EXITING, 0, 29, 0x17, 3, NOI, 0},
    /* mov dr3, rcx: DR 3, to DR, GPR rcx */
    {"mov_to_dr3", {0x0f, 0x23, 0xd9}, 3, 0, CPU_MOV_DR_EXITING, 0, 29, 0x103, 3, NOI, 0},
    {"wrmsr", {0x0f, 0x30}, 2, 0, 0, 0, 32, 0, 2, NOI, 0, 0, 0, 0x10},
    {"mwait", {0x0f, 0x01, 0xc9}, 3, 0, CPU_MWAIT_EXITING, 0, 36, 0, 3, NOI, 0},
    {"monitor", {0x0f, 0x01, 0xc8}, 3, 0, CPU_MONITOR_EXITING, 0, 39, 0, 3, NOI, 0, SCRATCH},
    /* sldt eax: register form, reg1 rax, identity 0 (Table 28-11) */
    {"sldt", {0x0f, 0x00, 0xc0}, 3, 0, 0, SEC_DESC_TABLE_EXITING, 47, 0, 3, 1u << 10, 0x30000478u},
    /* str [rax+8]: memory form, DS, base rax, identity 1 */
    {"str_mem", {0x0f, 0x00, 0x48, 0x08}, 4, 0, 0, SEC_DESC_TABLE_EXITING, 47, 8, 4,
     2u << 7 | 3u << 15 | 1u << 22 | 1u << 28, 0x3fffff83u, SCRATCH},
    /* lidt [rbx]: identity 3, DS, base rbx (Table 28-10) */
    {"lidt", {0x0f, 0x01, 0x1b}, 3, 0, 0, SEC_DESC_TABLE_EXITING, 46, 0, 3,
     2u << 7 | 3u << 15 | 1u << 22 | 3u << 23 | 3u << 28, 0x3ffff783u, 0, SCRATCH}, /* bit 11 undefined in 64-bit mode */
    {"rdtscp", {0x0f, 0x01, 0xf9}, 3, 0, CPU_RDTSC_EXITING, SEC_RDTSCP, 51, 0, 3, NOI, 0},
    {"wbinvd", {0x0f, 0x09}, 2, 0, 0, SEC_WBINVD_EXITING, 54, 0, 2, NOI, 0},
    /* rdrand ecx: reg 1, 32-bit (Table 28-12) */
    {"rdrand", {0x0f, 0xc7, 0xf1}, 3, 0, 0, SEC_RDRAND_EXITING, 57, 0, 3, 1u << 3 | 1u << 11, 0x1878u},
    /* invpcid rcx, [rdx]: DS, base rdx, reg2 rcx */
    {"invpcid", {0x66, 0x0f, 0x38, 0x82, 0x0a}, 5, 0, CPU_INVLPG_EXITING, SEC_INVPCID, 58, 0, 5,
     2u << 7 | 3u << 15 | 1u << 22 | 2u << 23 | 1u << 28, 0xffffff83u, 0, 0, 0, SCRATCH},
    /* rdseed rax (REX.W): reg 0, 64-bit */
    {"rdseed", {0x48, 0x0f, 0xc7, 0xf8}, 4, 0, 0, SEC_RDSEED_EXITING, 61, 0, 4, 2u << 11, 0x1878u},
};

static u64 xlen(struct harness *h) { return vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN); }
static u32 xinfo(struct harness *h) { return (u32)vmcs_get(h->c, VMCS_VMX_INSTRUCTION_INFO); }

static void run_case(const struct xcase *x)
{
    struct harness *h = vmx_guest_with_controls(x->code, x->len, x->pin, x->proc, x->proc2);
    struct cpu *c = h->c;
    c->misc_enable |= MISC_ENABLE_MONITOR;
    c->r[RAX] = x->rax;
    c->r[RBX] = x->rbx;
    c->r[RCX] = x->rcx;
    c->r[RDX] = x->rdx;
    int r = host_enter(h, true);
    char n[96];
#define NAME(s) (snprintf(n, sizeof n, "exit.%s.%s", x->name, s), n)
    CHECK(NAME("run"), r == -1 && c->vmx->tr.last_check == NULL, "run %d check %s", r, last_check(h));
    CHECK_EQ(NAME("reason"), exit_reason(h), x->reason);
    if (x->qual != NOQ) CHECK_EQ(NAME("qual"), exit_qual(h), x->qual);
    CHECK_EQ(NAME("len"), xlen(h), x->exit_len);
    CHECK_EQ(NAME("rip"), grip(h), GUEST_CODE);
    if (x->info != NOI) CHECK_EQ(NAME("info"), xinfo(h) & x->info_mask, x->info);
#undef NAME
    harness_free(h);
}

/* MOV DR exits take priority over the CPL #GP (26.1.3): a CPL-3 guest exits. */
static void test_mov_dr_cpl3(void)
{
    static const u8 g[] = {0x0f, 0x21, 0xf8};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, 0, CPU_MOV_DR_EXITING, 0);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_GUEST_CS_SELECTOR, H_CODE64 | 3);
    vmcs_set(c, VMCS_GUEST_CS_AR_BYTES, 0xa0fb);
    vmcs_set(c, VMCS_GUEST_SS_SELECTOR, H_DATA32 | 3);
    vmcs_set(c, VMCS_GUEST_SS_AR_BYTES, 0xc0f3);
    int r = host_enter(h, true);
    CHECK_EQ("exit.mov_dr_cpl3.run", r, -1);
    CHECK_EQ("exit.mov_dr_cpl3.reason", exit_reason(h), 29);
    CHECK_EQ("exit.mov_dr_cpl3.qual", exit_qual(h), 0x17);
    harness_free(h);
}

/* MWAIT after MONITOR: the exit qualification says the monitor is armed (28.2.1). */
static void test_mwait_armed(void)
{
    static const u8 g[] = {0x0f, 0x01, 0xc8, 0x0f, 0x01, 0xc9}; /* monitor; mwait */
    struct harness *h = vmx_guest_with_controls(g, sizeof g, 0, CPU_MWAIT_EXITING, 0);
    struct cpu *c = h->c;
    c->misc_enable |= MISC_ENABLE_MONITOR;
    c->r[RAX] = SCRATCH;
    c->r[RCX] = c->r[RDX] = 0;
    int r = host_enter(h, true);
    CHECK_EQ("exit.mwait_armed.run", r, -1);
    CHECK_EQ("exit.mwait_armed.reason", exit_reason(h), 36);
    CHECK_EQ("exit.mwait_armed.qual", exit_qual(h), 1);
    CHECK_EQ("exit.mwait_armed.rip", grip(h), GUEST_CODE + 3);
    harness_free(h);
}

/* RDPMC at CPL 3 with CR4.PCE = 0: the #GP comes first (26.1.1); #GP in the exception
 * bitmap makes it visible as exit 0. */
static void test_rdpmc_cpl3(void)
{
    static const u8 g[] = {0x0f, 0x33};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, 0, CPU_RDPMC_EXITING, 0);
    struct cpu *c = h->c;
    c->stop_on_exception = false;
    vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << EXC_GP);
    vmcs_set(c, VMCS_GUEST_CS_SELECTOR, H_CODE64 | 3);
    vmcs_set(c, VMCS_GUEST_CS_AR_BYTES, 0xa0fb);
    vmcs_set(c, VMCS_GUEST_SS_SELECTOR, H_DATA32 | 3);
    vmcs_set(c, VMCS_GUEST_SS_AR_BYTES, 0xc0f3);
    host_enter(h, true);
    CHECK_EQ("exit.rdpmc_cpl3.reason", exit_reason(h), 0);
    CHECK_EQ("exit.rdpmc_cpl3.info", vmcs_get(c, VMCS_VM_EXIT_INTR_INFO), 0x80000b0du);
    harness_free(h);
}

/* Event exits: NMI (0 with NMI type), triple fault (2), SIPI (4), interrupt window (7),
 * NMI window (8), external interrupt (1) acknowledged on exit. */
static void test_events(void)
{
    static const u8 nop[] = {0x90};
    struct harness *h = vmx_guest_with_controls(nop, 1, PIN_NMI_EXITING, 0, 0);
    h->c->nmi_pending = true;
    host_enter(h, true);
    CHECK_EQ("exit.nmi.reason", exit_reason(h), 0);
    CHECK_EQ("exit.nmi.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000202u);
    CHECK_EQ("exit.nmi.rip", grip(h), GUEST_CODE);
    harness_free(h);

    /* ud2 with an empty guest IDT: #UD, #GP, #DF, triple fault. */
    static const u8 ud[] = {0x0f, 0x0b};
    h = vmx_guest_with_controls(ud, 2, 0, 0, 0);
    h->c->stop_on_exception = false;
    host_enter(h, true);
    CHECK_EQ("exit.triple_fault.reason", exit_reason(h), 2);
    CHECK_EQ("exit.triple_fault.qual", exit_qual(h), 0);
    CHECK_EQ("exit.triple_fault.rip", grip(h), GUEST_CODE);
    /* 28.2.4: a triple fault is not an exit during event delivery (the #DF's). */
    CHECK_EQ("exit.triple_fault.idt_vectoring", vmcs_get(h->c, VMCS_IDT_VECTORING_INFO_FIELD), 0);
    harness_free(h);

    /* The same with #DF in the exception bitmap: the double fault exits directly, which is
     * not an exit during the delivery of the #GP that led to it (28.2.4). */
    h = vmx_guest_with_controls(ud, 2, 0, 0, 0);
    h->c->stop_on_exception = false;
    vmcs_set(h->c, VMCS_EXCEPTION_BITMAP, 1u << EXC_DF);
    host_enter(h, true);
    CHECK_EQ("exit.double_fault.reason", exit_reason(h), 0);
    CHECK_EQ("exit.double_fault.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000b08u);
    CHECK_EQ("exit.double_fault.idt_vectoring", vmcs_get(h->c, VMCS_IDT_VECTORING_INFO_FIELD), 0);
    harness_free(h);

    /* With #GP in the bitmap instead, the #GP raised while delivering the #UD exits during
     * that delivery: the IDT-vectoring information names the #UD. */
    h = vmx_guest_with_controls(ud, 2, 0, 0, 0);
    h->c->stop_on_exception = false;
    vmcs_set(h->c, VMCS_EXCEPTION_BITMAP, 1u << EXC_GP);
    host_enter(h, true);
    CHECK_EQ("exit.gp_in_ud.reason", exit_reason(h), 0);
    CHECK_EQ("exit.gp_in_ud.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO) & 0x80000fffu, 0x80000b0du);
    CHECK_EQ("exit.gp_in_ud.idt_vectoring", vmcs_get(h->c, VMCS_IDT_VECTORING_INFO_FIELD), 0x80000306u);
    harness_free(h);

    h = vmx_guest_with_controls(nop, 1, 0, 0, 0);
    vmcs_set(h->c, VMCS_GUEST_ACTIVITY_STATE, ACT_WAIT_SIPI);
    h->c->sipi_pending = true;
    h->c->sipi_vector = 0x9a;
    host_enter(h, true);
    CHECK_EQ("exit.sipi.reason", exit_reason(h), 4);
    CHECK_EQ("exit.sipi.qual", exit_qual(h), 0x9a);
    CHECK_EQ("exit.sipi.activity", vmcs_get(h->c, VMCS_GUEST_ACTIVITY_STATE), ACT_WAIT_SIPI);
    harness_free(h);

    h = vmx_guest_with_controls(nop, 1, 0, CPU_INTR_WINDOW_EXITING, 0);
    vmcs_set(h->c, VMCS_GUEST_RFLAGS, FL_FIXED1 | FL_IF);
    host_enter(h, true);
    CHECK_EQ("exit.intr_window.reason", exit_reason(h), 7);
    CHECK_EQ("exit.intr_window.qual", exit_qual(h), 0);
    CHECK_EQ("exit.intr_window.rip", grip(h), GUEST_CODE);
    harness_free(h);

    h = vmx_guest_with_controls(nop, 1, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, CPU_NMI_WINDOW_EXITING, 0);
    host_enter(h, true);
    CHECK_EQ("exit.nmi_window.reason", exit_reason(h), 8);
    CHECK_EQ("exit.nmi_window.rip", grip(h), GUEST_CODE);
    harness_free(h);

    /* External interrupt: an x2APIC self-IPI of vector 0x31 pending at entry. */
    h = vmx_guest_with_controls(nop, 1, PIN_EXT_INTR_EXITING, 0, 0);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_VM_EXIT_CONTROLS, vmcs_get(c, VMCS_VM_EXIT_CONTROLS) | EXIT_ACK_INTR_ON_EXIT);
    bool ok = c->lapic && lapic_set_base(c, 0xfee00000u | BIT(11)) && lapic_set_base(c, 0xfee00000u | BIT(11) | BIT(10)) &&
              lapic_msr_write(c, 0x80f, 0x1ff) && lapic_msr_write(c, 0x83f, 0x31);
    CHECK("exit.extint.self_ipi", ok, "x2APIC self-IPI not accepted");
    host_enter(h, true);
    CHECK_EQ("exit.extint.reason", exit_reason(h), 1);
    CHECK_EQ("exit.extint.info", vmcs_get(c, VMCS_VM_EXIT_INTR_INFO), 0x80000031u);
    CHECK_EQ("exit.extint.rip", grip(h), GUEST_CODE);
    harness_free(h);
}

/* --- Task switches (reason 9) -------------------------------------------------------- */

#define TG_GDT (HARNESS_DATA + 0x40000)
#define TG_IDT (HARNESS_DATA + 0x41000)
#define TG_TSS_CUR (HARNESS_DATA + 0x42000)
#define TG_TSS_NEW (HARNESS_DATA + 0x42100)
#define TG_PD (HARNESS_DATA + 0x43000)
enum { TS_CODE = 0x08, TS_DATA = 0x10, TS_NEW = 0x18, TS_CUR = 0x20, TS_GATE = 0x28, TS_BUSY = 0x30 };

static u64 desc(u32 base, u32 limit, u32 type_byte, u32 flags)
{
    return (limit & 0xffff) | (u64)(base & 0xffffff) << 16 | (u64)type_byte << 40 |
           (u64)((limit >> 16) & 0xf) << 48 | (u64)flags << 52 | (u64)(base >> 24) << 56;
}
static u64 task_gate(u16 sel, unsigned dpl) { return (u64)sel << 16 | (u64)(0x85 | dpl << 5) << 40; }

/* A 32-bit guest (4-MiB pages) whose GDT holds an available TSS (TS_NEW), the current busy
 * TSS (TS_CUR, in TR), a task gate to TS_NEW and a second busy TSS (TS_BUSY, the back link
 * of TS_CUR for IRET); IDT vectors 6 and 0x40 are task gates to TS_NEW. */
static struct harness *task_setup(const u8 *g, size_t n)
{
    struct harness *h = vmx_guest_with_controls(g, n, 0, 0, 0);
    struct cpu *c = h->c;
    u64 gdt[7] = {0, desc(0, 0xfffff, 0x9b, 0xc), desc(0, 0xfffff, 0x93, 0xc), desc(TG_TSS_NEW, 0x67, 0x89, 0),
                  desc(TG_TSS_CUR, 0x67, 0x8b, 0), task_gate(TS_NEW, 0), desc(TG_TSS_NEW, 0x67, 0x8b, 0)};
    phys_copy_in(h->m, TG_GDT, gdt, sizeof gdt);
    u64 gate6 = task_gate(TS_NEW, 0), gate40 = task_gate(TS_NEW, 3);
    phys_copy_in(h->m, TG_IDT + 6 * 8, &gate6, 8);
    phys_copy_in(h->m, TG_IDT + 0x40 * 8, &gate40, 8);
    u32 link = TS_BUSY;
    phys_copy_in(h->m, TG_TSS_CUR, &link, 4);
    for (u32 k = 0; k < 4; k++) {
        u32 pde = k << 22 | 0x87;
        phys_copy_in(h->m, TG_PD + 4 * k, &pde, 4);
    }
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE);
    vmcs_set(c, VMCS_GUEST_CR4, CR4_VMXE | CR4_PSE);
    vmcs_set(c, VMCS_GUEST_CR3, TG_PD);
    for (int s = 0; s < 6; s++) {
        vmcs_set(c, vmx_gseg_sel(s), s == SEG_CS ? TS_CODE : TS_DATA);
        vmcs_set(c, vmx_gseg_ar(s), s == SEG_CS ? 0xc09b : 0xc093);
    }
    vmcs_set(c, VMCS_GUEST_TR_SELECTOR, TS_CUR);
    vmcs_set(c, VMCS_GUEST_TR_BASE, TG_TSS_CUR);
    vmcs_set(c, VMCS_GUEST_GDTR_BASE, TG_GDT);
    vmcs_set(c, VMCS_GUEST_GDTR_LIMIT, sizeof gdt - 1);
    vmcs_set(c, VMCS_GUEST_IDTR_BASE, TG_IDT);
    vmcs_set(c, VMCS_GUEST_IDTR_LIMIT, 0x41 * 8 - 1);
    c->stop_on_exception = false;
    return h;
}

struct tcase {
    const char *name;
    u8 code[8];
    u8 len;
    u64 rflags;
    u16 sel;
    unsigned source;
    u32 exit_len, vectoring;
};

static const struct tcase tcases[] = {
    {"jmp_tss", {0xea, 0, 0, 0, 0, TS_NEW, 0}, 7, 0, TS_NEW, 2, 7, 0},
    {"call_gate", {0x9a, 0, 0, 0, 0, TS_GATE, 0}, 7, 0, TS_NEW, 0, 7, 0},
    {"iret_nt", {0xcf}, 1, FL_NT, TS_BUSY, 1, 1, 0},
    {"int_gate", {0xcd, 0x40}, 2, 0, TS_NEW, 3, 2, 0x80000440u},
    {"ud_gate", {0x0f, 0x0b}, 2, 0, TS_NEW, 3, NOI, 0x80000306u},
};

static void test_task_switch(const struct tcase *t)
{
    struct harness *h = task_setup(t->code, t->len);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_GUEST_RFLAGS, FL_FIXED1 | t->rflags);
    u8 before[0x68], after[0x68];
    phys_copy_out(h->m, TG_TSS_NEW, before, sizeof before);
    int r = host_enter(h, true);
    phys_copy_out(h->m, TG_TSS_NEW, after, sizeof after);
    char n[96];
#define NAME(s) (snprintf(n, sizeof n, "exit.task.%s.%s", t->name, s), n)
    CHECK(NAME("run"), r == -1 && c->vmx->tr.last_check == NULL, "run %d check %s", r, last_check(h));
    CHECK_EQ(NAME("reason"), exit_reason(h), 9);
    CHECK_EQ(NAME("qual"), exit_qual(h), (u64)t->sel | (u64)t->source << 30);
    if (t->exit_len != NOI) CHECK_EQ(NAME("len"), xlen(h), t->exit_len);
    CHECK_EQ(NAME("vectoring"), vmcs_get(c, VMCS_IDT_VECTORING_INFO_FIELD), t->vectoring);
    CHECK_EQ(NAME("rip"), grip(h), GUEST_CODE);
    CHECK_EQ(NAME("tr_unchanged"), vmcs_get(c, VMCS_GUEST_TR_SELECTOR), TS_CUR);
    CHECK(NAME("new_tss_untouched"), !memcmp(before, after, sizeof before), "new TSS written");
#undef NAME
    harness_free(h);
}

/* The checks before the exit still fault (26.4.2): JMP to a TSS whose limit is too small
 * raises #TS in the guest, visible through the exception bitmap. */
static void test_task_switch_fault_first(void)
{
    static const u8 g[] = {0xea, 0, 0, 0, 0, TS_NEW, 0};
    struct harness *h = task_setup(g, sizeof g);
    u64 small = desc(TG_TSS_NEW, 0x20, 0x89, 0);
    phys_copy_in(h->m, TG_GDT + TS_NEW, &small, 8);
    vmcs_set(h->c, VMCS_EXCEPTION_BITMAP, 1u << EXC_TS);
    host_enter(h, true);
    CHECK_EQ("exit.task.limit_fault.reason", exit_reason(h), 0);
    CHECK_EQ("exit.task.limit_fault.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000b0au);
    CHECK_EQ("exit.task.limit_fault.error", vmcs_get(h->c, VMCS_VM_EXIT_INTR_ERROR_CODE), TS_NEW);
    harness_free(h);
}

int main(void)
{
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) run_case(&cases[k]);
    test_mov_dr_cpl3();
    test_mwait_armed();
    test_rdpmc_cpl3();
    test_events();
    for (size_t k = 0; k < ARRAY_LEN(tcases); k++) test_task_switch(&tcases[k]);
    test_task_switch_fault_first();
    return check_exit();
}
