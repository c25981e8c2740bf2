/* The GDT and TSSs the runtime installs at boot (32-bit world). */
#ifndef GUEST_GDT_H
#define GUEST_GDT_H
#include "segs.h"
#include "types.h"

struct PACKED tss32 {
    u16 link, r0;
    u32 esp0;
    u16 ss0, r1;
    u32 esp1;
    u16 ss1, r2;
    u32 esp2;
    u16 ss2, r3;
    u32 cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    u16 es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10, trap, iomap;
};

struct PACKED tss64 {
    u32 r0;
    u64 rsp0, rsp1, rsp2, r1;
    u64 ist[7];
    u64 r2;
    u16 r3, iomap;
};

extern u64 gdt[GDT_ENTRIES];
extern struct tss32 tss32;
extern struct tss64 tss64;
extern u8 *const kstack0_end; /* ring-0 stack used on entry from ring 3 */

/* access: P|DPL|S|type byte; flags: G|D/B|L|AVL nibble. */
u64 gdt_make(u32 base, u32 limit, u8 access, u8 flags);
void gdt_set(int idx, u32 base, u32 limit, u8 access, u8 flags);
void gdt_init(void);
/* Reload CS/DS/ES/FS/GS/SS with the runtime's ring-0 flat selectors. */
void gdt_reload_segments(void);
#endif
