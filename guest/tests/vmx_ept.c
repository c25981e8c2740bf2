/* EPT (SDM Vol. 3C 29.3): a small hypervisor runs its guest through extended page tables
 * and checks translations, violations, misconfigurations, A/D flags and INVEPT. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
