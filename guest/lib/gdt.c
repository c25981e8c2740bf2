#include "guest.h"

u64 gdt[GDT_ENTRIES] ALIGNED(16);
struct tss32 tss32 ALIGNED(128);
struct tss64 tss64 ALIGNED(128);
static u8 kstack0[16384] ALIGNED(16);
u8 *const kstack0_end = kstack0 + sizeof(kstack0);

u64 gdt_make(u32 base, u32 limit, u8 access, u8 flags)
{
    return (limit & 0xffffull) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
           ((u64)((limit >> 16) & 0xf) << 48) | ((u64)(flags & 0xf) << 52) |
           ((u64)(base >> 24) << 56);
}

void gdt_set(int idx, u32 base, u32 limit, u8 access, u8 flags)
{
    gdt[idx] = gdt_make(base, limit, access, flags);
}

void gdt_init(void)
{
    gdt[0] = 0;
    gdt_set(SEL_KCODE32 >> 3, 0, 0xfffff, 0x9a, 0xc);
    gdt_set(SEL_KDATA >> 3, 0, 0xfffff, 0x92, 0xc);
    gdt_set(SEL_UCODE32 >> 3, 0, 0xfffff, 0xfa, 0xc);
    gdt_set(SEL_UDATA >> 3, 0, 0xfffff, 0xf2, 0xc);
    gdt_set(SEL_UCODE64 >> 3, 0, 0xfffff, 0xfa, 0xa);
    gdt_set(SEL_KCODE64 >> 3, 0, 0xfffff, 0x9a, 0xa);
    gdt_set(SEL_KCODE16 >> 3, 0, 0xffff, 0x9a, 0x0);
    gdt_set(SEL_KDATA16 >> 3, 0, 0xffff, 0x92, 0x0);

    tss32.esp0 = (u32)(uptr)kstack0_end;
    tss32.ss0 = SEL_KDATA;
    tss32.iomap = sizeof(tss32); /* no I/O bitmap: ring 3 port access faults */
    gdt_set(SEL_TSS32 >> 3, (u32)(uptr)&tss32, sizeof(tss32) - 1, 0x89, 0);

    /* The 64-bit TSS descriptor is 16 bytes; its upper half holds base[63:32] = 0. */
    tss64.rsp0 = (u64)(uptr)kstack0_end;
    tss64.iomap = sizeof(tss64);
    gdt_set(SEL_TSS64 >> 3, (u32)(uptr)&tss64, sizeof(tss64) - 1, 0x89, 0);
    gdt[(SEL_TSS64 >> 3) + 1] = 0;

    struct desc_ptr p = {sizeof(gdt) - 1, (uptr)gdt};
    lgdt(&p);
    gdt_reload_segments();
    ltr(SEL_TSS32);
}

void gdt_reload_segments(void)
{
    __asm__ volatile("ljmp %0, $1f\n1:\n"
                     "mov %w1, %%ds\n mov %w1, %%es\n mov %w1, %%fs\n mov %w1, %%gs\n mov %w1, %%ss\n"
                     ::"i"(SEL_KCODE32), "r"(SEL_KDATA) : "memory");
}
