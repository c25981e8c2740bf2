/* Threaded blocks keep RIP and the count lazily (src/cpu/insn.h): register-only records and
 * memory forms served by the TLB leave them alone. A RIP-relative operand still needs the
 * exact next RIP, as a block's first record (next_rip is then left from before) and after
 * register-only records; a memory form the TLB cannot serve runs again with RIP synced. */
#include "test_seg_util.h"

static const u64 A = 0x1111111122222222ull, B = 0x0101010101010101ull;

int main(void)
{
    struct harness *h = t_new(MODE_LONG);
    struct cpu *c = h->c;
    int r;

    /* mov rcx,[rip+1]; hlt; a: dq A */
    u8 first[16] = {0x48, 0x8b, 0x0d, 0x01, 0x00, 0x00, 0x00, 0xf4};
    memcpy(first + 8, &A, 8);
    c->next_rip = 0xdead0000;
    r = harness_run(h, first, sizeof first, 1000);
    CHECK("thread_lazy.rip_rel_first.ran", r == -1 || r == EXC_UD, "r=%d", r);
    CHECK_EQ("thread_lazy.rip_rel_first.rcx", c->r[RCX], A);

    /* mov eax,1; mov rcx,[rip+a]; add rcx,[rip+b]; cmp rcx,[rip+a]; hlt; a: dq A; b: dq B */
    u8 after[43] = {0xb8, 0x01, 0x00, 0x00, 0x00,
                    0x48, 0x8b, 0x0d, 15, 0, 0, 0,
                    0x48, 0x03, 0x0d, 16, 0, 0, 0,
                    0x48, 0x3b, 0x0d, 1, 0, 0, 0,
                    0xf4};
    memcpy(after + 27, &A, 8);
    memcpy(after + 35, &B, 8);
    r = harness_run(h, after, sizeof after, 1000);
    CHECK("thread_lazy.rip_rel_after_reg.ran", r == -1 || r == EXC_UD, "r=%d", r);
    CHECK_EQ("thread_lazy.rip_rel_after_reg.rcx", c->r[RCX], A + B);
    CHECK_EQ("thread_lazy.rip_rel_after_reg.zf", cpu_get_rflags(c) & FL_ZF, 0);
    CHECK_EQ("thread_lazy.rip_rel_after_reg.rip", c->rip, HARNESS_CODE + 27);

    /* A load from a page not in the TLB after register-only records: retried with RIP and
     * the count exact, so the #GP of a non-canonical address names the load.
     * mov eax,1; mov ecx,2; mov rsi,1<<63; mov rdx,[rsi]; hlt */
    static const u8 fault[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00,
                               0x48, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x48, 0x8b, 0x16, 0xf4};
    u64 ic = c->icount;
    r = harness_run(h, fault, sizeof fault, 1000);
    CHECK_EQ("thread_lazy.fault.vector", r, EXC_GP);
    CHECK_EQ("thread_lazy.fault.rip", c->rip, HARNESS_CODE + 20);
    CHECK("thread_lazy.fault.count", c->icount - ic >= 3, "ran %llu", (unsigned long long)(c->icount - ic));

    /* JMP, CALL, RET and a Jcc out of its block are lazy too: a non-canonical target raises #GP with RIP at the
     * branch, here the block's second record. Code at the top of the lower half
     * (0x7ffffffff000, a 2 MiB page at 0x400000 through PML4E 255), reached by jmp rax:
     * mov eax,1; jmp/call +0x2000 (past 0x7fffffffffff); or mov eax,1; push rbx;
     * mov rdx,[rsp] (so that RET's read hits the TLB); ret; or mov eax,1; cmp eax,eax;
     * je +0x2000. */
    static const u64 TOP = 0x7ffffffff000ull;
    u64 e;
    e = 0x300000 | 7, phys_copy_in(h->m, HARNESS_PT + 255 * 8, &e, 8);
    e = 0x301000 | 7, phys_copy_in(h->m, 0x300000 + 511 * 8, &e, 8);
    e = 0x400000 | 0x87, phys_copy_in(h->m, 0x301000 + 511 * 8, &e, 8);
    static const u8 to_top[] = {0x48, 0xb8, 0x00, 0xf0, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00,
                                0xff, 0xe0}; /* mov rax, TOP; jmp rax */
    static const struct { const char *name; u8 code[14]; unsigned len, at; } far_[] = {
        {"jmp", {0xb8, 1, 0, 0, 0, 0xe9, 0x00, 0x20}, 8, 5},
        {"call", {0xb8, 1, 0, 0, 0, 0xe8, 0x00, 0x20}, 8, 5},
        {"ret", {0xb8, 1, 0, 0, 0, 0x53, 0x48, 0x8b, 0x14, 0x24, 0xc3}, 11, 10},
        {"jcc", {0xb8, 1, 0, 0, 0, 0x39, 0xc0, 0x0f, 0x84, 0x00, 0x20}, 11, 7},
    };
    for (unsigned k = 0; k < ARRAY_LEN(far_); k++) {
        u8 code[16] = {0};
        memcpy(code, far_[k].code, far_[k].len); /* rel32 0x2000: two zero bytes follow */
        phys_copy_in(h->m, 0x400000 + (TOP & 0x1fffff), code, sizeof code);
        c->r[RBX] = 1ull << 63;
        c->r[RSP] = HARNESS_STACK;
        r = harness_run(h, to_top, sizeof to_top, 1000);
        char name[64];
        snprintf(name, sizeof name, "thread_lazy.noncanonical_%s.vector", far_[k].name);
        CHECK_EQ(name, r, EXC_GP);
        snprintf(name, sizeof name, "thread_lazy.noncanonical_%s.rip", far_[k].name);
        CHECK_EQ(name, c->rip, TOP + far_[k].at);
    }

    harness_free(h);
    return check_exit();
}
