/* The 64-bit test guest: entered in 64-bit mode on the hypervisor's identity map, it
 * reads the hypervisor's MMIO page, computes, yields its time slices, takes timer
 * interrupts, and ends with an exit code through a hypercall. */
#include "ghv.h"

static u32 primes_below(u32 n)
{
    u32 count = 0;
    for (u32 i = 2; i < n; i++) {
        u32 d = 2;
        while (d * d <= i && i % d)
            d++;
        count += d * d > i;
    }
    return count;
}

int gmain(void)
{
    serial_init();
    printf("hello from 64-bit mode\n");
    printf("cpuid: VMX %s\n", vmx_visible() ? "visible" : "hidden");
    printf("info device: magic %s\n",
           mmio_read32(HV_INFO_GPA + HV_INFO_MAGIC) == HV_INFO_MAGIC_VALUE ? "ok" : "wrong");
    printf("primes below 30000: %u\n", primes_below(30000));
    for (int i = 0; i < 3; i++)
        hc_yield();
    printf("yielded 3 times\n");
    timer_start(100);
    wait_ticks(3);
    printf("timer: %u ticks\n", ticks);
    u64 cr0 = read_cr0(), cr4 = read_cr4();
    printf("cr0 0x%x cr4 0x%x (VMX bits hidden)\n", (u32)cr0, (u32)cr4);
    return 7;
}
