/* C side of entering the 64-bit world: our IDT and 64-bit TSS, then the test. */
#include "guest.h"

u32 blob_entry(u64 arg)
{
    int before = report_failures;
    idt_init();
    struct desc_ptr g;
    sgdt(&g);
    u64 *gdt64 = (u64 *)g.base;
    gdt64[SEL_TSS64 >> 3] &= ~(1ull << 41); /* busy bit: LTR wants an available TSS */
    ltr(SEL_TSS64);
    main64(arg);
    return (u32)(report_failures - before);
}
