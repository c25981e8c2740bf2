/* Host tests: SALC (D6) and FNOP (D9 D0). SALC sets AL from CF outside 64-bit mode and
 * is #UD in it; FNOP is an x87 instruction: #NM for CR0.EM/TS, #MF for a pending
 * unmasked x87 exception (CR0.NE=1), otherwise nothing. FWAIT reports #MF the same way. */
#include "check.h"
#include "harness.h"
#include "cpu/fpu.h"

#define RUN(h, code) harness_run(h, code, sizeof code, 1000)

static void test_salc(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    /* mov eax,0x12345678; stc; salc; mov ebx,eax; clc; salc; setc cl */
    static const u8 code[] = {0xb8, 0x78, 0x56, 0x34, 0x12, 0xf9, 0xd6, 0x89, 0xc3,
                              0xf8, 0xd6, 0x0f, 0x92, 0xc1};
    CHECK_EQ("salc.prot.run", RUN(h, code), -1);
    CHECK_EQ("salc.prot.cf1_al_ff", c->r[RBX], 0x123456ff);
    CHECK_EQ("salc.prot.cf0_al_00", c->r[RAX], 0x12345600);
    CHECK_EQ("salc.prot.flags_unchanged", c->r[RCX] & 0xff, 0);
    /* stc; salc; jc +1 (CF still set); hlt... */
    static const u8 keep[] = {0xf9, 0xd6, 0x0f, 0x92, 0xc2}; /* setc dl */
    CHECK_EQ("salc.prot.cf_kept.run", RUN(h, keep), -1);
    CHECK_EQ("salc.prot.cf_kept", c->r[RDX] & 0xff, 1);
    harness_set_mode(h, MODE_REAL);
    static const u8 real[] = {0xf9, 0xd6};
    CHECK_EQ("salc.real.run", RUN(h, real), -1);
    CHECK_EQ("salc.real.al", c->r[RAX] & 0xff, 0xff);
    harness_set_mode(h, MODE_LONG);
    static const u8 lm[] = {0xd6};
    CHECK_EQ("salc.long.ud", RUN(h, lm), EXC_UD);
    harness_free(h);
}

static void test_fnop(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 fnop[] = {0xd9, 0xd0};
    static const u8 fwait[] = {0x9b};
    CHECK_EQ("fnop.runs", RUN(h, fnop), -1);
    c->cr0 |= CR0_TS;
    CHECK_EQ("fnop.ts_nm", RUN(h, fnop), EXC_NM);
    c->cr0 &= ~(u64)CR0_TS;
    c->cr0 |= CR0_EM;
    CHECK_EQ("fnop.em_nm", RUN(h, fnop), EXC_NM);
    c->cr0 &= ~(u64)CR0_EM;
    /* A pending unmasked invalid-operation exception: FSW.IE|ES|B, FCW.IM clear. */
    fx_set16(c, FX_FCW, 0x037e);
    fx_set16(c, FX_FSW, 0x8081);
    CHECK_EQ("fnop.pending_mf", RUN(h, fnop), EXC_MF);
    CHECK_EQ("fwait.pending_mf", RUN(h, fwait), EXC_MF);
    c->cr0 |= CR0_TS;
    CHECK_EQ("fnop.nm_before_mf", RUN(h, fnop), EXC_NM);
    c->cr0 &= ~(u64)(CR0_TS | CR0_NE);
    CHECK_EQ("fnop.ne0_no_mf", RUN(h, fnop), -1);
    c->cr0 |= CR0_NE;
    fx_set16(c, FX_FSW, 0);
    CHECK_EQ("fnop.cleared_runs", RUN(h, fnop), -1);
    harness_free(h);
}

int main(void)
{
    test_salc();
    test_fnop();
    return check_exit();
}
