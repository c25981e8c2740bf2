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

    harness_free(h);
    return check_exit();
}
