/* Real-mode guests without unrestricted guest (core2, -unrestricted-guest): VM entry
 * needs CR0.PE = PG = 1 (SDM 27.3.1.1), so the guest runs in virtual-8086 mode, as VMMs
 * did before unrestricted guest. RFLAGS.VM = 1 asks for the segment rules of SDM
 * 27.3.1.2: base = selector << 4, limit 0xffff, access rights 0xf3 (CPL 3).
 *   - IOPL is 3, so CLI, STI, PUSHF, POPF and IRET run natively on the real RFLAGS.IF,
 *     which therefore is the guest's virtual IF: the scheduler injects its interrupts
 *     only when it is set and no STI/MOV-SS blocking is pending (sched.64.c), and
 *     interrupt-window exiting works as for any guest. (The IOPL bits are what a guest
 *     would see differently, in PUSHF's image; frames pushed here carry IOPL 0.)
 *   - INT n, INT3 and INTO with IOPL 3 go through the protected-mode IDT (SDM 20.3):
 *     its limit is 0, so they #GP, and every exception exits (exception bitmap of
 *     ones); the hypervisor delivers through the guest's IVT by hand, as a real-mode
 *     processor does (SDM 20.1.4): push FLAGS, CS, IP, clear IF, TF and AC, load CS:IP
 *     from the vector. Interrupts from its PIC go the same way.
 *   - HLT is privileged: at CPL 3 it #GPs before it could exit (SDM 26.1.1), and is
 *     emulated from the #GP.
 *   - I/O: the TSS's I/O permission bitmap, which virtual-8086 mode checks whatever
 *     IOPL (SDM 20.2.8.1), allows every port, so the VMM's I/O bitmaps decide: I/O exits.
 *   - Paging: the guest believes CR0.PE = PG = 0 (read shadows); it runs on the
 *     identity of its memory, by shadow paging (shadow.64.c) or EPT with an identity
 *     page directory (paging.64.c), user-accessible since CPL is 3.
 * Entry: a processor leaves reset at CS 0xf000 with base 0xffff0000, IP 0xfff0, a
 * state virtual-8086 mode cannot express (its bases are selector << 4). The guest
 * starts at the real-mode address with the same selector, f000:fff0 = 0xffff0, which
 * holds the same code (the top 64 KiB below 4 GiB alias 0xf0000); its far jump there
 * would leave the reset base anyway. Mode switches of the guest's own (MOV CR0, LGDT,
 * LIDT: privileged, #GP) are not emulated: such a guest is stopped with the opcode. */
#include "hv.h"

#define FL_TF 0x100u
#define FL_IF 0x200u
#define FL_OF 0x800u
#define FL_IOPL 0x3000u
#define FL_VM 0x20000u
#define FL_AC 0x40000u
#define AR_V86 0xf3u /* SDM 27.3.1.2: present, S, DPL 3, read/write accessed */
#define AR_TSS32_BUSY 0x8bu
#define TSS_IOMAP 0x68                 /* I/O map base: right after the 32-bit TSS (SDM 8.2.1) */
#define TSS_LIMIT (TSS_IOMAP + 0x2000) /* 65536 ports, and the byte of ones after */

int v86_mode(void)
{
    return !hv.cpu.ug && (vmr(GUEST_RFLAGS) & FL_VM);
}

static void seg(u32 sel_f, u16 sel)
{
    u32 i = (sel_f - GUEST_ES_SEL) / 2; /* fields of a segment spaced alike (Appendix B) */
    vmw(sel_f, sel);
    vmw(GUEST_ES_BASE + 2 * i, (u64)sel << 4);
    vmw(GUEST_ES_LIMIT + 2 * i, 0xffff);
    vmw(GUEST_ES_AR + 2 * i, AR_V86);
}

void v86_setup(struct guest *g)
{
    u8 *tss = gpa_ptr(g, HV_V86_TSS_GPA);
    memset(tss, 0, TSS_LIMIT + 1); /* the bitmap: every port allowed */
    *(u16 *)(tss + 0x66) = TSS_IOMAP;
    tss[TSS_LIMIT] = 0xff;
    u32 data[] = {GUEST_ES_SEL, GUEST_SS_SEL, GUEST_DS_SEL, GUEST_FS_SEL, GUEST_GS_SEL};
    for (u32 i = 0; i < ARRAY_SIZE(data); i++)
        seg(data[i], 0);
    seg(GUEST_CS_SEL, 0xf000);
    vmw(GUEST_RIP, 0xfff0);
    vmw(GUEST_RSP, 0);
    vmw(GUEST_RFLAGS, 2 | FL_IOPL | FL_VM);
    /* TR: a 32-bit busy TSS (SDM 27.3.1.2); the real-mode IDTR is the guest's own,
     * kept here; the processor's IDT is empty. */
    vmw(GUEST_TR_SEL, HV_SEL_TSS);
    vmw(GUEST_TR_BASE, HV_V86_TSS_GPA);
    vmw(GUEST_TR_LIMIT, TSS_LIMIT);
    vmw(GUEST_TR_AR, AR_TSS32_BUSY);
    vmw(GUEST_IDTR_BASE, 0);
    vmw(GUEST_IDTR_LIMIT, 0);
    g->ivt_base = 0;
    vmw(EXCEPTION_BITMAP, ~0u);
}

static u8 *lin(struct guest *g, u64 a)
{
    return gpa_ptr(g, a); /* it believes paging is off: linear is physical */
}

/* Real-mode interrupt delivery (SDM 20.1.4) of vector vec, returning to ip. */
void v86_deliver(struct guest *g, u32 vec, u16 ip)
{
    u64 ss = vmr(GUEST_SS_BASE), fl = vmr(GUEST_RFLAGS);
    u16 sp = (u16)vmr(GUEST_RSP);
    u16 frame[3] = {(u16)(fl & ~(u64)FL_IOPL), (u16)vmr(GUEST_CS_SEL), ip};
    for (int k = 0; k < 3; k++) {
        sp -= 2;
        u8 *lo = lin(g, ss + sp), *hi = lin(g, ss + (u16)(sp + 1));
        if (!lo || !hi) goto bad;
        *lo = (u8)frame[k], *hi = (u8)(frame[k] >> 8);
    }
    u8 *v = lin(g, g->ivt_base + vec * 4);
    if (!v) goto bad;
    u16 off = (u16)(v[0] | v[1] << 8), sel = (u16)(v[2] | v[3] << 8);
    vmw(GUEST_RSP, (vmr(GUEST_RSP) & ~0xffffull) | sp);
    vmw(GUEST_RFLAGS, fl & ~(u64)(FL_IF | FL_TF | FL_AC));
    seg(GUEST_CS_SEL, sel);
    vmw(GUEST_RIP, off);
    return;
bad:
    hv_stop(g, "real-mode interrupt 0x%x: stack or IVT outside its memory", vec);
}

/* A #GP in virtual-8086 mode: what real mode would have done instead. */
static int gp(struct guest *g)
{
    u64 cs = vmr(GUEST_CS_BASE);
    u16 ip = (u16)vmr(GUEST_RIP);
    u8 b[8];
    for (int k = 0; k < 8; k++) {
        u8 *p = lin(g, cs + (u16)(ip + k));
        b[k] = p ? *p : 0;
    }
    int i = 0;
    while (i < 4 && (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x64 ||
                     b[i] == 0x65 || b[i] == 0x66 || b[i] == 0x67))
        i++;
    u64 intr = vmr(GUEST_INTERRUPTIBILITY);
    if (intr & 3) vmw(GUEST_INTERRUPTIBILITY, intr & ~3ull); /* the instruction completes */
    switch (b[i]) {
    case 0xcd: v86_deliver(g, b[i + 1], (u16)(ip + i + 2)); return g->state == G_RUNNABLE;
    case 0xcc: v86_deliver(g, 3, (u16)(ip + i + 1)); return g->state == G_RUNNABLE;
    case 0xce:
        if (vmr(GUEST_RFLAGS) & FL_OF)
            v86_deliver(g, 4, (u16)(ip + i + 1));
        else
            vmw(GUEST_RIP, (u16)(ip + i + 1));
        return g->state == G_RUNNABLE;
    case 0xf4: vmw(GUEST_RIP, (u16)(ip + i + 1)); return hv_halt(g);
    }
    hv_stop(g, "virtual-8086 mode: #GP at %04x:%04x (opcode %02x %02x) not emulated",
            (u32)vmr(GUEST_CS_SEL), ip, b[i], b[i + 1]);
    return 0;
}

/* Every exception of a virtual-8086 guest exits here (#PF without EPT goes to
 * shadow.64.c first). Events are delivered by hand, so an IDT-vectoring event the exit
 * handler queued again is dropped: the processor's IDT never delivers one. */
int v86_exception(struct guest *g, u32 vec)
{
    vmw(ENTRY_INTR_INFO, 0);
    if (vec == 13) return gp(g);
    if (vec == 6 && ++g->ud_count > 8) {
        hv_stop(g, "invalid opcode loop: %d #UD faults, the last at %04x:%04x", g->ud_count - 1,
                (u32)vmr(GUEST_CS_SEL), (u32)vmr(GUEST_RIP));
        return 0;
    }
    v86_deliver(g, vec, (u16)vmr(GUEST_RIP)); /* faults restart; #DB traps come after */
    return g->state == G_RUNNABLE;
}
