/* The empty guest: booting it on Bochs measures BIOS + GRUB cost, which bench/run.sh
 * subtracts from the workload's instruction count and time. */
#include "guest.h"

void test_main(struct multiboot_info *mbi)
{
    printf("bench idle\n");
    serial_flush();
    vp_exit(0);
}
