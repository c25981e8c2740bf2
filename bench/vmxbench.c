/* VMX benchmark guest, 32-bit half: reads the phase from the multiboot command line
 * ("cpuid", "cpuid-vpid", "walk" or "walk-ept"; Vanderpool's -append, GRUB's multiboot line on
 * Bochs) and runs it in the 64-bit half, where the VMX library lives. */
#include "vmxbench.h"
#include "guest.h"
#include "cmdline.h"

/* The phases by name, and their numbers. */
static const char *const phases[] = {"cpuid", "cpuid-vpid", "walk", "walk-ept"};
static const u32 phase_of[] = {PHASE_CPUID, PHASE_CPUID_VPID, PHASE_WALK, PHASE_WALK_EPT};

void test_main(struct multiboot_info *mbi)
{
    int k = cmdline_choice(mbi, phases, ARRAY_SIZE(phases));
    u32 phase = k < 0 ? PHASE_NONE : phase_of[k];
    if (phase == PHASE_NONE)
        printf("vmxbench: no phase on the command line (cpuid, cpuid-vpid, walk or walk-ept)\n");
    else
        call64(phase);
    serial_flush();
    vp_exit(0);
}
