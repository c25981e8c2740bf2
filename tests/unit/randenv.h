/* A guest environment built from arbitrary bytes, for the random-code host test and the
 * libFuzzer target (tests/fuzz/fuzz_exec.c). Unlike harness.h, exceptions are DELIVERED:
 * every vector has an IDT gate (IVT entry in real mode) whose handler skips one byte of
 * the faulting code and returns, #DF goes through a task gate, and the descriptor tables,
 * TSSs and page tables can be overwritten by the input, so delivery, double and triple
 * faults and task switches all run on guest-controlled state.
 *
 * Input layout (missing bytes read as zero):
 *   [0]      mode (low 3 bits, see renv_mode) | 0x08 CPL 3 | 0x10 IF | 0x20 TF | 0x40 paging
 *   [1]      RFLAGS extras: DF AC NT RF VIF VIP ID, IOPL from bits 6-7
 *   [2]      CR0 extras: MP EM TS WP AM NW|CD
 *   [3..4]   CR4 extras (whitelist of bits MOV CR4 could set in that mode)
 *   [5..20]  one byte per general register: class in bits 5-7, value in bits 0-4
 *   [21]     number of patches (low 4 bits), then 9 bytes each: target, 8 bytes of data
 *   rest     code, placed at RENV_CODE (CS:0 in real and v86 mode) */
#ifndef VP_TEST_RANDENV_H
#define VP_TEST_RANDENV_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "cpu/cpu.h"
#include "cpu/descriptor.h"
#include "machine/machine.h"

#define RENV_RAM (16u << 20)
#define RENV_GDT 0x1000u     /* 64 slots */
#define RENV_TSS0 0x3000u    /* current task */
#define RENV_TSS1 0x3800u    /* #DF / INT 0x7f task */
#define RENV_TSS_LIMIT 0xe8u /* I/O bitmap for ports 0-0x3ff (zero: allowed), rest denied */
#define RENV_IDT 0x4000u     /* 256 gates of 8 or 16 bytes */
#define RENV_LDT 0x6000u
#define RENV_CODE 0x10000u
#define RENV_PD32 0x23000u   /* 32-bit page directory, 4 MiB pages */
#define RENV_PML4 0x20000u   /* PML4, PDPT, PD (2 MiB pages): 0x20000, 0x21000, 0x22000 */
#define RENV_HANDLERS 0x30000u /* 16 bytes per vector */
#define RENV_STACK0 0x70000u
#define RENV_STACK3 0x60000u
#define RENV_DATA 0x200000u
#define RENV_MAX_CODE 4096u

enum renv_mode { RM_REAL, RM_PROT16, RM_PROT32, RM_LONG, RM_V86, RM_COMPAT, RM_PROT32B, RM_LONGB };

/* GDT selectors. */
enum {
    RS_CODE32 = 0x08, RS_DATA32 = 0x10, RS_CODE64 = 0x18, RS_CODE16 = 0x20, RS_DATA16 = 0x28,
    RS_HCODE16 = 0x30, RS_CODE32_3 = 0x3b, RS_DATA32_3 = 0x43, RS_CODE64_3 = 0x4b,
    RS_TSS0 = 0x50, RS_LDT = 0x60, RS_CODE16_3 = 0x6b, RS_DATA16_3 = 0x73, RS_TSS1 = 0x78,
    RS_TASKGATE = 0x80, RS_CALLGATE = 0x8b,
};

struct renv {
    struct machine *m;
    struct cpu *c;
    FILE *null;
    unsigned mode;
};

/* Code/data descriptor: type includes the accessed bit; flags = G|DB|L|AVL nibble. */
static inline u64 renv_seg(u32 base, u32 limit, unsigned type, unsigned dpl, unsigned flags)
{
    return (limit & 0xffffull) | ((u64)(base & 0xffffff) << 16) |
           ((u64)(type | 0x10 | dpl << 5 | 0x80) << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
           ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}
static inline u64 renv_sys(u32 base, u32 limit, unsigned type, unsigned dpl)
{
    return renv_seg(base, limit, type, dpl, 0) & ~(1ull << 44);
}
static inline u64 renv_gate(u16 sel, u32 off, unsigned type, unsigned dpl, unsigned params)
{
    return (off & 0xffffull) | ((u64)sel << 16) | ((u64)(params & 0x1f) << 32) |
           ((u64)(type | dpl << 5 | 0x80) << 40) | ((u64)(off >> 16) << 48);
}
static inline void renv_w(struct renv *e, u64 pa, unsigned size, u64 v)
{
    phys_copy_in(e->m, pa, &v, size);
}

/* Vectors that push an error code (SDM Vol. 3 Table 6-1). */
static inline bool renv_has_err(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

/* Handler stubs: drop the error code, step the return address one byte past the faulting
 * one (so random code makes progress instead of faulting on the same byte until the
 * budget runs out), return. */
static void renv_handlers(struct renv *e, unsigned mode)
{
    for (int v = 0; v < 256; v++) {
        u8 s[16];
        size_t n = 0;
        bool err = renv_has_err(v);
        if (mode == RM_REAL || mode == RM_PROT16) {
            /* 16-bit: add sp,2; mov bp,sp; inc word [bp]; iret */
            if (err && mode == RM_PROT16) { s[n++] = 0x83; s[n++] = 0xc4; s[n++] = 0x02; }
            s[n++] = 0x89; s[n++] = 0xe5; s[n++] = 0xff; s[n++] = 0x46; s[n++] = 0x00;
            s[n++] = 0xcf;
        } else if (mode == RM_LONG || mode == RM_LONGB || mode == RM_COMPAT) {
            /* add rsp,8; inc qword [rsp]; iretq */
            if (err) { s[n++] = 0x48; s[n++] = 0x83; s[n++] = 0xc4; s[n++] = 0x08; }
            s[n++] = 0x48; s[n++] = 0xff; s[n++] = 0x04; s[n++] = 0x24;
            s[n++] = 0x48; s[n++] = 0xcf;
        } else {
            /* add esp,4; inc dword [esp]; iretd */
            if (err) { s[n++] = 0x83; s[n++] = 0xc4; s[n++] = 0x04; }
            s[n++] = 0xff; s[n++] = 0x04; s[n++] = 0x24;
            s[n++] = 0xcf;
        }
        phys_copy_in(e->m, RENV_HANDLERS + v * 16, s, n);
    }
}

static void renv_tables(struct renv *e, unsigned mode, bool paging)
{
    bool is64 = mode == RM_LONG || mode == RM_LONGB || mode == RM_COMPAT;
    const u64 gdt[] = {
        0,
        renv_seg(0, 0xfffff, 0xb, 0, 0xc),          /* 0x08 code32 */
        renv_seg(0, 0xfffff, 0x3, 0, 0xc),          /* 0x10 data32 */
        renv_seg(0, 0xfffff, 0xb, 0, 0xa),          /* 0x18 code64 */
        renv_seg(RENV_CODE, 0xffff, 0xb, 0, 0),     /* 0x20 code16 */
        renv_seg(RENV_STACK0 - 0x10000, 0xffff, 0x3, 0, 0), /* 0x28 data16 */
        renv_seg(RENV_HANDLERS, 0xffff, 0xb, 0, 0), /* 0x30 handler code16 */
        renv_seg(0, 0xfffff, 0xb, 3, 0xc),          /* 0x38 code32 ring 3 */
        renv_seg(0, 0xfffff, 0x3, 3, 0xc),          /* 0x40 data32 ring 3 */
        renv_seg(0, 0xfffff, 0xb, 3, 0xa),          /* 0x48 code64 ring 3 */
        renv_sys(RENV_TSS0, RENV_TSS_LIMIT, DT_TSS32_BUSY, 0), /* 0x50 TSS */
        0,                                          /* 0x58 upper half in long mode */
        renv_sys(RENV_LDT, 0x3f, DT_LDT, 0),        /* 0x60 LDT */
        renv_seg(RENV_CODE, 0xffff, 0xb, 3, 0),     /* 0x68 code16 ring 3 */
        renv_seg(RENV_STACK3 - 0x10000, 0xffff, 0x3, 3, 0), /* 0x70 data16 ring 3 */
        renv_sys(RENV_TSS1, 0x67, DT_TSS32, 0),     /* 0x78 second task */
        renv_gate(RS_TSS1, 0, DT_TASK, 3, 0),       /* 0x80 task gate */
        renv_gate(RS_CODE32, RENV_HANDLERS + 0xf00, DT_CALL32, 3, 0), /* 0x88 call gate */
    };
    phys_copy_in(e->m, RENV_GDT, gdt, sizeof gdt);
    /* The LDT holds a copy of the flat ring-0 and ring-3 descriptors. */
    phys_copy_in(e->m, RENV_LDT, gdt, 8 * 8);

    u64 cr3 = is64 ? RENV_PML4 : paging ? RENV_PD32 : 0;
    if (is64) {
        renv_w(e, RENV_TSS0 + 4, 8, RENV_STACK0);        /* RSP0 */
        renv_w(e, RENV_TSS0 + 0x24, 8, RENV_STACK0 - 0x8000); /* IST1 */
        renv_w(e, RENV_TSS0 + 0x2c, 8, RENV_STACK0 - 0xc000); /* IST2 */
    } else {
        renv_w(e, RENV_TSS0 + 4, 4, mode == RM_PROT16 ? 0xfff0 : RENV_STACK0);
        renv_w(e, RENV_TSS0 + 8, 2, mode == RM_PROT16 ? RS_DATA16 : RS_DATA32);
        renv_w(e, RENV_TSS0 + 0x1c, 4, cr3);
    }
    renv_w(e, RENV_TSS0 + 0x66, 2, 0x68); /* I/O bitmap right after: all ports allowed */
    /* Second task: ring 0 flat, runs HLT at the end of the handler page. */
    renv_w(e, RENV_TSS1 + 0x1c, 4, cr3);
    renv_w(e, RENV_TSS1 + 0x20, 4, RENV_HANDLERS + 0xff0);
    renv_w(e, RENV_TSS1 + 0x24, 4, FL_FIXED1);
    renv_w(e, RENV_TSS1 + 0x38, 4, RENV_STACK0 - 0x4000);
    for (int s = 0; s < 6; s++)
        renv_w(e, RENV_TSS1 + 0x48 + s * 4, 2, s == SEG_CS ? RS_CODE32 : RS_DATA32);
    renv_w(e, RENV_TSS1 + 0x66, 2, 0x68);
    renv_w(e, RENV_HANDLERS + 0xff0, 2, 0xcff4); /* hlt; iretd (back to the first task) */
    renv_w(e, RENV_HANDLERS + 0xf00, 1, 0xcb);   /* call gate target: retf */

    /* IDT / IVT. */
    for (int v = 0; v < 256; v++) {
        u32 h = RENV_HANDLERS + v * 16;
        if (mode == RM_REAL) {
            renv_w(e, (u64)v * 4, 4, (u32)(RENV_HANDLERS >> 4) << 16 | (u32)(v * 16));
        } else if (is64) {
            unsigned ist = v == EXC_DF ? 1 : v == EXC_NMI ? 2 : 0;
            renv_w(e, RENV_IDT + v * 16, 8, renv_gate(RS_CODE64, h, v < 32 ? DT_INT32 : DT_TRAP32, 3, ist));
            renv_w(e, RENV_IDT + v * 16 + 8, 8, 0);
        } else if (v == EXC_DF || v == 0x7f) {
            renv_w(e, RENV_IDT + v * 8, 8, renv_gate(RS_TSS1, 0, DT_TASK, 3, 0));
        } else if (mode == RM_PROT16) {
            renv_w(e, RENV_IDT + v * 8, 8, renv_gate(RS_HCODE16, (u32)v * 16, v < 32 ? DT_INT16 : DT_TRAP16, 3, 0));
        } else {
            renv_w(e, RENV_IDT + v * 8, 8, renv_gate(RS_CODE32, h, v < 32 ? DT_INT32 : DT_TRAP32, 3, 0));
        }
    }
    /* Page tables: identity maps of the first GiB, user and writable. */
    u64 pml4 = (RENV_PML4 + 0x1000) | 7, pdpt = (RENV_PML4 + 0x2000) | 7;
    renv_w(e, RENV_PML4, 8, pml4);
    renv_w(e, RENV_PML4 + 0x1000, 8, pdpt);
    for (u64 k = 0; k < 512; k++) renv_w(e, RENV_PML4 + 0x2000 + k * 8, 8, (k << 21) | 0x87);
    for (u64 k = 0; k < 256; k++) renv_w(e, RENV_PD32 + k * 4, 4, (k << 22) | 0x87);
}

/* Register values: small numbers, page addresses, device ports, MMIO registers of the
 * local and I/O APIC, the ends of the 32-bit space, non-canonical addresses. */
static u64 renv_reg_value(u8 b)
{
    static const u16 ports[16] = {0x3f8, 0x3f9, 0x3fd, 0xcf8, 0xcfc, 0x510, 0x511, 0x70,
                                  0x71, 0x92, 0xcf9, 0x402, 0xe9, 0x20, 0xa1, 0x43};
    u64 v = b & 31;
    switch (b >> 5) {
    case 0: return 0;
    case 1: return v;
    case 2: return v < 16 ? v << 12 : ports[v - 16];
    case 3: return RENV_DATA + v * 8;
    case 4: return 0xffffffffull - v;
    case 5: return 0x80000000ull + v * 0x1000;
    case 6:
        if (v < 8) return 1ull << (32 + v * 4);
        if (v < 16) return 0xfec00000ull + (v - 8) * 0x10;
        return 0xfee00000ull + (v - 16) * 0x40;
    default: return 0xffff800000000000ull - (v << 20);
    }
}

static inline void renv_setseg(struct cpu *c, int s, u16 sel, u64 base, u32 limit, u32 ar)
{
    c->seg[s].sel = sel;
    c->seg[s].base = base;
    c->seg[s].limit = limit;
    c->seg[s].ar = ar;
}

/* Build the processor state for `mode`. */
static void renv_state(struct renv *e, unsigned mode, bool ring3, bool paging)
{
    struct cpu *c = e->c;
    bool is64 = mode == RM_LONG || mode == RM_LONGB || mode == RM_COMPAT;
    c->lf.op = 0;
    c->rflags = FL_FIXED1;
    c->cr0 = CR0_ET | CR0_NE;
    c->cr4 = 0;
    c->efer = 0;
    c->cpl = 0;
    c->gdtr.base = RENV_GDT;
    c->gdtr.limit = 64 * 8 - 1;
    c->idtr.base = RENV_IDT;
    c->idtr.limit = is64 ? 256 * 16 - 1 : 256 * 8 - 1;
    renv_setseg(c, SEG_LDTR, RS_LDT, RENV_LDT, 0x3f, 0x82);
    renv_setseg(c, SEG_TR, RS_TSS0, RENV_TSS0, RENV_TSS_LIMIT, 0x8b);
    if (mode == RM_REAL) {
        c->idtr.base = 0;
        c->idtr.limit = 0x3ff;
        renv_setseg(c, SEG_CS, RENV_CODE >> 4, RENV_CODE, 0xffff, 0x9b);
        for (int s = 0; s < 6; s++)
            if (s != SEG_CS) renv_setseg(c, s, 0, 0, 0xffff, 0x93);
        renv_setseg(c, SEG_SS, (RENV_STACK0 - 0x10000) >> 4, RENV_STACK0 - 0x10000, 0xffff, 0x93);
        c->r[RSP] = 0xfff0;
        c->rip = 0;
    } else if (mode == RM_V86) {
        c->cr0 |= CR0_PE;
        renv_setseg(c, SEG_CS, RENV_CODE >> 4, RENV_CODE, 0xffff, 0xfb);
        for (int s = 0; s < 6; s++)
            if (s != SEG_CS) renv_setseg(c, s, 0, 0, 0xffff, 0xf3);
        renv_setseg(c, SEG_SS, (RENV_STACK3 - 0x10000) >> 4, RENV_STACK3 - 0x10000, 0xffff, 0xf3);
        c->r[RSP] = 0xfff0;
        c->rip = 0;
        c->rflags |= FL_VM;
        c->cpl = 3;
    } else if (mode == RM_PROT16) {
        c->cr0 |= CR0_PE;
        unsigned dpl = ring3 ? 3 : 0;
        renv_setseg(c, SEG_CS, ring3 ? RS_CODE16_3 : RS_CODE16, RENV_CODE, 0xffff, 0x9b | dpl << 5);
        for (int s = 0; s < 6; s++)
            if (s != SEG_CS)
                renv_setseg(c, s, ring3 ? RS_DATA16_3 : RS_DATA16,
                            (ring3 ? RENV_STACK3 : RENV_STACK0) - 0x10000, 0xffff, 0x93 | dpl << 5);
        c->r[RSP] = 0xfff0;
        c->rip = 0;
        c->cpl = (u8)dpl;
    } else {
        c->cr0 |= CR0_PE;
        if (is64) {
            c->cr4 |= CR4_PAE;
            c->cr3 = RENV_PML4;
            c->efer = EFER_LME | EFER_LMA;
            c->cr0 |= CR0_PG;
        } else if (paging) {
            c->cr4 |= CR4_PSE;
            c->cr3 = RENV_PD32;
            c->cr0 |= CR0_PG;
        }
        unsigned dpl = ring3 ? 3 : 0;
        u16 cs = mode == RM_COMPAT || !is64 ? (ring3 ? RS_CODE32_3 : RS_CODE32)
                                            : (ring3 ? RS_CODE64_3 : RS_CODE64);
        u32 csar = 0x9b | dpl << 5 | AR_G | (cs == RS_CODE64 || cs == RS_CODE64_3 ? AR_L : AR_DB);
        renv_setseg(c, SEG_CS, cs, 0, 0xffffffff, csar);
        for (int s = 0; s < 6; s++)
            if (s != SEG_CS)
                renv_setseg(c, s, ring3 ? RS_DATA32_3 : RS_DATA32, 0, 0xffffffff, 0x93 | dpl << 5 | AR_DB | AR_G);
        c->r[RSP] = ring3 ? RENV_STACK3 : RENV_STACK0;
        c->rip = RENV_CODE;
        c->cpl = (u8)dpl;
    }
    c->next_rip = c->rip;
}

static inline u8 renv_byte(const u8 *d, size_t len, size_t k) { return k < len ? d[k] : 0; }

/* Apply one patch: target selects the table, the low 6 bits the entry. */
static void renv_patch(struct renv *e, u8 t, u64 val, bool is64)
{
    unsigned k = t & 63;
    switch (t >> 6) {
    case 0: renv_w(e, RENV_GDT + k * 8, 8, val); break;
    case 1: renv_w(e, RENV_IDT + k * (is64 ? 16 : 8), 8, val); break;
    case 2:
        if (k < 16) renv_w(e, RENV_TSS0 + k * 8, 8, val);
        else if (k < 32) renv_w(e, RENV_TSS1 + (k - 16) * 8, 8, val);
        else if (k < 40) renv_w(e, RENV_LDT + (k - 32) * 8, 8, val);
        else renv_w(e, RENV_IDT + (k - 40) * 16 + 8, 8, val);
        break;
    default:
        if (is64) renv_w(e, RENV_PML4 + 0x2000 + k * 8, 8, val);
        else renv_w(e, RENV_PD32 + k * 4, 4, val);
        break;
    }
}

/* Power the machine back to a clean state without reallocating it (allocating and
 * freeing a machine costs far more than a short run under ASan): RAM reads as zero again,
 * every decoded block is stale, processors and devices are reset. */
static void renv_recycle(struct renv *e)
{
    struct machine *m = e->m;
    madvise(m->ram, m->ram_size, MADV_DONTNEED);
    for (u64 k = 0; k < m->ram_size / PAGE_SIZE; k++) {
        m->page_gen[k]++;
        m->code_page[k] = 0;
    }
    m->stop = STOP_NONE;
    m->exit_code = 0;
    m->running = NULL;
    machine_reset(m);
}

/* Build everything from the input, in a new machine or (when e->m is set from an earlier
 * call) a recycled one. Returns false (with a line on stderr) only if the machine cannot be
 * created. */
static bool renv_init(struct renv *e, const u8 *d, size_t len)
{
    if (e->m) {
        renv_recycle(e);
    } else {
        memset(e, 0, sizeof *e);
        e->null = fopen("/dev/null", "w");
        if (!e->null) return false;
        /* RENV_TRACE=1 in the environment traces execution and events to stderr (replays). */
        const char *tr = getenv("RENV_TRACE");
        bool trace = tr && *tr == '1';
        struct machine_config cfg = {.ram_size = RENV_RAM, .ncpus = 1, .no_reboot = true,
                                     .serial_out = e->null, .log = trace ? stderr : e->null,
                                     .trace = trace ? TRACE_EXEC | TRACE_INT : 0};
        char err[200];
        e->m = machine_create(&cfg, err, sizeof err);
        if (!e->m) {
            fprintf(stderr, "randenv: %s\n", err);
            fclose(e->null);
            e->null = NULL;
            return false;
        }
    }
    e->c = e->m->cpus[0];
    struct cpu *c = e->c;
    u8 b0 = renv_byte(d, len, 0);
    unsigned mode = b0 & 7;
    e->mode = mode;
    bool ring3 = (b0 & 0x08) || mode == RM_PROT32B || mode == RM_LONGB;
    bool paging = (b0 & 0x40) || mode == RM_PROT32B;
    bool is64 = mode == RM_LONG || mode == RM_LONGB || mode == RM_COMPAT;
    renv_tables(e, mode, paging);
    renv_handlers(e, mode);
    renv_state(e, mode, ring3, paging);

    u64 fl = c->rflags;
    if (b0 & 0x10) fl |= FL_IF;
    if (b0 & 0x20) fl |= FL_TF;
    u8 b1 = renv_byte(d, len, 1);
    if (b1 & 1) fl |= FL_DF;
    if (b1 & 2) fl |= FL_AC;
    if (b1 & 4) fl |= FL_NT;
    if (b1 & 8) fl |= FL_RF;
    if (b1 & 16) fl |= FL_VIF | FL_VIP;
    if (b1 & 32) fl |= FL_ID;
    fl |= (u64)(b1 >> 6) << 12;
    c->rflags = fl;

    u8 b2 = renv_byte(d, len, 2);
    if (b2 & 1) c->cr0 |= CR0_MP;
    if (b2 & 2) c->cr0 |= CR0_EM;
    if (b2 & 4) c->cr0 |= CR0_TS;
    if (b2 & 8) c->cr0 |= CR0_WP;
    if (b2 & 16) c->cr0 |= CR0_AM;
    if (b2 & 32) c->cr0 |= CR0_CD | CR0_NW;
    u16 cr4x = (u16)(renv_byte(d, len, 3) | renv_byte(d, len, 4) << 8);
    static const u32 cr4_bits[16] = {
        CR4_VME, CR4_PVI, CR4_TSD, CR4_DE, CR4_PSE, CR4_MCE, CR4_PGE, CR4_PCE,
        CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_UMIP, CR4_FSGSBASE, CR4_OSXSAVE, CR4_SMEP, CR4_SMAP,
        CR4_PCIDE,
    };
    for (int k = 0; k < 16; k++)
        if (cr4x >> k & 1) {
            /* PCIDE can only be set in IA-32e mode (SDM Vol. 3 4.10.1). */
            if (cr4_bits[k] == CR4_PCIDE && !is64) continue;
            c->cr4 |= cr4_bits[k];
        }
    for (int r = 0; r < 16; r++) {
        u8 b = renv_byte(d, len, 5 + r);
        if (r == RSP && b == 0) continue;
        c->r[r] = renv_reg_value(b);
    }

    size_t pos = 21;
    unsigned npatch = renv_byte(d, len, pos++) & 15;
    for (unsigned k = 0; k < npatch && pos < len; k++) {
        u8 t = renv_byte(d, len, pos);
        u64 v = 0;
        for (int b = 0; b < 8; b++) v |= (u64)renv_byte(d, len, pos + 1 + b) << (8 * b);
        renv_patch(e, t, v, is64);
        pos += 9;
    }
    if (pos < len) {
        size_t n = len - pos;
        if (n > RENV_MAX_CODE) n = RENV_MAX_CODE;
        phys_copy_in(e->m, RENV_CODE, d + pos, n);
    }
    c->stop_on_exception = false;
    c->halted = c->shutdown = false;
    c->wait_for_sipi = c->init_pending = c->sipi_pending = false;
    c->delivering = -1;
    c->check_events = true;
    tlb_flush_all(c);
    cpu_update_mode(c);
    return true;
}

static inline void renv_free(struct renv *e)
{
    machine_destroy(e->m);
    if (e->null) fclose(e->null);
    e->m = NULL;
    e->null = NULL;
}

/* How a run ended. */
enum renv_end { RE_BUDGET, RE_HALT, RE_SHUTDOWN, RE_STOP };

/* Run up to `budget` instructions, firing device timers between slices as machine_run
 * does, but bounded: a halted processor waits at most `max_idle_ns` of virtual time. */
static enum renv_end renv_run(struct renv *e, u64 budget)
{
    struct machine *m = e->m;
    struct cpu *c = e->c;
    u64 end = c->icount + budget;
    u64 idle = 0;
    for (int rounds = 0; rounds < 10000; rounds++) {
        if (m->stop != STOP_NONE || m->reset_requested) return c->shutdown ? RE_SHUTDOWN : RE_STOP;
        if (c->shutdown) return RE_SHUTDOWN;
        if (c->icount >= end) return RE_BUDGET;
        timer_fire_due(m);
        u64 next = timer_next_deadline(m);
        u64 slice = end - c->icount;
        if (next != TIME_NEVER && next - m->now < slice) slice = next > m->now ? next - m->now : 1;
        m->slice_end = m->now + slice;
        m->running = c;
        m->slice_start_time = cpu_time(c);
        c->deadline = c->icount + slice;
        cpu_exec(c);
        m->running = NULL;
        u64 ran = cpu_time(c) - m->slice_start_time;
        if (ran == 0) {
            /* Halted (or waiting): jump to the next timer, as machine_run does. */
            if (!(c->rflags & FL_IF) || next == TIME_NEVER || idle > 10000000) return RE_HALT;
            if (next > m->slice_end) m->slice_end = next;
            idle += m->slice_end - m->now;
        }
        m->now = m->slice_end;
        m->slice_end = TIME_NEVER;
    }
    return RE_BUDGET;
}

/* Architectural invariants that must hold between instructions whatever the guest did.
 * Returns NULL or a description of the first one broken. */
static const char *renv_check(struct cpu *c, char *buf, size_t n)
{
    /* After a triple fault the processor is in shutdown and its state is whatever the
     * failed delivery left (half-loaded task state, say): nothing to check. */
    if (c->shutdown) return NULL;
    const struct seg *cs = &c->seg[SEG_CS], *ss = &c->seg[SEG_SS];
    u64 f = cpu_get_rflags(c);
    bool pe = c->cr0 & CR0_PE, lma = c->efer & EFER_LMA;
    if (c->delivering != -1) return snprintf(buf, n, "delivering=%d after the run", c->delivering), buf;
    if (!(f & FL_FIXED1) || (f & (BIT(3) | BIT(5) | BIT(15) | ~0x3fffffull)))
        return snprintf(buf, n, "reserved RFLAGS bits: %#llx", (unsigned long long)f), buf;
    if (lma && (!(c->cr0 & CR0_PG) || !(c->cr4 & CR4_PAE) || !pe))
        return snprintf(buf, n, "LMA without PG/PAE/PE"), buf;
    if ((c->cr0 & CR0_PG) && !pe) return snprintf(buf, n, "PG without PE"), buf;
    enum cpu_mode want = !pe ? MODE_REAL : lma ? ((cs->ar & AR_L) ? MODE_LONG : MODE_COMPAT)
                                             : (f & FL_VM) ? MODE_V86 : MODE_PROT;
    if (c->mode != want) return snprintf(buf, n, "mode %d, state says %d", c->mode, want), buf;
    if ((f & FL_VM) && lma) return snprintf(buf, n, "VM set in IA-32e mode"), buf;
    if (c->mode == MODE_LONG) {
        if (!cpu_is_canonical(c, c->rip)) return snprintf(buf, n, "RIP %#llx not canonical", (unsigned long long)c->rip), buf;
    } else {
        if (c->rip > 0xffffffffull) return snprintf(buf, n, "RIP %#llx above 4 GiB outside 64-bit mode", (unsigned long long)c->rip), buf;
        /* Protected mode may hold EIP above 64 KiB in 16-bit code (a 32-bit gate or a task
         * switch put it there; the fetch then faults), real and v86 mode may not. */
        if ((c->mode == MODE_V86 || (c->mode == MODE_REAL && c->seg[SEG_CS].limit == 0xffff)) &&
            c->rip > 0x10000)
            return snprintf(buf, n, "IP %#llx beyond 64 KiB in %s mode", (unsigned long long)c->rip,
                            c->mode == MODE_V86 ? "v86" : "real"), buf;
    }
    if (c->mode == MODE_REAL && c->cpl != 0) return snprintf(buf, n, "CPL %u in real mode", c->cpl), buf;
    if (c->mode == MODE_V86) {
        if (c->cpl != 3) return snprintf(buf, n, "CPL %u in v86 mode", c->cpl), buf;
        for (int s = 0; s < 6; s++)
            if (c->seg[s].base != (u64)c->seg[s].sel << 4 || c->seg[s].limit != 0xffff)
                return snprintf(buf, n, "v86 segment %d: sel %#x base %#llx limit %#x", s, c->seg[s].sel,
                                (unsigned long long)c->seg[s].base, c->seg[s].limit), buf;
    }
    if (c->mode == MODE_PROT || c->mode == MODE_COMPAT || c->mode == MODE_LONG) {
        if ((cs->sel & 3) != c->cpl) return snprintf(buf, n, "CPL %u but CS.RPL %u", c->cpl, cs->sel & 3), buf;
        if (!(cs->ar & AR_P) || !(cs->ar & AR_S) || !(cs->ar & 8))
            return snprintf(buf, n, "CS cache not a present code segment: ar %#x", cs->ar), buf;
        if (!(ss->ar & AR_UNUSABLE)) {
            /* Not SS.RPL: SYSCALL loads STAR[47:32] + 8 as it is (SDM Vol. 2 SYSCALL). */
            if (((ss->ar & AR_DPL) >> AR_DPL_SHIFT) != c->cpl)
                return snprintf(buf, n, "CPL %u but SS sel %#x ar %#x", c->cpl, ss->sel, ss->ar), buf;
            if (!(ss->ar & AR_P) || (ss->ar & 0x1a) != 0x12)
                return snprintf(buf, n, "SS cache not a present writable data segment: ar %#x", ss->ar), buf;
        } else if (c->cpl == 3) {
            return snprintf(buf, n, "SS unusable at CPL 3"), buf;
        }
        /* A conforming CS may have DPL below CPL; otherwise DPL == CPL. */
        unsigned csdpl = (cs->ar & AR_DPL) >> AR_DPL_SHIFT;
        if ((cs->ar & 4) ? csdpl > c->cpl : csdpl != c->cpl)
            return snprintf(buf, n, "CPL %u with CS DPL %u ar %#x", c->cpl, csdpl, cs->ar), buf;
    }
    for (int s = 0; s < 8; s++) {
        const struct seg *g = &c->seg[s];
        if (g->ar & AR_UNUSABLE) continue;
        if ((g->ar & AR_G) && (g->limit & 0xfff) != 0xfff && c->mode != MODE_REAL)
            return snprintf(buf, n, "segment %d: G set but limit %#x", s, g->limit), buf;
        if (c->mode != MODE_LONG && g->base > 0xffffffffull && s < 6)
            return snprintf(buf, n, "segment %d base %#llx above 4 GiB", s, (unsigned long long)g->base), buf;
    }
    unsigned want_cs = c->mode == MODE_LONG ? 8 : (c->mode != MODE_V86 && (cs->ar & AR_DB)) ? 4 : 2;
    if (c->code_size != want_cs) return snprintf(buf, n, "code_size %u, CS says %u", c->code_size, want_cs), buf;
    return NULL;
}

#endif
