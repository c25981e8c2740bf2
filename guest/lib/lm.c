/* 32-bit side of the long-mode round trip. */
#include "guest.h"

static u64 pml4[512] ALIGNED(4096);
static u64 pdpt[512] ALIGNED(4096);
static u64 pd[4][512] ALIGNED(4096);

u32 call64_asm(u32 entry, u32 arg, u32 pml4);

u32 lm_identity_pml4(void)
{
    if (!pml4[0]) {
        /* P|RW|US at every level so ring-3 code in run_user may touch everything. */
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 512; j++)
                pd[i][j] = ((u64)i << 30) + ((u64)j << 21) + 0x87; /* PS */
            pdpt[i] = (u32)(uptr)pd[i] + 7;
        }
        pml4[0] = (u32)(uptr)pdpt + 7;
    }
    return (u32)(uptr)pml4;
}

int call64(u32 arg)
{
    struct desc_ptr idtr;
    sidt(&idtr);
    int failed = (int)call64_asm(BLOB64_BASE, arg, lm_identity_pml4());
    lidt(&idtr);
    /* The 64-bit side loaded its own TSS; make the 32-bit TSS current again (clearing
     * its busy bit so LTR accepts it). */
    gdt[SEL_TSS32 >> 3] &= ~(1ull << 41);
    ltr(SEL_TSS32);
    report_failures += failed;
    return failed;
}
