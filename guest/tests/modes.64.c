/* The 64-bit stop of the mode round trip. */
#include "guest.h"

void main64(u64 arg)
{
    check_eq("lm_efer_lma", rdmsr(MSR_EFER) & (EFER_LMA | EFER_LME), EFER_LMA | EFER_LME);
    check_eq("lm_cs", read_cs(), SEL_KCODE64);
    check_eq("lm_cr4_pae", read_cr4() & CR4_PAE, CR4_PAE);
    check_eq("lm_arg", arg & 0xfffffffe, 0x1234);
    /* 64-bit arithmetic and a 64-bit push/pop round trip. */
    u64 x = 0x123456789abcdefull, y;
    __asm__ volatile("push %1; pop %0" : "=r"(y) : "r"(x * 16));
    check_eq("lm_push64", y, 0x123456789abcdef0ull);
    u64 hi;
    __asm__ volatile("mulq %2" : "=a"(y), "=d"(hi) : "r"(0x100000000ull), "a"(x) : "cc");
    check_eq("lm_mul128_hi", hi, 0x1234567);
    /* RIP-relative addressing resolves against the blob's own address. */
    static const u32 anchor = 0xa5a5a5a5;
    u64 addr;
    __asm__("lea %1, %0" : "=r"(addr) : "m"(anchor));
    check("lm_riprel", addr >= BLOB64_BASE && addr < BLOB64_BASE + 0x100000);
}
