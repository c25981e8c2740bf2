/* Host-test harness: a machine with one processor put directly into real mode, 32-bit
 * flat protected mode or 64-bit mode (identity-mapped first GiB), running a snippet of
 * code until HLT. Exceptions stop the run and report their vector instead of going
 * through an IDT, so tests see exactly what the instruction raised. */
#ifndef VP_TEST_HARNESS_H
#define VP_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/cpumodel.h"
#include "machine/machine.h"

#define HARNESS_RAM (16u << 20)
#define HARNESS_GDT 0x1000u
#define HARNESS_PT 0x20000u    /* PML4, PDPT, PD: 0x20000, 0x21000, 0x22000 */
#define HARNESS_CODE 0x10000u  /* real mode: CS = 0x1000, IP = 0 */
#define HARNESS_STACK 0x80000u /* real mode: SS = 0x7000, SP = 0xfff0 */
#define HARNESS_DATA 0x200000u /* free memory for tests */

/* GDT selectors. */
enum { H_CODE32 = 0x08, H_DATA32 = 0x10, H_CODE64 = 0x18, H_CODE16 = 0x20, H_DATA16 = 0x28 };

struct harness {
    struct machine *m;
    struct cpu *c;
    enum cpu_mode mode;
};

static inline void harness_seg(struct cpu *c, int s, u16 sel, u64 base, u32 limit, u32 ar)
{
    c->seg[s].sel = sel;
    c->seg[s].base = base;
    c->seg[s].limit = limit;
    c->seg[s].ar = ar;
}

/* Put the processor in `mode` with flat segments, no IDT, interrupts off. */
static inline void harness_set_mode(struct harness *h, enum cpu_mode mode)
{
    struct cpu *c = h->c;
    h->mode = mode;
    c->rflags = FL_FIXED1;
    c->lf.op = 0;
    c->efer = 0;
    c->cr4 = 0;
    c->cr0 = CR0_ET | CR0_NE;
    c->cpl = 0;
    c->idtr.base = 0;
    c->idtr.limit = 0;
    c->gdtr.base = HARNESS_GDT;
    c->gdtr.limit = 6 * 8 - 1;
    if (mode == MODE_REAL) {
        harness_seg(c, SEG_CS, HARNESS_CODE >> 4, HARNESS_CODE, 0xffff, 0x9b);
        for (int s = 0; s < 6; s++)
            if (s != SEG_CS) harness_seg(c, s, 0, 0, 0xffff, 0x93);
        harness_seg(c, SEG_SS, (HARNESS_STACK - 0x10000) >> 4, HARNESS_STACK - 0x10000, 0xffff, 0x93);
        c->r[RSP] = 0xfff0;
    } else {
        c->cr0 |= CR0_PE;
        u32 code_ar = 0x9b | AR_DB | AR_G, data_ar = 0x93 | AR_DB | AR_G;
        if (mode == MODE_LONG) {
            c->cr4 |= CR4_PAE;
            c->cr3 = HARNESS_PT;
            c->efer = EFER_LME | EFER_LMA;
            c->cr0 |= CR0_PG;
            harness_seg(c, SEG_CS, H_CODE64, 0, 0xffffffff, 0x9b | AR_L | AR_G);
        } else {
            harness_seg(c, SEG_CS, H_CODE32, 0, 0xffffffff, code_ar);
        }
        for (int s = 0; s < 6; s++)
            if (s != SEG_CS) harness_seg(c, s, H_DATA32, 0, 0xffffffff, data_ar);
        c->r[RSP] = HARNESS_STACK;
    }
    harness_seg(c, SEG_LDTR, 0, 0, 0xffff, 0x82);
    harness_seg(c, SEG_TR, 0, 0, 0xffff, 0x8b);
    tlb_flush_all(c);
    cpu_update_mode(c);
}

static inline struct harness *harness_new(enum cpu_mode mode)
{
    struct machine_config cfg = {.ram_size = HARNESS_RAM, .ncpus = 1, .no_reboot = true};
    char err[200];
    struct harness *h = calloc(1, sizeof *h);
    h->m = machine_create(&cfg, err, sizeof err);
    if (!h->m) {
        fprintf(stderr, "harness: %s\n", err);
        exit(2);
    }
    h->c = h->m->cpus[0];
    /* GDT: null, code32, data32, code64, code16, data16. */
    static const u64 gdt[6] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
                               0x00af9b000000ffffull, 0x00009b000000ffffull, 0x000093000000ffffull};
    phys_copy_in(h->m, HARNESS_GDT, gdt, sizeof gdt);
    /* Identity map of the first GiB with 2 MiB pages, writable, user. */
    u64 pml4 = (HARNESS_PT + 0x1000) | 7, pdpt = (HARNESS_PT + 0x2000) | 7;
    phys_copy_in(h->m, HARNESS_PT, &pml4, 8);
    phys_copy_in(h->m, HARNESS_PT + 0x1000, &pdpt, 8);
    for (u64 k = 0; k < 512; k++) {
        u64 pde = (k << 21) | 0x87;
        phys_copy_in(h->m, HARNESS_PT + 0x2000 + k * 8, &pde, 8);
    }
    h->c->stop_on_exception = true;
    harness_set_mode(h, mode);
    return h;
}

/* Switch a CPU feature off (or back on) as "-cpu MODEL,-feature" would. */
static inline void harness_feature(struct harness *h, enum feature f, bool on)
{
    u32 bit = 1u << (f % 32);
    if (on) {
        h->m->features_on[f / 32] |= bit;
        h->m->features_off[f / 32] &= ~bit;
    } else {
        h->m->features_off[f / 32] |= bit;
        h->m->features_on[f / 32] &= ~bit;
    }
    machine_features_changed(h->m);
}

static inline void harness_free(struct harness *h)
{
    machine_destroy(h->m);
    free(h);
}

/* Run the code at HARNESS_CODE for at most max_insns instructions.
 * Returns -1 when HLT was reached, the vector of an exception that stopped it, or -2 if
 * the instruction budget ran out. */
static inline int harness_resume(struct harness *h, u64 max_insns)
{
    struct cpu *c = h->c;
    c->rip = h->mode == MODE_REAL ? 0 : HARNESS_CODE;
    c->halted = c->shutdown = false;
    c->last_exception = -1;
    c->deadline = c->icount + max_insns;
    h->m->running = c;
    h->m->slice_start_time = cpu_time(c);
    cpu_exec(c);
    h->m->running = NULL;
    if (c->shutdown && c->last_exception >= 0) return c->last_exception;
    if (c->halted) return -1;
    return -2;
}

/* Copy code in (HLT is appended) and run it as harness_resume does. A test that runs the
 * same code again without storing to it calls harness_resume. */
static inline int harness_run(struct harness *h, const void *code, size_t len, u64 max_insns)
{
    static const u8 hlt = 0xf4;
    phys_copy_in(h->m, HARNESS_CODE, code, len);
    phys_copy_in(h->m, HARNESS_CODE + len, &hlt, 1);
    return harness_resume(h, max_insns);
}

#endif
