/* Helpers shared by the segmentation, branch, interrupt and task host tests: descriptor
 * builders, extra GDT entries beyond the harness's six, and physical memory peeks. */
#ifndef VP_TEST_SEG_UTIL_H
#define VP_TEST_SEG_UTIL_H

#include "check.h"
#include "harness.h"
#include "cpu/descriptor.h"

/* Extra GDT selectors the tests install (after the harness's 0x00-0x28). */
enum {
    T_CODE3 = 0x33,   /* ring-3 flat 32-bit code, RPL 3 */
    T_DATA3 = 0x3b,   /* ring-3 flat data */
    T_CODE64_3 = 0x43, /* ring-3 64-bit code */
    T_TSS = 0x48,     /* current TSS (16 bytes in long mode: 0x48-0x57) */
    T_SPARE = 0x58,   /* free slots from here on */
};

#define T_TSS_BASE 0x3000u
#define T_IDT_BASE 0x4000u
#define T_HANDLER 0x30000u /* handler code */
#define T_STACK0 0x70000u  /* ring-0 stack top */
#define T_STACK3 0x60000u  /* ring-3 stack top */

/* Code/data descriptor: type includes the accessed bit; flags = G|DB|L|AVL nibble. */
static inline u64 mkseg(u32 base, u32 limit, unsigned type, unsigned dpl, unsigned flags)
{
    return (limit & 0xffffull) | ((u64)(base & 0xffffff) << 16) |
           ((u64)(type | 0x10 | dpl << 5 | 0x80) << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
           ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}
/* System descriptor (S = 0), e.g. TSS or LDT. */
static inline u64 mksys(u32 base, u32 limit, unsigned type, unsigned dpl)
{
    return mkseg(base, limit, type, dpl, 0) & ~(1ull << 44);
}
/* Gate: call/interrupt/trap/task; `params` is the call-gate count or the IST index. */
static inline u64 mkgate(u16 sel, u32 off, unsigned type, unsigned dpl, unsigned params)
{
    return (off & 0xffffull) | ((u64)sel << 16) | ((u64)(params & 0x1f) << 32) |
           ((u64)(type | dpl << 5 | 0x80) << 40) | ((u64)(off >> 16) << 48);
}

static inline u64 pread(struct harness *h, u64 pa, unsigned size)
{
    u64 v = 0;
    phys_copy_out(h->m, pa, &v, size);
    return v;
}
static inline void pwrite(struct harness *h, u64 pa, unsigned size, u64 v)
{
    phys_copy_in(h->m, pa, &v, size);
}

static inline void gdt_set(struct harness *h, u16 sel, u64 d)
{
    unsigned off = sel & 0xfff8u;
    pwrite(h, HARNESS_GDT + off, 8, d);
    if (h->c->gdtr.limit < off + 7) h->c->gdtr.limit = off + 7;
}
static inline u64 gdt_get(struct harness *h, u16 sel)
{
    return pread(h, HARNESS_GDT + (sel & 0xfff8u), 8);
}

/* A fresh harness with the ring-3 descriptors and a 32-bit (or 64-bit) TSS installed. */
static inline struct harness *t_new(enum cpu_mode mode)
{
    struct harness *h = harness_new(mode);
    gdt_set(h, T_CODE3, mkseg(0, 0xfffff, 0xb, 3, 0xc));
    gdt_set(h, T_DATA3, mkseg(0, 0xfffff, 0x3, 3, 0xc));
    gdt_set(h, T_CODE64_3, mkseg(0, 0xfffff, 0xb, 3, 0xa));
    if (mode == MODE_LONG) {
        gdt_set(h, T_TSS, mksys(T_TSS_BASE, 0x67, DT_TSS32_BUSY, 0));
        gdt_set(h, T_TSS + 8, 0);
    } else {
        gdt_set(h, T_TSS, mksys(T_TSS_BASE, 0x67, DT_TSS32_BUSY, 0));
    }
    struct cpu *c = h->c;
    c->gdtr.limit = 0xfff;
    seg_from_descriptor(&c->seg[SEG_TR], T_TSS, gdt_get(h, T_TSS));
    c->idtr.base = T_IDT_BASE;
    c->idtr.limit = 0xfff;
    if (mode == MODE_LONG) {
        pwrite(h, T_TSS_BASE + 4, 8, T_STACK0); /* RSP0 */
    } else if (mode != MODE_REAL) {
        pwrite(h, T_TSS_BASE + 4, 4, T_STACK0); /* ESP0 */
        pwrite(h, T_TSS_BASE + 8, 2, H_DATA32); /* SS0 */
    }
    pwrite(h, T_TSS_BASE + 0x66, 2, 0x68); /* I/O map base: no bitmap */
    return h;
}

/* Back to the harness's ring-0 state for `mode`, keeping the test's GDT, IDT and TSS. */
static inline void t_reset(struct harness *h, enum cpu_mode mode)
{
    struct cpu *c = h->c;
    harness_set_mode(h, mode);
    c->gdtr.limit = 0xfff;
    c->idtr.base = T_IDT_BASE;
    c->idtr.limit = 0xfff;
    seg_from_descriptor(&c->seg[SEG_TR], T_TSS, gdt_get(h, T_TSS) | DESC_BUSY_BIT);
}

/* Switch the harness cpu to ring 3 with flat ring-3 code (32- or 64-bit) and data. */
static inline void t_ring3(struct harness *h)
{
    struct cpu *c = h->c;
    u16 cs = h->mode == MODE_LONG ? T_CODE64_3 : T_CODE3;
    seg_from_descriptor(&c->seg[SEG_CS], cs, gdt_get(h, cs));
    for (int s = 0; s < 6; s++)
        if (s != SEG_CS) seg_from_descriptor(&c->seg[s], T_DATA3, gdt_get(h, T_DATA3));
    c->cpl = 3;
    c->r[RSP] = T_STACK3;
    cpu_update_mode(c);
}

/* 32-bit IDT entry / 64-bit IDT entry. */
static inline void idt_set32(struct harness *h, int vec, u64 gate)
{
    pwrite(h, T_IDT_BASE + vec * 8, 8, gate);
}
static inline void idt_set64(struct harness *h, int vec, u16 sel, u64 off, unsigned type,
                             unsigned dpl, unsigned ist)
{
    pwrite(h, T_IDT_BASE + vec * 16, 8, mkgate(sel, (u32)off, type, dpl, ist));
    pwrite(h, T_IDT_BASE + vec * 16 + 8, 8, off >> 32);
}

/* Ran to the appended HLT (HLT itself may still be #UD while it is unimplemented). */
static inline bool t_done(int r) { return r == -1 || r == EXC_UD; }

#define RUN(h, code) harness_run((h), (code), sizeof(code), 1000)

#endif
