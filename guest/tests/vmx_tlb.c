/* Stale translations across VMX transitions (SDM Vol. 3C 29.4, Vol. 3A 4.10.4): what a
 * changed paging-structure or EPT entry leaves visible until the invalidation the SDM
 * requires. The 64-bit half does it all; this half reads which outcome to expect from the
 * multiboot command line, "tlb=strict" (Vanderpool -tlb strict keeps every stale
 * translation the SDM allows), "tlb=flush" (every transition drops everything), or nothing
 * (real hardware, -tlb exact: a stale translation may or may not be seen). The runner
 * passes it with -tlb (tests/guest/options.txt, tlb=). */
#include "vmx_tlb.h"
#include "guest.h"

/* The last word of the command line that names a mode (a loader may put the kernel's
 * path first). */
static u32 parse_mode(const char *s)
{
    static const struct {
        const char *word;
        u32 mode;
    } modes[] = {
        {"tlb=strict", TLBMODE_STRICT}, {"tlb=flush", TLBMODE_FLUSH}, {"tlb=exact", TLBMODE_ANY}};
    u32 mode = TLBMODE_ANY;
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
        for (u32 i = 0; i < ARRAY_SIZE(modes); i++)
            if (!strcmp(word, modes[i].word)) mode = modes[i].mode;
    }
    return mode;
}

void test_main(struct multiboot_info *mbi)
{
    u32 mode = TLBMODE_ANY;
    if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline)
        mode = parse_mode((const char *)(uptr)mbi->cmdline);
    call64(mode);
}
