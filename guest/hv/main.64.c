/* The hypervisor's 64-bit entry (hv.c brings it here from the multiboot entry): start
 * VMX operation, load the guests, run them to the end, report, and leave the emulator. */
#include "hv.h"

static void brand(char *out)
{
    u32 *w = (u32 *)out;
    u32 a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    out[0] = 0;
    if (a < 0x80000004) return;
    for (u32 i = 0; i < 3; i++)
        cpuid(0x80000002 + i, 0, &w[4 * i], &w[4 * i + 1], &w[4 * i + 2], &w[4 * i + 3]);
    out[48] = 0;
}

void main64(u64 arg)
{
    struct multiboot_info *mbi = (void *)arg;
    char cpu[52];
    brand(cpu);
    const char *p = cpu;
    while (*p == ' ')
        p++;
    printf("hv: Vanderpool reference hypervisor on %s\n", p);
    /* Caches on: a BIOS may leave CR0.CD/NW set, and VM entries keep the host's CD/NW
     * (SDM 27.3.2.1), which guests would see. */
    write_cr0(read_cr0() & ~(uptr)(3u << 29));
    /* No host interrupts: the guests' time is emulated, so nothing needs the PIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    if (hv_caps_init()) goto out;
    if (!hv.cpu.ept)
        printf("hv: this processor lacks EPT%s: guests run on shadow page tables%s\n",
               hv.cpu.ug ? "" : " and unrestricted guest",
               hv.cpu.ug ? "" : ", real-mode guests in virtual-8086 mode");
    else if (!hv.cpu.ug)
        printf("hv: this processor lacks unrestricted guest: real-mode guests run in "
               "virtual-8086 mode, unpaged guests on an identity page table\n");
    if (!hv.cpu.preempt) hv_host_tick_start();
    hv.io_bitmap_a = vmx_alloc_page();
    hv.io_bitmap_b = vmx_alloc_page();
    hv.msr_bitmap = vmx_alloc_page();
    memset((void *)hv.io_bitmap_a, 0xff, 4096);
    memset((void *)hv.io_bitmap_b, 0xff, 4096);
    memset((void *)hv.msr_bitmap, 0xff, 4096);
    if (hv_load_guests(mbi)) {
        hv_run();
        for (int i = 0; i < hv.n; i++) {
            struct guest *g = &hv.g[i];
            printf("hv: %s: %s%s, %llu slices\n", g->name, g->state == G_STOPPED ? "stopped: " : "",
                   g->why, (unsigned long long)g->slices);
        }
        hv_print_stats();
        for (int i = 0; i < hv.n; i++)
            vmclear(hv.g[i].vmcs); /* SDM 25.11.3: before the memory is reused */
    }
    vmxoff();
out:
    printf("hv: done\n");
    vp_exit(0);
}
