/* VMX benchmark guest, 32-bit half: reads the phase from the multiboot command line
 * ("cpuid", "cpuid-vpid", "walk" or "walk-ept"; Vanderpool's -append, GRUB's multiboot line on
 * Bochs) and runs it in the 64-bit half, where the VMX library lives. */
#include "vmxbench.h"
#include "guest.h"

static const struct {
    const char *name;
    u32 phase;
} phases[] = {{"cpuid", PHASE_CPUID},
              {"cpuid-vpid", PHASE_CPUID_VPID},
              {"walk", PHASE_WALK},
              {"walk-ept", PHASE_WALK_EPT}};

/* The last word of the command line that names a phase (a loader may put the kernel's
 * path first). */
static u32 parse_phase(const char *s)
{
    u32 phase = PHASE_NONE;
    char word[32];
    while (*s) {
        while (*s == ' ')
            s++;
        u32 n = 0;
        while (*s && *s != ' ') {
            if (n < sizeof(word) - 1) word[n++] = *s;
            s++;
        }
        word[n] = 0;
        for (u32 i = 0; i < ARRAY_SIZE(phases); i++)
            if (!strcmp(word, phases[i].name)) phase = phases[i].phase;
    }
    return phase;
}

void test_main(struct multiboot_info *mbi)
{
    u32 phase = PHASE_NONE;
    if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline)
        phase = parse_phase((const char *)(uptr)mbi->cmdline);
    if (phase == PHASE_NONE)
        printf("vmxbench: no phase on the command line (cpuid, cpuid-vpid, walk or walk-ept)\n");
    else
        call64(phase);
    serial_flush();
    vp_exit(0);
}
