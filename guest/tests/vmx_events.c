/* Events and VMX: event injection on VM entry, interrupt- and NMI-window exiting,
 * the VMX-preemption timer and external-interrupt exiting. */
#include "guest.h"

void test_main(struct multiboot_info *mbi) { call64(0); }
