/* VMCS handling: VMCLEAR/VMPTRLD/VMPTRST, VMREAD/VMWRITE of each field class and the
 * VM-instruction errors they and VMLAUNCH/VMRESUME report. 64-bit half does it all. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
