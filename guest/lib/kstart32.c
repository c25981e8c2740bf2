/* C side of the 32-bit boot: bring up the console, our own GDT/IDT, then hand over to
 * the test's test_main and report. */
#include "guest.h"

void kstart32(u32 magic, struct multiboot_info *mbi)
{
    serial_init();
    gdt_init();
    idt_init();
    if (magic != MB_BOOT_MAGIC)
        fail("boot_magic", "eax 0x%x", magic);
    test_main(mbi);
    report_done();
}
