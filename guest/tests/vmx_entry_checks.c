/* VM-entry checks (SDM 26.2-26.4): invalid control fields fail with VMfailValid 7,
 * invalid host state with VMfailValid 8, invalid guest state and MSR loading with a
 * VM-entry-failure exit (reason 33 / 34, bit 31 set) and its qualification. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
