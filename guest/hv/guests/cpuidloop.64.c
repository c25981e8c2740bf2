/* The benchmark guest (bench/run.sh): CPUID n times, each a VM exit the hypervisor
 * handles and resumes, then HC_EXIT. n comes from its command line ("n=N", default
 * 10^6); the output is deterministic, no timings. */
#include "ghv.h"

/* The value of "n=" as a word of the command line, or dflt. */
static u64 arg_n(u64 dflt)
{
    const char *c = (const char *)(uptr)HV_CMDLINE_GPA;
    for (const char *p = c; *p; p++) {
        if (p[0] != 'n' || p[1] != '=' || (p != c && p[-1] != ' ')) continue;
        u64 v = 0;
        for (p += 2; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (u64)(*p - '0');
        return v;
    }
    return dflt;
}

int gmain(void)
{
    serial_init();
    u64 n = arg_n(1000000);
    for (u64 i = 0; i < n; i++) {
        u32 a, b, c, d;
        cpuid(0, 0, &a, &b, &c, &d);
    }
    printf("cpuid loop n=%llu\n", (unsigned long long)n);
    return 0;
}
