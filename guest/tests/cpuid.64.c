/* CPUID facts that Intel processors report only in 64-bit mode. */
#include "guest.h"

void main64(u64 arg)
{
    u32 a, b, c, d;
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    check("cpuid_ext_syscall_in_64bit", (d >> 11) & 1);
    check("cpuid_ext_lm_in_64bit", (d >> 29) & 1);
}
