/* VPID and INVVPID: IA32_VMX_EPT_VPID_CAP's INVVPID bits, the VM-entry check "enable VPID
 * => VPID != 0", INVVPID's outcomes in root operation and its VM exit in non-root
 * operation. The 64-bit half does it all. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
