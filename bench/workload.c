/* Benchmark guest: boots, enters 64-bit mode (paging on: the runtime's identity map)
 * and runs integer kernels there. The instruction count is a property of this code
 * alone, so it is measured once per run on Bochs and reused for Vanderpool. */
#include "guest.h"

void test_main(struct multiboot_info *mbi)
{
    call64(0);
    serial_flush();
    vp_exit(0);
}
