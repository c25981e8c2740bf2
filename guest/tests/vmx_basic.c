/* VT-x basics: CPUID.1:ECX.VMX, the capability MSRs, VMXON/VMXOFF and how they
 * fail. Everything runs in the 64-bit half (the VMX library is 64-bit). */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
