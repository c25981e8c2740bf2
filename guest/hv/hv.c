/* The hypervisor's multiboot entry: the runtime boots in 32-bit protected mode; the
 * hypervisor itself is 64-bit (the *.64.c files, carried as this kernel's 64-bit blob). */
#include "guest.h"

void test_main(struct multiboot_info *mbi)
{
    call64((u32)(uptr)mbi);
}
