/* (a) 32-bit ALU results and EFLAGS: each check runs one instruction on fixed inputs
 * and compares the result and the arithmetic flags (CF PF AF ZF SF OF) it leaves. */
#include "guest.h"

#define ARITH 0x8d5u /* OF SF ZF AF PF CF */

/* Run "op src, dst" with dst = a, src = b and the given incoming CF; return flags. */
#define BINOP(insn, a, b, cf_in, res, fl)                                                   \
    do {                                                                                   \
        u32 d_ = (a), f_;                                                                  \
        __asm__ volatile("push %3; popf\n\t" insn " %2, %0\n\tpushf; pop %1"              \
                         : "+r"(d_), "=r"(f_)                                              \
                         : "r"((u32)(b)), "r"((u32)(cf_in) | 0x2u)                         \
                         : "cc");                                                          \
        res = d_;                                                                          \
        fl = f_ & ARITH;                                                                   \
    } while (0)

static void check_op(const char *name, u32 res, u32 flags, u32 want_res, u32 want_flags)
{
    if (res == want_res && flags == want_flags)
        pass(name);
    else
        fail(name, "result 0x%x flags 0x%x, want 0x%x flags 0x%x", res, flags, want_res,
             want_flags);
}

#define CF 0x1u
#define PF 0x4u
#define AF 0x10u
#define ZF 0x40u
#define SF 0x80u
#define OF 0x800u

void test_main(struct multiboot_info *mbi)
{
    u32 r, f;
    BINOP("addl", 0x7fffffff, 1, 0, r, f);
    check_op("add_overflow", r, f, 0x80000000, OF | SF | AF | PF);
    BINOP("addl", 0xffffffff, 1, 0, r, f);
    check_op("add_carry_zero", r, f, 0, CF | ZF | AF | PF);
    BINOP("adcl", 0xfffffffe, 1, 1, r, f);
    check_op("adc_carry_in", r, f, 0, CF | ZF | AF | PF);
    BINOP("subl", 0, 1, 0, r, f);
    check_op("sub_borrow", r, f, 0xffffffff, CF | SF | AF | PF);
    BINOP("sbbl", 5, 2, 1, r, f);
    check_op("sbb_borrow_in", r, f, 2, 0);
    BINOP("subl", 0x80000000, 1, 0, r, f);
    check_op("sub_overflow", r, f, 0x7fffffff, OF | AF | PF);
    BINOP("andl", 0xf0f0f0f0, 0x0ff00ff0, CF, r, f);
    check_op("and_clears_cf", r, f, 0x00f000f0, PF);
    BINOP("xorl", 0x12345678, 0x12345678, 0, r, f);
    check_op("xor_zero", r, f, 0, ZF | PF);
    BINOP("orl", 0x80000000, 1, 0, r, f);
    check_op("or_sign", r, f, 0x80000001, SF);

    /* INC/DEC leave CF alone. */
    {
        u32 d = 0x7fffffff, fl;
        __asm__ volatile("stc; incl %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_op("inc_keeps_cf", d, fl & ARITH, 0x80000000, OF | SF | AF | PF | CF);
        d = 1;
        __asm__ volatile("clc; decl %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_op("dec_to_zero", d, fl & ARITH, 0, ZF | PF);
    }
    /* NEG sets CF unless the operand is zero. */
    {
        u32 d = 0, fl;
        __asm__ volatile("negl %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_op("neg_zero", d, fl & ARITH, 0, ZF | PF);
        d = 0x80000000;
        __asm__ volatile("negl %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_op("neg_min", d, fl & ARITH, 0x80000000, CF | OF | SF | PF);
    }
    /* Shifts: CF is the last bit shifted out; OF is defined for 1-bit shifts. */
    {
        u32 d = 0x80000001, fl;
        __asm__ volatile("shll $1, %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_eq("shl1_result", d, 2);
        check_eq("shl1_cf_of", fl & (CF | OF), CF | OF);
        d = 0x80000000;
        __asm__ volatile("sarl $4, %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_eq("sar4_result", d, 0xf8000000);
        d = 0x12345678;
        __asm__ volatile("roll $8, %0" : "+r"(d)::"cc");
        check_eq("rol8", d, 0x34567812);
        d = 0x1;
        __asm__ volatile("stc; rcrl $1, %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_eq("rcr1_result", d, 0x80000000);
        check_eq("rcr1_cf", fl & CF, CF);
    }
    /* MUL/IMUL/DIV. */
    {
        u32 lo = 0xffffffff, hi, fl;
        __asm__ volatile("mull %3; pushf; pop %2" : "+a"(lo), "=d"(hi), "=r"(fl) : "r"(0x10u) : "cc");
        check_eq("mul_lo", lo, 0xfffffff0);
        check_eq("mul_hi", hi, 0xf);
        check_eq("mul_cf_of", fl & (CF | OF), CF | OF);
        s32 a = -7;
        s32 p;
        __asm__ volatile("imull $6, %1, %0" : "=r"(p) : "r"(a) : "cc");
        check_eq("imul3", (u32)p, (u32)-42);
        u32 q = 100, rem = 0;
        __asm__ volatile("divl %2" : "+a"(q), "+d"(rem) : "r"(7u) : "cc");
        check_eq("div_q", q, 14);
        check_eq("div_r", rem, 2);
        s32 sq = -100, srem;
        __asm__ volatile("cltd; idivl %2" : "+a"(sq), "=&d"(srem) : "r"(7) : "cc");
        check_eq("idiv_q", (u32)sq, (u32)-14);
        check_eq("idiv_r", (u32)srem, (u32)-2);
    }
    /* Bit operations. */
    {
        u32 d = 0x00f00000, idx, fl;
        __asm__ volatile("bsfl %1, %0" : "=r"(idx) : "r"(d) : "cc");
        check_eq("bsf", idx, 20);
        __asm__ volatile("bsrl %1, %0" : "=r"(idx) : "r"(d) : "cc");
        check_eq("bsr", idx, 23);
        d = 0x10;
        __asm__ volatile("btsl $5, %0; pushf; pop %1" : "+r"(d), "=r"(fl)::"cc");
        check_eq("bts_result", d, 0x30);
        check_eq("bts_cf_clear", fl & CF, 0);
        u32 x = 0x11223344;
        __asm__ volatile("bswap %0" : "+r"(x));
        check_eq("bswap", x, 0x44332211);
        s32 c = (s8)0x80;
        u32 m;
        __asm__ volatile("movsbl %b1, %0" : "=r"(m) : "q"(0x80));
        check_eq("movsx", m, (u32)c);
    }
    /* DAA on packed BCD: 0x79 + 0x35 = 0xae -> 0x14 with CF. */
    {
        u32 a = 0x79, fl;
        __asm__ volatile("addb $0x35, %%al; daa; pushf; pop %1" : "+a"(a), "=r"(fl)::"cc");
        check_eq("daa_result", a & 0xff, 0x14);
        check_eq("daa_cf", fl & CF, CF);
    }
    /* String ops: REP MOVSB copies and REPE CMPSB stops at the first difference. */
    {
        char src[16] = "vanderpool-test", dst[16];
        void *s = src, *d = dst;
        u32 n = 16;
        __asm__ volatile("cld; rep movsb" : "+S"(s), "+D"(d), "+c"(n)::"memory");
        check("rep_movsb", memcmp(src, dst, 16) == 0 && n == 0);
        dst[6] = 'X';
        s = src, d = dst, n = 16;
        __asm__ volatile("cld; repe cmpsb" : "+S"(s), "+D"(d), "+c"(n)::"memory", "cc");
        check_eq("repe_cmpsb_count", n, 9);
    }
}
