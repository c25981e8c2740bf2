/* Host tests: interrupt delivery and IRET — real-mode IVT, protected-mode gates across
 * privilege levels, the gate-DPL check, IA-32e gates with IST and stack alignment,
 * virtual-8086 mode (IOPL-sensitive INT n, ring-0 entry with GS/FS/DS/ES, CR4.VME
 * redirection). */
#include "test_seg_util.h"

static void test_real(void)
{
    struct harness *h = t_new(MODE_REAL);
    struct cpu *c = h->c;
    /* IVT entry 0x21 -> 0x2000:0x0010; handler: mov ax,0x77; pushf; pop cx; iret */
    pwrite(h, T_IDT_BASE + 0x21 * 4, 4, 0x20000010);
    static const u8 handler[] = {0xb8, 0x77, 0x00, 0x9c, 0x59, 0xcf};
    phys_copy_in(h->m, 0x20010, handler, sizeof handler);
    static const u8 code[] = {0xcd, 0x21, 0x89, 0xc3}; /* int 0x21; mov bx,ax */
    cpu_set_rflags(c, FL_FIXED1 | FL_IF);
    int r = RUN(h, code);
    CHECK("intr.real.ran", t_done(r), "r=%d", r);
    CHECK_EQ("intr.real.bx", c->r[RBX] & 0xffff, 0x77);
    CHECK_EQ("intr.real.if_in_handler", c->r[RCX] & FL_IF, 0);
    CHECK("intr.real.if_restored", cpu_get_rflags(c) & FL_IF, "IF clear");
    CHECK_EQ("intr.real.sp", c->r[RSP], 0xfff0);
    u64 ss = c->seg[SEG_SS].base;
    CHECK_EQ("intr.real.frame.flags", pread(h, ss + 0xffee, 2) & FL_IF, FL_IF);
    CHECK_EQ("intr.real.frame.cs", pread(h, ss + 0xffec, 2), HARNESS_CODE >> 4);
    CHECK_EQ("intr.real.frame.ip", pread(h, ss + 0xffea, 2), 2);
    harness_free(h);
}

static void test_prot_ring3(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    idt_set32(h, 0x80, mkgate(H_CODE32, T_HANDLER, DT_INT32, 3, 0));
    /* mov eax,[esp+12]; mov ebx,[esp+16]; pushfd; pop ecx; iretd */
    static const u8 handler[] = {0x8b, 0x44, 0x24, 0x0c, 0x8b, 0x5c, 0x24, 0x10, 0x9c, 0x59, 0xcf};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    static const u8 code[] = {0xcd, 0x80, 0x0f, 0x0b}; /* int 0x80; ud2 */
    t_ring3(h);
    cpu_set_rflags(c, FL_FIXED1 | FL_IF);
    int r = RUN(h, code);
    CHECK_EQ("intr.prot.end", r, EXC_UD);
    CHECK_EQ("intr.prot.end.rip", c->rip, HARNESS_CODE + 2);
    CHECK_EQ("intr.prot.old_esp", c->r[RAX], T_STACK3);
    CHECK_EQ("intr.prot.old_ss", c->r[RBX], T_DATA3);
    CHECK_EQ("intr.prot.if_cleared", c->r[RCX] & FL_IF, 0);
    CHECK("intr.prot.if_restored", cpu_get_rflags(c) & FL_IF, "IF clear");
    CHECK_EQ("intr.prot.cpl", c->cpl, 3);
    CHECK_EQ("intr.prot.esp", c->r[RSP], T_STACK3);
    CHECK_EQ("intr.prot.frame.ss", pread(h, T_STACK0 - 4, 4), T_DATA3);
    CHECK_EQ("intr.prot.frame.esp", pread(h, T_STACK0 - 8, 4), T_STACK3);
    CHECK_EQ("intr.prot.frame.eflags", pread(h, T_STACK0 - 12, 4) & FL_IF, FL_IF);
    CHECK_EQ("intr.prot.frame.cs", pread(h, T_STACK0 - 16, 4), T_CODE3);
    CHECK_EQ("intr.prot.frame.eip", pread(h, T_STACK0 - 20, 4), HARNESS_CODE + 2);

    /* Gate DPL 0: INT n from CPL 3 is #GP(vector * 8 + 2). */
    idt_set32(h, 0x80, mkgate(H_CODE32, T_HANDLER, DT_INT32, 0, 0));
    t_ring3(h);
    r = RUN(h, code);
    CHECK_EQ("intr.prot.gate_dpl", r, EXC_GP);
    CHECK_EQ("intr.prot.gate_dpl.err", c->exc_error, 0x80 * 8 + 2);
    CHECK_EQ("intr.prot.gate_dpl.rip", c->rip, HARNESS_CODE);

    /* Not-present gate: #NP(vector * 8 + 2). */
    idt_set32(h, 0x80, mkgate(H_CODE32, T_HANDLER, DT_INT32, 3, 0) & ~(1ull << 47));
    t_ring3(h);
    r = RUN(h, code);
    CHECK_EQ("intr.prot.gate_np", r, EXC_NP);
    CHECK_EQ("intr.prot.gate_np.err", c->exc_error, 0x80 * 8 + 2);

    /* Beyond the IDT limit: #GP(vector * 8 + 2). */
    c->idtr.limit = 0x80 * 8 - 1;
    t_ring3(h);
    r = RUN(h, code);
    CHECK_EQ("intr.prot.idt_limit", r, EXC_GP);
    CHECK_EQ("intr.prot.idt_limit.err", c->exc_error, 0x80 * 8 + 2);
    harness_free(h);
}

/* A #GP raised by an instruction goes through a trap gate with its error code pushed. */
static void test_prot_exception(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->stop_on_exception = false;
    idt_set32(h, EXC_GP, mkgate(H_CODE32, T_HANDLER, DT_TRAP32, 0, 0));
    static const u8 spin[] = {0xeb, 0xfe}; /* jmp $ */
    phys_copy_in(h->m, T_HANDLER, spin, sizeof spin);
    static const u8 code[] = {0x66, 0xb8, 0x00, 0x04, 0x8e, 0xc0}; /* mov ax,0x400; mov es,ax */
    cpu_set_rflags(c, FL_FIXED1 | FL_IF);
    int r = harness_run(h, code, sizeof code, 50);
    CHECK_EQ("intr.exc.spins", r, -2);
    CHECK_EQ("intr.exc.rip", c->rip, T_HANDLER);
    u64 sp = HARNESS_STACK;
    CHECK_EQ("intr.exc.esp", c->r[RSP], sp - 16);
    CHECK_EQ("intr.exc.frame.error", pread(h, sp - 16, 4), 0x400);
    CHECK_EQ("intr.exc.frame.eip", pread(h, sp - 12, 4), HARNESS_CODE + 4);
    CHECK_EQ("intr.exc.frame.cs", pread(h, sp - 8, 4), H_CODE32);
    CHECK_EQ("intr.exc.frame.rf", pread(h, sp - 4, 4) & (FL_RF | FL_IF), FL_RF | FL_IF);
    CHECK("intr.exc.trap_gate_keeps_if", cpu_get_rflags(c) & FL_IF, "IF clear");
    harness_free(h);
}

static void test_long(void)
{
    struct harness *h = t_new(MODE_LONG);
    struct cpu *c = h->c;
    idt_set64(h, 0x80, H_CODE64, T_HANDLER, DT_INT32, 3, 1);
    pwrite(h, T_TSS_BASE + 0x24, 8, 0x68008); /* IST1, deliberately misaligned */
    /* mov rax,[rsp+24]; mov rbx,[rsp+32]; mov rcx,rsp; iretq */
    static const u8 handler[] = {0x48, 0x8b, 0x44, 0x24, 0x18, 0x48, 0x8b, 0x5c, 0x24, 0x20,
                                 0x48, 0x89, 0xe1, 0x48, 0xcf};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    static const u8 code[] = {0xcd, 0x80, 0x0f, 0x0b};
    t_ring3(h);
    int r = RUN(h, code);
    CHECK_EQ("intr.long.end", r, EXC_UD);
    CHECK_EQ("intr.long.end.rip", c->rip, HARNESS_CODE + 2);
    CHECK_EQ("intr.long.old_rsp", c->r[RAX], T_STACK3);
    CHECK_EQ("intr.long.old_ss", c->r[RBX], T_DATA3);
    CHECK_EQ("intr.long.ist_aligned", c->r[RCX], 0x68000 - 40);
    CHECK_EQ("intr.long.cpl", c->cpl, 3);
    CHECK_EQ("intr.long.rsp", c->r[RSP], T_STACK3);
    CHECK_EQ("intr.long.ss", c->seg[SEG_SS].sel, T_DATA3);
    CHECK_EQ("intr.long.frame.cs", pread(h, 0x68000 - 32, 8), T_CODE64_3);

    /* Same privilege, no IST: RSP aligned down to 16 and SS:RSP pushed anyway. */
    t_reset(h, MODE_LONG);
    idt_set64(h, 0x81, H_CODE64, T_HANDLER + 0x100, DT_TRAP32, 0, 0);
    static const u8 h81[] = {0x48, 0x89, 0xe1, 0x48, 0xcf}; /* mov rcx,rsp; iretq */
    phys_copy_in(h->m, T_HANDLER + 0x100, h81, sizeof h81);
    static const u8 code81[] = {0x50, 0xcd, 0x81, 0x0f, 0x0b}; /* push rax; int 0x81; ud2 */
    r = RUN(h, code81);
    CHECK_EQ("intr.long0.end", r, EXC_UD);
    CHECK_EQ("intr.long0.aligned", c->r[RCX], HARNESS_STACK - 16 - 40);
    CHECK_EQ("intr.long0.rsp", c->r[RSP], HARNESS_STACK - 8);
    CHECK_EQ("intr.long0.frame.ss", pread(h, HARNESS_STACK - 24, 8), H_DATA32);
    CHECK_EQ("intr.long0.frame.rsp", pread(h, HARNESS_STACK - 32, 8), HARNESS_STACK - 8);

    /* A 32-bit code segment in a 64-bit gate: #GP(selector). */
    idt_set64(h, 0x81, H_CODE32, T_HANDLER + 0x100, DT_TRAP32, 0, 0);
    r = RUN(h, code81);
    CHECK_EQ("intr.long0.not64", r, EXC_GP);
    CHECK_EQ("intr.long0.not64.err", c->exc_error, H_CODE32);
    harness_free(h);
}

/* Compatibility mode at CPL 3 into a 64-bit ring-0 handler: RSP0 from the TSS, and IRETQ
 * back to 32-bit code. */
static void test_compat(void)
{
    struct harness *h = t_new(MODE_LONG);
    struct cpu *c = h->c;
    idt_set64(h, 0x80, H_CODE64, T_HANDLER, DT_INT32, 3, 0);
    static const u8 handler[] = {0x48, 0x8b, 0x44, 0x24, 0x18, 0x48, 0x8b, 0x5c, 0x24, 0x20,
                                 0x48, 0x89, 0xe1, 0x48, 0xcf};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    seg_from_descriptor(&c->seg[SEG_CS], T_CODE3, gdt_get(h, T_CODE3));
    for (int s = 0; s < 6; s++)
        if (s != SEG_CS) seg_from_descriptor(&c->seg[s], T_DATA3, gdt_get(h, T_DATA3));
    c->cpl = 3;
    c->r[RSP] = T_STACK3;
    cpu_update_mode(c);
    CHECK_EQ("intr.compat.mode_before", c->mode, MODE_COMPAT);
    static const u8 code[] = {0xcd, 0x80, 0x0f, 0x0b};
    int r = RUN(h, code);
    CHECK_EQ("intr.compat.end", r, EXC_UD);
    CHECK_EQ("intr.compat.mode_after", c->mode, MODE_COMPAT);
    CHECK_EQ("intr.compat.rip", c->rip, HARNESS_CODE + 2);
    CHECK_EQ("intr.compat.old_rsp", c->r[RAX], T_STACK3);
    CHECK_EQ("intr.compat.old_ss", c->r[RBX], T_DATA3);
    CHECK_EQ("intr.compat.rsp0", c->r[RCX], T_STACK0 - 40);
    CHECK_EQ("intr.compat.rsp", c->r[RSP], T_STACK3);
    CHECK_EQ("intr.compat.cpl", c->cpl, 3);
    harness_free(h);
}

/* Enter v86 mode with IRETD from ring 0; the frame is written by the test. */
static void enter_v86(struct harness *h, u32 eflags)
{
    struct cpu *c = h->c;
    static const u32 seg[4] = {0x2222, 0x3333, 0x4444, 0x5555}; /* ES DS FS GS */
    u32 sp = HARNESS_STACK - 36;
    u32 frame[9] = {0x100, 0x1000, eflags | FL_VM | FL_FIXED1, 0x100, 0x2000,
                    seg[0], seg[1], seg[2], seg[3]};
    phys_copy_in(h->m, sp, frame, sizeof frame);
    c->r[RSP] = sp;
}

static void test_v86(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    /* v86 code at 0x1000:0x100: int 0x30; ud2 */
    static const u8 v86code[] = {0xcd, 0x30, 0x0f, 0x0b};
    phys_copy_in(h->m, 0x10100, v86code, sizeof v86code);
    static const u8 iretd[] = {0xcf};

    /* IOPL 0: INT n is IOPL-sensitive, #GP(0) in v86 mode. */
    enter_v86(h, 0);
    int r = RUN(h, iretd);
    CHECK_EQ("v86.int.iopl0", r, EXC_GP);
    CHECK_EQ("v86.int.iopl0.err", c->exc_error, 0);
    CHECK_EQ("v86.int.iopl0.mode", c->mode, MODE_V86);
    CHECK_EQ("v86.int.iopl0.rip", c->rip, 0x100);
    CHECK_EQ("v86.enter.ds_base", c->seg[SEG_DS].base, 0x33330);
    CHECK_EQ("v86.enter.sp", c->r[RSP], 0x100);
    CHECK_EQ("v86.enter.cpl", c->cpl, 3);

    /* IOPL 3: to the ring-0 handler, GS/FS/DS/ES pushed and nulled, then back. */
    t_reset(h, MODE_PROT);
    idt_set32(h, 0x30, mkgate(H_CODE32, T_HANDLER, DT_INT32, 3, 0));
    /* mov eax,[esp+20]; mov ebx,[esp+32]; mov ecx,ds; iretd */
    static const u8 h30[] = {0x8b, 0x44, 0x24, 0x14, 0x8b, 0x5c, 0x24, 0x20, 0x8c, 0xd9, 0xcf};
    phys_copy_in(h->m, T_HANDLER, h30, sizeof h30);
    enter_v86(h, FL_IOPL);
    c->r[RCX] = 0xffff;
    r = RUN(h, iretd);
    CHECK_EQ("v86.int.iopl3.end", r, EXC_UD);
    CHECK_EQ("v86.int.iopl3.mode", c->mode, MODE_V86);
    CHECK_EQ("v86.int.iopl3.rip", c->rip, 0x102);
    CHECK_EQ("v86.int.frame.es", c->r[RAX], 0x2222);
    CHECK_EQ("v86.int.frame.gs", c->r[RBX], 0x5555);
    CHECK_EQ("v86.int.handler_ds_null", c->r[RCX] & 0xffff, 0);
    CHECK_EQ("v86.int.frame.ss", pread(h, T_STACK0 - 20, 4), 0x2000);
    CHECK_EQ("v86.iret.gs_base", c->seg[SEG_GS].base, 0x55550);
    harness_free(h);
}

/* CR4.VME: an INT n whose redirection bit is clear goes through the v86 IVT, with IOPL 3
 * and VIF-as-IF in the pushed FLAGS. */
static void test_vme(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->cr4 |= CR4_VME;
    gdt_set(h, T_TSS, mksys(T_TSS_BASE, 0xff, DT_TSS32_BUSY, 0));
    seg_from_descriptor(&c->seg[SEG_TR], T_TSS, gdt_get(h, T_TSS));
    pwrite(h, T_TSS_BASE + 0x66, 2, 0x88); /* redirection bitmap at 0x68..0x87: all clear */
    for (unsigned k = 0; k < 32; k++) pwrite(h, T_TSS_BASE + 0x68 + k, 1, 0);
    pwrite(h, 0x30 * 4, 4, 0x10000200); /* v86 IVT: 0x1000:0x0200 */
    static const u8 v86code[] = {0xcd, 0x30, 0x0f, 0x0b};
    phys_copy_in(h->m, 0x10100, v86code, sizeof v86code);
    static const u8 ud2[] = {0x0f, 0x0b};
    phys_copy_in(h->m, 0x10200, ud2, sizeof ud2);
    static const u8 iretd[] = {0xcf};
    enter_v86(h, FL_VIF);
    int r = RUN(h, iretd);
    CHECK_EQ("vme.end", r, EXC_UD);
    CHECK_EQ("vme.rip", c->rip, 0x200);
    CHECK_EQ("vme.mode", c->mode, MODE_V86);
    CHECK_EQ("vme.sp", c->r[RSP] & 0xffff, 0xfa);
    u64 img = pread(h, 0x200fe, 2);
    CHECK_EQ("vme.image.iopl", img & FL_IOPL, FL_IOPL);
    CHECK_EQ("vme.image.if_from_vif", img & FL_IF, FL_IF);
    CHECK_EQ("vme.image.cs", pread(h, 0x200fc, 2), 0x1000);
    CHECK_EQ("vme.image.ip", pread(h, 0x200fa, 2), 0x102);
    CHECK_EQ("vme.vif_cleared", cpu_get_rflags(c) & FL_VIF, 0);

    /* With the bit set and IOPL < 3: #GP(0). */
    t_reset(h, MODE_PROT);
    c->cr4 |= CR4_VME;
    pwrite(h, T_TSS_BASE + 0x68 + 6, 1, 1); /* vector 0x30 */
    enter_v86(h, 0);
    r = RUN(h, iretd);
    CHECK_EQ("vme.bit_set", r, EXC_GP);
    CHECK_EQ("vme.bit_set.rip", c->rip, 0x100);
    harness_free(h);
}

int main(void)
{
    test_real();
    test_prot_ring3();
    test_prot_exception();
    test_long();
    test_compat();
    test_v86();
    test_vme();
    return check_exit();
}
