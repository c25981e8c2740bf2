/* VM exits caused by instructions and exceptions in the guest: reasons, exit
 * qualifications, instruction lengths, and the bitmaps and masks that select them. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
