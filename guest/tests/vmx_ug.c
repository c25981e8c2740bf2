/* Unrestricted guest: a real-mode guest under EPT (SDM Vol. 3C 25.6.2, 27.3.1). The
 * 64-bit half does it all. */
#include "guest.h"

void test_main(struct multiboot_info *mbi)
{
    call64(0);
}
