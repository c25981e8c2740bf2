/* Stale translations across VMX transitions (SDM Vol. 3C 29.4, Vol. 3A 4.10.4): what a
 * changed paging-structure or EPT entry leaves visible until the invalidation the SDM
 * requires. The 64-bit half does it all; this half reads which outcome to expect from the
 * multiboot command line, "tlb=strict" (Vanderpool -tlb strict keeps every stale
 * translation the SDM allows), "tlb=flush" (every transition drops everything), or nothing
 * (real hardware, -tlb exact: a stale translation may or may not be seen). The runner
 * passes it with -tlb (tests/guest/options.txt, tlb=). */
#include "vmx_tlb.h"
#include "guest.h"
#include "cmdline.h"

static const char *const modes[] = {"tlb=strict", "tlb=flush", "tlb=exact"};
static const u32 mode_of[] = {TLBMODE_STRICT, TLBMODE_FLUSH, TLBMODE_ANY};

void test_main(struct multiboot_info *mbi)
{
    int k = cmdline_choice(mbi, modes, ARRAY_SIZE(modes));
    call64(k < 0 ? TLBMODE_ANY : mode_of[k]);
}
