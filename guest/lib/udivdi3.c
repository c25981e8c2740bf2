/* 64-bit division helpers that gcc calls from 32-bit code. Debian's gcc ships no 32-bit
 * libgcc without gcc-multilib, so the runtime carries its own (shift-and-subtract). */
#include "types.h"

#ifndef __x86_64__
static u64 divmod(u64 n, u64 d, u64 *rem)
{
    u64 q = 0, r = 0;
    if (d == 0) {
        /* Divide by zero the way the hardware would: raise #DE. */
        __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::: "eax", "ecx", "edx");
    }
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    *rem = r;
    return q;
}

u64 __udivmoddi4(u64 n, u64 d, u64 *rem)
{
    u64 r;
    u64 q = divmod(n, d, &r);
    if (rem)
        *rem = r;
    return q;
}

u64 __udivdi3(u64 n, u64 d)
{
    u64 r;
    return divmod(n, d, &r);
}

u64 __umoddi3(u64 n, u64 d)
{
    u64 r;
    divmod(n, d, &r);
    return r;
}

s64 __divdi3(s64 n, s64 d)
{
    u64 r;
    u64 q = divmod(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d, &r);
    return ((n < 0) != (d < 0)) ? -(s64)q : (s64)q;
}

s64 __moddi3(s64 n, s64 d)
{
    u64 r;
    divmod(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d, &r);
    return n < 0 ? -(s64)r : (s64)r;
}
#endif
