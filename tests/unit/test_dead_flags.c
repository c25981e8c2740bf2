/* Dead flags (src/cpu/insn.h, block.c): a register-only instruction whose flags a later
 * one overwrites before anything can see them skips writing them. Each program here sets
 * ZF = 0 and CF = 0 (RFLAGS before the run, and the OR), then ZF = 1 or CF = 1 (CMP,
 * ADD), and a full flags writer (ADD EDX,EBX)
 * follows in the same block: whatever reads or may observe the middle flags in between
 * (SETcc, CMOVcc, ADC, a Jcc, PUSHF, a faulting load) must see them, and the last
 * writer's flags must be the ones left. Rotates, partial writers, likewise. */
#include "test_seg_util.h"

/* mov eax,1; or eax,eax (ZF=0); mov eax,5; cmp eax,5 (ZF=1) */
#define ZF_PRELUDE 0xb8, 0x01, 0x00, 0x00, 0x00, 0x09, 0xc0, 0xb8, 0x05, 0x00, 0x00, 0x00, \
                   0x83, 0xf8, 0x05
#define ADD_EDX_EBX 0x01, 0xda
#define HLT 0xf4

static struct harness *h;

static int run(const u8 *code, size_t n)
{
    struct cpu *c = h->c;
    c->r[RCX] = 0;
    c->r[RDX] = 0;
    c->r[RBX] = 0;
    cpu_set_rflags(c, 0); /* ZF = CF = 0: what a wrongly dropped write would leave */
    return harness_run(h, code, n, 1000);
}
#define RUN_CODE(code) run(code, sizeof code)

int main(void)
{
    h = t_new(MODE_LONG);
    struct cpu *c = h->c;
    int r;

    static const u8 setz[] = {ZF_PRELUDE, 0x0f, 0x94, 0xc1 /* setz cl */, ADD_EDX_EBX, HLT};
    r = RUN_CODE(setz);
    CHECK("dead_flags.setcc.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.setcc.reads", c->r[RCX] & 0xff, 1);

    /* mov ecx,7; cmovz ecx,eax */
    static const u8 cmov[] = {ZF_PRELUDE, 0xb9, 0x07, 0x00, 0x00, 0x00, 0x0f, 0x44, 0xc8,
                              ADD_EDX_EBX, HLT};
    r = RUN_CODE(cmov);
    CHECK("dead_flags.cmov.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.cmov.reads", c->r[RCX], 5);

    /* xor eax,eax (CF=0); mov eax,-1; add eax,1 (CF=1); mov ecx,0; adc ecx,0 */
    static const u8 adc[] = {0x31, 0xc0, 0xb8, 0xff, 0xff, 0xff, 0xff, 0x83, 0xc0, 0x01,
                             0xb9, 0x00, 0x00, 0x00, 0x00, 0x83, 0xd1, 0x00, ADD_EDX_EBX, HLT};
    r = RUN_CODE(adc);
    CHECK("dead_flags.adc.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.adc.reads_cf", c->r[RCX], 1);

    /* jz +5 over mov ecx,0xbad: a Jcc inside the block (thread_forward) */
    static const u8 jcc[] = {ZF_PRELUDE, 0x74, 0x05, 0xb9, 0xad, 0x0b, 0x00, 0x00, ADD_EDX_EBX, HLT};
    r = RUN_CODE(jcc);
    CHECK("dead_flags.jcc.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.jcc.taken", c->r[RCX], 0);

    /* pushfq; add edx,ebx; pop rcx: a generic handler in between */
    static const u8 pushf[] = {ZF_PRELUDE, 0x9c, ADD_EDX_EBX, 0x59, HLT};
    r = RUN_CODE(pushf);
    CHECK("dead_flags.pushf.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.pushf.zf", c->r[RCX] & FL_ZF, FL_ZF);

    /* mov rsi,1<<63 first; then mov rcx,[rsi] faults (#GP, not canonical) with the CMP's
     * flags in RFLAGS */
    static const u8 fault[] = {0x48, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0x80, ZF_PRELUDE,
                               0x48, 0x8b, 0x0e, ADD_EDX_EBX, HLT};
    r = RUN_CODE(fault);
    CHECK_EQ("dead_flags.fault.vector", r, EXC_GP);
    CHECK_EQ("dead_flags.fault.zf", cpu_get_rflags(c) & FL_ZF, FL_ZF);
    CHECK_EQ("dead_flags.fault.rip", c->rip, HARNESS_CODE + 10 + 15);

    /* The CMP's flags die; the ADD's (ZF = 1 from 0 + 0, CF = 0) are what PUSHF sees, and
     * likewise after an IMUL, a SHL and a TEST that overwrite one another. */
    static const u8 last[] = {ZF_PRELUDE, ADD_EDX_EBX, 0x9c, 0x59, HLT};
    r = RUN_CODE(last);
    CHECK("dead_flags.last.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.last.zf_cf", c->r[RCX] & (FL_ZF | FL_CF), FL_ZF);
    /* mov eax,3; imul eax,eax; shl eax,1 (18); test eax,0x20 (ZF=1); pushfq; pop rcx */
    static const u8 chain[] = {0xb8, 0x03, 0x00, 0x00, 0x00, 0x0f, 0xaf, 0xc0, 0xd1, 0xe0,
                               0xa9, 0x20, 0x00, 0x00, 0x00, 0x9c, 0x59, HLT};
    r = RUN_CODE(chain);
    CHECK("dead_flags.chain.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.chain.eax", c->r[RAX] & 0xffffffff, 18);
    CHECK_EQ("dead_flags.chain.zf", c->r[RCX] & (FL_ZF | FL_CF | FL_OF), FL_ZF);

    /* Partial writers: a rotate's CF and OF are dead too when a full writer comes first,
     * and must stay when something reads them (ROR by an immediate: C1 /1, the fast form).
     * mov eax,1; ror eax,1 (CF=1); setc cl */
    static const u8 ror_setc[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xc1, 0xc8, 0x01, 0x0f, 0x92, 0xc1,
                                  ADD_EDX_EBX, HLT};
    r = RUN_CODE(ror_setc);
    CHECK("dead_flags.ror_setc.ran", t_done(r), "r=%d", r);
    CHECK_EQ("dead_flags.ror_setc.reads_cf", c->r[RCX] & 0xff, 1);
    /* mov eax,1; ror eax,1 (CF=1); mov ecx,0; adc ecx,0 */
    static const u8 ror_adc[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xc1, 0xc8, 0x01, 0xb9, 0x00, 0x00,
                                 0x00, 0x00, 0x83, 0xd1, 0x00, ADD_EDX_EBX, HLT};
    r = RUN_CODE(ror_adc);
    CHECK_EQ("dead_flags.ror_adc.reads_cf", c->r[RCX], 1);
    /* mov eax,-1; add eax,1 (CF=1, skipped); ror ecx,4 (skipped); mov ebx,1; cmp ebx,2
     * (CF=1); setc dl: the last writer's flags, after two dead ones */
    static const u8 two_dead[] = {0xb8, 0xff, 0xff, 0xff, 0xff, 0x83, 0xc0, 0x01, 0xc1, 0xc9, 0x04,
                                  0xbb, 0x01, 0x00, 0x00, 0x00, 0x83, 0xfb, 0x02, 0x0f, 0x92, 0xc2, HLT};
    r = RUN_CODE(two_dead);
    CHECK_EQ("dead_flags.ror_between.last_writer", c->r[RDX] & 0xff, 1);
    /* mov eax,1; ror eax,1 (CF=1, skipped); xor ecx,ecx (CF=0); setc dl */
    static const u8 ror_then_xor[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xc1, 0xc8, 0x01, 0x31, 0xc9,
                                      0x0f, 0x92, 0xc2, HLT};
    c->r[RDX] = 0xff;
    r = RUN_CODE(ror_then_xor);
    CHECK_EQ("dead_flags.ror_then_xor.cf", c->r[RDX] & 0xff, 0);

    harness_free(h);
    return check_exit();
}
