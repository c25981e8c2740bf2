/* VM functions (EPTP switching) and EPT-violation #VE: IA32_VMX_VMFUNC, VMFUNC's #UD, its
 * VM exits and the switch itself, and a #VE with its information area. The 64-bit half
 * does it all. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
