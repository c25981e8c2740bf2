/* The `make demo` guest: greets on COM1, tells what it finds (CPU vendor and brand,
 * memory from the multiboot information), visits 64-bit mode, and leaves through the
 * debug-exit port. It is a tour of the runtime, not a test: nothing here is compared. */
#include "guest.h"

static void cpu_facts(void)
{
    u32 a, b, c, d;
    char vendor[13];
    cpuid(0, 0, &a, &b, &c, &d);
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    printf("  CPU vendor:   %s (max leaf 0x%x)\n", vendor, a);

    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        u32 brand[13] = {0};
        for (u32 i = 0; i < 3; i++)
            cpuid(0x80000002 + i, 0, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2],
                  &brand[4 * i + 3]);
        const char *s = (const char *)brand;
        while (*s == ' ')
            s++;
        printf("  CPU brand:    %s\n", s);
    }
    cpuid(1, 0, &a, &b, &c, &d);
    printf("  Family/model: %u/%u, VMX %s, long mode ", ((a >> 8) & 0xf) + ((a >> 20) & 0xff),
           ((a >> 4) & 0xf) | ((a >> 12) & 0xf0), (c >> 5) & 1 ? "yes" : "no");
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    printf("%s\n", (d >> 29) & 1 ? "yes" : "no");
}

static void memory_facts(struct multiboot_info *mbi)
{
    if (mbi->flags & MBI_MEM)
        printf("  Memory:       %u KiB low, %u MiB above 1 MiB\n", mbi->mem_lower,
               mbi->mem_upper / 1024);
    if (mbi->flags & MBI_MMAP) {
        printf("  Memory map:\n");
        u32 p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
        while (p < end) {
            struct multiboot_mmap *e = (struct multiboot_mmap *)(uptr)p;
            printf("    %016llx-%016llx %s\n", (unsigned long long)e->addr,
                   (unsigned long long)(e->addr + e->len - 1),
                   e->type == 1 ? "usable" : "reserved");
            p += e->size + 4;
        }
    }
    if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline)
        printf("  Command line: \"%s\"\n", (const char *)(uptr)mbi->cmdline);
}

void test_main(struct multiboot_info *mbi)
{
    printf("\nHello from Vanderpool's demo guest!\n\n");
    cpu_facts();
    memory_facts(mbi);
    printf("\nSwitching to 64-bit long mode...\n");
    call64(0);
    printf("Back in 32-bit protected mode. Goodbye.\n");
    serial_flush();
    vp_exit(0);
}
