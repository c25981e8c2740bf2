/* The demo's 64-bit stop: prove we are in 64-bit mode by using it. */
#include "guest.h"

void main64(u64 arg)
{
    u64 rip;
    __asm__("lea (%%rip), %0" : "=r"(rip));
    u64 big = 0xfedcba9876543210ull;
    printf("  Hello from 64-bit mode: RIP=0x%llx, EFER=0x%llx, CR4=0x%llx\n",
           (unsigned long long)rip, (unsigned long long)rdmsr(MSR_EFER),
           (unsigned long long)read_cr4());
    printf("  64-bit arithmetic: 0x%llx >> 4 = 0x%llx\n", (unsigned long long)big,
           (unsigned long long)(big >> 4));
}
