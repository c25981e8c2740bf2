/* Host tests: near branches, far JMP/CALL/RETF, call gates across privilege levels
 * (32-bit with parameter copy, 64-bit), and the stack instructions (PUSHA/POPA, ENTER,
 * POPF privilege rules). */
#include "test_seg_util.h"

static void test_near(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    /* call f; jmp e; f: mov eax,1; ret; e: mov ecx,3; l: inc ebx; loop l; jecxz k; hlt;
     * k: mov edx,7 */
    static const u8 code[] = {0xe8, 0x02, 0x00, 0x00, 0x00, 0xeb, 0x06, 0xb8, 0x01, 0x00,
                              0x00, 0x00, 0xc3, 0xb9, 0x03, 0x00, 0x00, 0x00, 0x43, 0xe2,
                              0xfd, 0xe3, 0x01, 0xf4, 0xba, 0x07, 0x00, 0x00, 0x00};
    int r = RUN(h, code);
    CHECK("branch.near.ran", t_done(r), "r=%d", r);
    CHECK_EQ("branch.call_ret.eax", c->r[RAX], 1);
    CHECK_EQ("branch.loop.ebx", c->r[RBX], 3);
    CHECK_EQ("branch.loop.ecx", c->r[RCX], 0);
    CHECK_EQ("branch.jecxz.edx", c->r[RDX], 7);
    CHECK_EQ("branch.near.esp", c->r[RSP], HARNESS_STACK);

    /* A target beyond the CS limit faults on the JMP itself: mov eax,0x20000; jmp eax */
    static const u8 lim[] = {0xb8, 0x00, 0x00, 0x02, 0x00, 0xff, 0xe0};
    c->seg[SEG_CS].limit = 0x1ffff - 1;
    r = RUN(h, lim);
    CHECK_EQ("branch.jmp.limit", r, EXC_GP);
    CHECK_EQ("branch.jmp.limit.rip", c->rip, HARNESS_CODE + 5);
    harness_free(h);

    /* Real mode: call/ret with a 16-bit stack (call f; jmp e; f: ret; e: mov ax,sp) */
    h = t_new(MODE_REAL);
    c = h->c;
    static const u8 rcode[] = {0xe8, 0x02, 0x00, 0xeb, 0x01, 0xc3, 0x89, 0xe0};
    r = RUN(h, rcode);
    CHECK("branch.real.ran", t_done(r), "r=%d", r);
    CHECK_EQ("branch.real.sp", c->r[RAX] & 0xffff, 0xfff0);
    harness_free(h);
}

static void test_far_same_level(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    /* jmp 0x08:t; hlt; t: mov eax,5 */
    static const u8 jmp[] = {0xea, 0x08, 0x00, 0x01, 0x00, 0x08, 0x00, 0xf4, 0xb8, 0x05, 0x00, 0x00, 0x00};
    int r = RUN(h, jmp);
    CHECK("branch.jmpf.ran", t_done(r), "r=%d", r);
    CHECK_EQ("branch.jmpf.eax", c->r[RAX], 5);

    /* call 0x08:t; mov ebx,eax; jmp e; t: mov eax,9; retf; e: */
    static const u8 call[] = {0x9a, 0x0b, 0x00, 0x01, 0x00, 0x08, 0x00, 0x89, 0xc3, 0xeb, 0x06,
                              0xb8, 0x09, 0x00, 0x00, 0x00, 0xcb};
    r = RUN(h, call);
    CHECK("branch.callf.ran", t_done(r), "r=%d", r);
    CHECK_EQ("branch.callf.ebx", c->r[RBX], 9);
    CHECK_EQ("branch.callf.esp", c->r[RSP], HARNESS_STACK);
    CHECK_EQ("branch.callf.pushed_cs", pread(h, HARNESS_STACK - 4, 4), H_CODE32);

    /* Far JMP to a DPL-3 nonconforming segment from CPL 0: #GP(selector). */
    static const u8 bad[] = {0xea, 0x00, 0x00, 0x01, 0x00, 0x33, 0x00};
    r = RUN(h, bad);
    CHECK_EQ("branch.jmpf.dpl", r, EXC_GP);
    CHECK_EQ("branch.jmpf.dpl.err", c->exc_error, 0x30);
    CHECK_EQ("branch.jmpf.dpl.cs", c->seg[SEG_CS].sel, H_CODE32);
    harness_free(h);
}

/* Ring 3 calls a ring-0 procedure through a 32-bit call gate with two parameters; the
 * procedure returns with RETF 8 after loading a DPL-0 DS, which the return must null. */
static void test_call_gate32(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    gdt_set(h, T_SPARE, mkgate(H_CODE32, T_HANDLER, DT_CALL32, 3, 2));
    /* mov eax,[esp+8]; mov ebx,[esp+12]; mov ecx,ss; mov dx,0x10; mov ds,dx; retf 8 */
    static const u8 handler[] = {0x8b, 0x44, 0x24, 0x08, 0x8b, 0x5c, 0x24, 0x0c, 0x8c, 0xd1,
                                 0x66, 0xba, 0x10, 0x00, 0x8e, 0xda, 0xca, 0x08, 0x00};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    t_ring3(h);
    /* push 0x11; push 0x22; call 0x5b:0; ud2 */
    static const u8 code[] = {0x6a, 0x11, 0x6a, 0x22, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x5b, 0x00,
                              0x0f, 0x0b};
    int r = RUN(h, code);
    CHECK_EQ("gate32.end", r, EXC_UD);
    CHECK_EQ("gate32.end.rip", c->rip, HARNESS_CODE + 11);
    CHECK_EQ("gate32.param0", c->r[RAX], 0x22);
    CHECK_EQ("gate32.param1", c->r[RBX], 0x11);
    CHECK_EQ("gate32.inner_ss", c->r[RCX] & 0xffff, H_DATA32);
    CHECK_EQ("gate32.cpl_after", c->cpl, 3);
    CHECK_EQ("gate32.cs_after", c->seg[SEG_CS].sel, T_CODE3);
    CHECK_EQ("gate32.ss_after", c->seg[SEG_SS].sel, T_DATA3);
    CHECK_EQ("gate32.esp_after", c->r[RSP], T_STACK3);
    CHECK_EQ("gate32.ds_nulled", c->seg[SEG_DS].sel, 0);
    CHECK("gate32.ds_unusable", c->seg[SEG_DS].ar & AR_UNUSABLE, "ar=%x", c->seg[SEG_DS].ar);
    /* The frame on the ring-0 stack (SDM Vol. 3 Figure 5-13). */
    CHECK_EQ("gate32.frame.ss", pread(h, T_STACK0 - 4, 4), T_DATA3);
    CHECK_EQ("gate32.frame.esp", pread(h, T_STACK0 - 8, 4), T_STACK3 - 8);
    CHECK_EQ("gate32.frame.p1", pread(h, T_STACK0 - 12, 4), 0x11);
    CHECK_EQ("gate32.frame.p0", pread(h, T_STACK0 - 16, 4), 0x22);
    CHECK_EQ("gate32.frame.cs", pread(h, T_STACK0 - 20, 4), T_CODE3);
    CHECK_EQ("gate32.frame.eip", pread(h, T_STACK0 - 24, 4), HARNESS_CODE + 11);

    /* Gate DPL 0 is out of reach from CPL 3: #GP(gate selector). */
    gdt_set(h, T_SPARE, mkgate(H_CODE32, T_HANDLER, DT_CALL32, 0, 2));
    t_ring3(h);
    r = RUN(h, code);
    CHECK_EQ("gate32.dpl", r, EXC_GP);
    CHECK_EQ("gate32.dpl.err", c->exc_error, T_SPARE);
    CHECK_EQ("gate32.dpl.esp", c->r[RSP], T_STACK3 - 8);

    /* Bad SS0 in the TSS: #TS(SS selector). */
    gdt_set(h, T_SPARE, mkgate(H_CODE32, T_HANDLER, DT_CALL32, 3, 2));
    pwrite(h, T_TSS_BASE + 8, 2, T_DATA3);
    t_ring3(h);
    r = RUN(h, code);
    CHECK_EQ("gate32.bad_ss0", r, EXC_TS);
    CHECK_EQ("gate32.bad_ss0.err", c->exc_error, T_DATA3 & ~3);
    CHECK_EQ("gate32.bad_ss0.cpl", c->cpl, 3);
    harness_free(h);
}

static void test_call_gate64(void)
{
    struct harness *h = t_new(MODE_LONG);
    struct cpu *c = h->c;
    gdt_set(h, T_SPARE, mkgate(H_CODE64, T_HANDLER, DT_CALL32, 3, 0));
    gdt_set(h, T_SPARE + 8, 0);
    /* mov rax,[rsp+16]; mov rbx,[rsp+24]; mov rcx,ss; o64 retf */
    static const u8 handler[] = {0x48, 0x8b, 0x44, 0x24, 0x10, 0x48, 0x8b, 0x5c, 0x24, 0x18,
                                 0x8c, 0xd1, 0x48, 0xcb};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    t_ring3(h);
    /* call far dword [rel ptr]; ud2; ptr: dd 0; dw 0x5b */
    static const u8 code[] = {0xff, 0x1d, 0x02, 0x00, 0x00, 0x00, 0x0f, 0x0b, 0x00, 0x00, 0x00,
                              0x00, 0x5b, 0x00};
    c->r[RCX] = 0x1234;
    int r = RUN(h, code);
    CHECK_EQ("gate64.end", r, EXC_UD);
    CHECK_EQ("gate64.end.rip", c->rip, HARNESS_CODE + 6);
    CHECK_EQ("gate64.old_rsp", c->r[RAX], T_STACK3);
    CHECK_EQ("gate64.old_ss", c->r[RBX], T_DATA3);
    CHECK_EQ("gate64.inner_ss_null", c->r[RCX], 0);
    CHECK_EQ("gate64.frame.cs", pread(h, T_STACK0 - 24, 8), T_CODE64_3);
    CHECK_EQ("gate64.frame.rip", pread(h, T_STACK0 - 32, 8), HARNESS_CODE + 6);
    CHECK_EQ("gate64.cpl_after", c->cpl, 3);
    CHECK_EQ("gate64.rsp_after", c->r[RSP], T_STACK3);
    CHECK_EQ("gate64.ss_after", c->seg[SEG_SS].sel, T_DATA3);

    /* A legacy 32-bit gate type in the upper half is rejected: #GP(gate). */
    gdt_set(h, T_SPARE + 8, 0x00000c0000000000ull);
    t_ring3(h);
    r = RUN(h, code);
    CHECK_EQ("gate64.upper_type", r, EXC_GP);
    CHECK_EQ("gate64.upper_type.err", c->exc_error, T_SPARE);
    harness_free(h);
}

static void test_stack_ops(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    /* mov eax..edi; pushad; popad; enter 16,2; leave */
    static const u8 pusha[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00,
                               0xba, 0x03, 0x00, 0x00, 0x00, 0xbb, 0x04, 0x00, 0x00, 0x00,
                               0xbd, 0x06, 0x00, 0x00, 0x00, 0xbe, 0x07, 0x00, 0x00, 0x00,
                               0xbf, 0x08, 0x00, 0x00, 0x00, 0x60, 0x61, 0xc8, 0x10, 0x00,
                               0x02, 0xc9};
    int r = RUN(h, pusha);
    CHECK("stack.pusha.ran", t_done(r), "r=%d", r);
    CHECK_EQ("stack.pusha.esp_slot", pread(h, HARNESS_STACK - 20, 4), HARNESS_STACK);
    CHECK_EQ("stack.popa.ebx", c->r[RBX], 4);
    CHECK_EQ("stack.popa.edi", c->r[RDI], 8);
    CHECK_EQ("stack.leave.ebp", c->r[RBP], 6);
    CHECK_EQ("stack.leave.esp", c->r[RSP], HARNESS_STACK);

    /* ENTER 16,2 with EBP pointing at a saved frame pointer. */
    static const u8 enter[] = {0xc8, 0x10, 0x00, 0x02};
    c->r[RBP] = 0x200010;
    pwrite(h, 0x20000c, 4, 0xdeadbeef);
    r = RUN(h, enter);
    u32 s = HARNESS_STACK;
    CHECK_EQ("stack.enter.ebp", c->r[RBP], s - 4);
    CHECK_EQ("stack.enter.esp", c->r[RSP], s - 28);
    CHECK_EQ("stack.enter.saved_ebp", pread(h, s - 4, 4), 0x200010);
    CHECK_EQ("stack.enter.copied", pread(h, s - 8, 4), 0xdeadbeef);
    CHECK_EQ("stack.enter.frame", pread(h, s - 12, 4), s - 4);

    /* POPF at CPL 0 sets IOPL and IF; at CPL 3 with IOPL 0 both are kept. */
    static const u8 popf[] = {0x68, 0x02, 0x32, 0x00, 0x00, 0x9d, 0x9c, 0x5b, 0x0f, 0x0b};
    c->r[RSP] = HARNESS_STACK;
    r = RUN(h, popf);
    CHECK_EQ("stack.popf0", c->r[RBX] & 0x3200, 0x3200);
    cpu_set_rflags(c, FL_FIXED1);
    t_ring3(h);
    r = RUN(h, popf);
    CHECK_EQ("stack.popf3.end", r, EXC_UD);
    CHECK_EQ("stack.popf3", c->r[RBX] & 0x3200, 0);
    harness_free(h);
}

/* 64-bit mode: FF /2 and FF /6 use 64-bit operands, and 66 does not shrink a near CALL
 * (Intel); POP r/m with an rSP base addresses after the increment. */
static void test_sizes(void)
{
    struct harness *h = t_new(MODE_LONG);
    struct cpu *c = h->c;
    /* lea rax,[t]; push rax; call [rsp]; jmp e; t: mov ebx,5; ret; e: pop rcx;
     * push qword [v]; pop rdx; jmp e2; v: dq 0x1122334455667788; e2: */
    static const u8 ind[] = {0x48, 0x8d, 0x05, 0x06, 0x00, 0x00, 0x00, 0x50, 0xff, 0x14, 0x24,
                             0xeb, 0x06, 0xbb, 0x05, 0x00, 0x00, 0x00, 0xc3, 0x59, 0xff, 0x35,
                             0x03, 0x00, 0x00, 0x00, 0x5a, 0xeb, 0x08, 0x88, 0x77, 0x66, 0x55,
                             0x44, 0x33, 0x22, 0x11};
    int r = RUN(h, ind);
    CHECK("size64.ran", t_done(r), "r=%d", r);
    CHECK_EQ("size64.call_m.ebx", c->r[RBX], 5);
    CHECK_EQ("size64.call_m.target", c->r[RCX], HARNESS_CODE + 13);
    CHECK_EQ("size64.push_m", c->r[RDX], 0x1122334455667788ull);
    CHECK_EQ("size64.rsp", c->r[RSP], HARNESS_STACK);
    /* lea rax,[t]; o16 call rax; jmp e; t: mov ecx,6; ret; e: */
    static const u8 o16[] = {0x48, 0x8d, 0x05, 0x05, 0x00, 0x00, 0x00, 0x66, 0xff, 0xd0, 0xeb,
                             0x06, 0xb9, 0x06, 0x00, 0x00, 0x00, 0xc3};
    r = RUN(h, o16);
    CHECK("size64.o16.ran", t_done(r), "r=%d", r);
    CHECK_EQ("size64.o16.ecx", c->r[RCX], 6);
    CHECK_EQ("size64.o16.rsp", c->r[RSP], HARNESS_STACK);
    harness_free(h);

    h = t_new(MODE_PROT);
    c = h->c;
    /* push 0xabcd; pop dword [esp]; pop eax */
    static const u8 popesp[] = {0x68, 0xcd, 0xab, 0x00, 0x00, 0x8f, 0x04, 0x24, 0x58};
    r = RUN(h, popesp);
    CHECK("pop_m.esp_base.ran", t_done(r), "r=%d", r);
    CHECK_EQ("pop_m.esp_base.eax", c->r[RAX], 0xabcd);
    CHECK_EQ("pop_m.esp_base.esp", c->r[RSP], HARNESS_STACK + 4);
    harness_free(h);
}

/* A Jcc taken forward to an instruction of its own block goes on there without leaving the
 * block (insn.h thread_forward): the skipped instructions do not run or count, a target
 * inside an instruction runs the bytes from there, a target behind or beyond the block and
 * a displacement of 0 behave as ever. In 64-bit and in 32-bit code. */
static void test_forward_in_block(void)
{
    for (int m = 0; m < 2; m++) {
        struct harness *h = t_new(m ? MODE_PROT : MODE_LONG);
        struct cpu *c = h->c;
        const char *p = m ? "branch.fwd32." : "branch.fwd64.";
        char name[64];
        /* xor ecx,ecx; cmp eax,1; je +2; mov cl,5; inc ecx; je +0; inc ecx; hlt */
        static const u8 skip[] = {0x31, 0xc9, 0x83, 0xf8, 0x01, 0x74, 0x02, 0xb1, 0x05,
                                  0xff, 0xc1, 0x74, 0x00, 0xff, 0xc1, 0xf4};
        c->r[RAX] = 1;
        u64 ic = c->icount;
        int r = RUN(h, skip);
        snprintf(name, sizeof name, "%sskip.ran", p);
        CHECK(name, t_done(r), "r=%d", r);
        snprintf(name, sizeof name, "%sskip.ecx", p);
        CHECK_EQ(name, c->r[RCX], 2);
        snprintf(name, sizeof name, "%sskip.count", p); /* xor cmp je inc je inc hlt */
        CHECK_EQ(name, c->icount - ic, 7);
        /* cmp eax,1; je +1 (into the immediate); mov eax, imm32 = 90 90 90 90 or, taken:
         * nop x3... the immediate's bytes 41 ff c1 (64-bit: inc r9d) / 40 (inc eax) 90 90 */
        static const u8 inside64[] = {0x83, 0xf8, 0x01, 0x74, 0x01, 0xb8, 0x41, 0xff, 0xc1, 0x90, 0xf4};
        static const u8 inside32[] = {0x83, 0xf8, 0x01, 0x74, 0x01, 0xb8, 0x40, 0x90, 0x90, 0x90, 0xf4};
        c->r[RAX] = 1;
        c->r[R9] = 0;
        r = m ? RUN(h, inside32) : RUN(h, inside64);
        snprintf(name, sizeof name, "%sinside.ran", p);
        CHECK(name, t_done(r), "r=%d", r);
        snprintf(name, sizeof name, "%sinside.ran_the_bytes", p);
        CHECK_EQ(name, m ? c->r[RAX] & 0xffffffff : c->r[R9], m ? 2 : 1);
        /* A Jcc right after a flags writer tests that writer's flags directly (block.c),
         * unless a forward branch reaches it past the writer: then the flags are another's.
         * mov eax,1; cmp eax,2 (CF 1, ZF 0); jne t; test eax,eax (CF 0); t: jb y;
         * mov ebx,1; hlt; y: mov ebx,2; hlt */
        static const u8 past[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0x83, 0xf8, 0x02, 0x75, 0x02,
                                  0x85, 0xc0, 0x72, 0x06, 0xbb, 0x01, 0x00, 0x00, 0x00, 0xf4,
                                  0xbb, 0x02, 0x00, 0x00, 0x00, 0xf4};
        c->r[RBX] = 0;
        r = RUN(h, past);
        snprintf(name, sizeof name, "%spast_writer.ebx", p);
        CHECK_EQ(name, t_done(r) ? c->r[RBX] : 0, 2);
        /* Backward within the block: ecx = 3; l: dec ecx; jne l (taken twice); hlt */
        static const u8 back[] = {0xb9, 0x03, 0x00, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xf4};
        ic = c->icount;
        r = RUN(h, back);
        snprintf(name, sizeof name, "%sback.count", p); /* mov + 3 x (dec jne) + hlt */
        CHECK_EQ(name, t_done(r) ? c->icount - ic : 0, 8);
        harness_free(h);
    }
}

int main(void)
{
    test_forward_in_block();
    test_sizes();
    test_near();
    test_far_same_level();
    test_call_gate32();
    test_call_gate64();
    test_stack_ops();
    return check_exit();
}
