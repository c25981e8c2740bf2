/* Host tests: segment-register loads and their protection checks (MOV/POP Sreg, LSS/LFS,
 * LAR/LSL/VERR/VERW, ARPL) in real, protected and 64-bit mode. */
#include "test_seg_util.h"

/* Load `sel` into ES with MOV and return the exception vector (or -1/#UD at the HLT). */
static int mov_es(struct harness *h, u16 sel)
{
    u8 code[] = {0x66, 0xb8, (u8)sel, (u8)(sel >> 8), 0x8e, 0xc0}; /* mov ax, sel; mov es, ax */
    return RUN(h, code);
}
static int mov_ss(struct harness *h, u16 sel)
{
    u8 code[] = {0x66, 0xb8, (u8)sel, (u8)(sel >> 8), 0x8e, 0xd0}; /* mov ax, sel; mov ss, ax */
    return RUN(h, code);
}

static void test_mov_checks(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;

    /* A not-yet-accessed data segment: loaded, accessed bit written back. */
    gdt_set(h, T_SPARE, mkseg(0x1000, 0xfff, 0x2, 0, 0x4));
    int r = mov_es(h, T_SPARE);
    CHECK("seg.mov_es.ok", t_done(r), "r=%d", r);
    CHECK_EQ("seg.mov_es.sel", c->seg[SEG_ES].sel, T_SPARE);
    CHECK_EQ("seg.mov_es.base", c->seg[SEG_ES].base, 0x1000);
    CHECK_EQ("seg.mov_es.limit", c->seg[SEG_ES].limit, 0xfff);
    CHECK_EQ("seg.mov_es.ar", c->seg[SEG_ES].ar, 0x4093);
    CHECK("seg.mov_es.accessed", gdt_get(h, T_SPARE) & DESC_ACCESSED_BIT, "accessed bit clear");

    r = mov_es(h, 0x400);
    CHECK_EQ("seg.mov_es.beyond_gdt", r, EXC_GP);
    CHECK_EQ("seg.mov_es.beyond_gdt.err", c->exc_error, 0x400);

    gdt_set(h, T_SPARE, mkseg(0, 0xfffff, 0x3, 0, 0xc) & ~(1ull << 47));
    r = mov_es(h, T_SPARE);
    CHECK_EQ("seg.mov_es.not_present", r, EXC_NP);
    CHECK_EQ("seg.mov_es.not_present.err", c->exc_error, T_SPARE);

    gdt_set(h, T_SPARE, mkseg(0, 0xfffff, 0x9, 0, 0xc)); /* execute-only code */
    r = mov_es(h, T_SPARE);
    CHECK_EQ("seg.mov_es.exec_only", r, EXC_GP);
    CHECK_EQ("seg.mov_es.exec_only.err", c->exc_error, T_SPARE);

    r = mov_es(h, H_DATA32 | 3); /* RPL 3 > DPL 0 */
    CHECK_EQ("seg.mov_es.rpl", r, EXC_GP);
    CHECK_EQ("seg.mov_es.rpl.err", c->exc_error, H_DATA32);

    r = mov_es(h, 0);
    CHECK("seg.mov_es.null", t_done(r), "r=%d", r);
    CHECK("seg.mov_es.null.unusable", c->seg[SEG_ES].ar & AR_UNUSABLE, "ar=%x", c->seg[SEG_ES].ar);

    r = mov_ss(h, 0);
    CHECK_EQ("seg.mov_ss.null", r, EXC_GP);
    CHECK_EQ("seg.mov_ss.null.err", c->exc_error, 0);

    r = mov_ss(h, T_DATA3);
    CHECK_EQ("seg.mov_ss.rpl", r, EXC_GP);
    CHECK_EQ("seg.mov_ss.rpl.err", c->exc_error, T_DATA3 & ~3);

    gdt_set(h, T_SPARE, mkseg(0, 0xfffff, 0x3, 0, 0xc) & ~(1ull << 47));
    r = mov_ss(h, T_SPARE);
    CHECK_EQ("seg.mov_ss.not_present", r, EXC_SS);
    CHECK_EQ("seg.mov_ss.not_present.err", c->exc_error, T_SPARE);

    gdt_set(h, T_SPARE, mkseg(0, 0xfffff, 0x1, 0, 0xc)); /* read-only data */
    r = mov_ss(h, T_SPARE);
    CHECK_EQ("seg.mov_ss.readonly", r, EXC_GP);

    /* LDT selector with no LDT. */
    c->seg[SEG_LDTR].ar = AR_UNUSABLE;
    r = mov_es(h, 0x0c);
    CHECK_EQ("seg.mov_es.no_ldt", r, EXC_GP);
    CHECK_EQ("seg.mov_es.no_ldt.err", c->exc_error, 0x0c);

    /* An LDT with one data segment at index 1. */
    u64 ldt[2] = {0, mkseg(0x5000, 0xffff, 0x3, 0, 0)};
    phys_copy_in(h->m, 0x6000, ldt, sizeof ldt);
    gdt_set(h, T_SPARE + 8, mksys(0x6000, 15, DT_LDT, 0));
    seg_from_descriptor(&c->seg[SEG_LDTR], T_SPARE + 8, gdt_get(h, T_SPARE + 8));
    r = mov_es(h, 0x0c);
    CHECK("seg.mov_es.ldt", t_done(r), "r=%d", r);
    CHECK_EQ("seg.mov_es.ldt.base", c->seg[SEG_ES].base, 0x5000);
    r = mov_es(h, 0x14);
    CHECK_EQ("seg.mov_es.ldt_limit", r, EXC_GP);
    CHECK_EQ("seg.mov_es.ldt_limit.err", c->exc_error, 0x14);
    harness_free(h);
}

static void test_probes(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    /* mov ax,0x33; lar ebx,ax; lsl ecx,ax; verr ax; setz dl; verw ax; setz dh */
    static const u8 code[] = {0x66, 0xb8, 0x33, 0x00, 0x0f, 0x02, 0xd8, 0x0f, 0x03, 0xc8, 0x0f,
                              0x00, 0xe0, 0x0f, 0x94, 0xc2, 0x0f, 0x00, 0xe8, 0x0f, 0x94, 0xc6};
    c->r[RDX] = 0xffff;
    int r = RUN(h, code);
    CHECK("seg.probe.ran", t_done(r), "r=%d", r);
    CHECK_EQ("seg.lar.value", c->r[RBX], 0x00c0fb00);
    CHECK_EQ("seg.lsl.value", c->r[RCX], 0xffffffff);
    CHECK_EQ("seg.verr.code_readable", c->r[RDX] & 0xff, 1);
    CHECK_EQ("seg.verw.code", (c->r[RDX] >> 8) & 0xff, 0);

    /* At CPL 3 a DPL-0 segment is invisible: LAR clears ZF and leaves the register. */
    t_ring3(h);
    static const u8 code3[] = {0xbb, 0x78, 0x56, 0x34, 0x12, 0x66, 0xb8, 0x10, 0x00, 0x0f,
                               0x02, 0xd8, 0x0f, 0x94, 0xc1};
    /* mov ebx,0x12345678; mov ax,0x10; lar ebx,ax; setz cl */
    c->r[RCX] = 0xff;
    r = RUN(h, code3);
    CHECK("seg.lar3.ran", t_done(r) || r == EXC_GP, "r=%d", r);
    CHECK_EQ("seg.lar3.unchanged", c->r[RBX], 0x12345678);
    CHECK_EQ("seg.lar3.zf", c->r[RCX] & 0xff, 0);
    harness_free(h);
}

static void test_stack_and_far_pointer_loads(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    /* push 0x10; pop ss; push ds; pop fs */
    static const u8 popss[] = {0x6a, 0x10, 0x17, 0x1e, 0x0f, 0xa1};
    c->seg[SEG_FS].sel = 0;
    int r = RUN(h, popss);
    CHECK("seg.pop_ss.ran", t_done(r), "r=%d", r);
    CHECK_EQ("seg.pop_fs.sel", c->seg[SEG_FS].sel, H_DATA32);
    CHECK_EQ("seg.pop.esp", c->r[RSP], HARNESS_STACK);

    /* lss esp, [0x200000]; lfs eax, [0x200008] */
    static const u8 lss[] = {0x0f, 0xb2, 0x25, 0x00, 0x00, 0x20, 0x00,
                             0x0f, 0xb4, 0x05, 0x08, 0x00, 0x20, 0x00};
    pwrite(h, 0x200000, 4, 0x12345678);
    pwrite(h, 0x200004, 2, H_DATA32);
    pwrite(h, 0x200008, 4, 0xabcd);
    pwrite(h, 0x20000c, 2, T_DATA3);
    r = RUN(h, lss);
    CHECK("seg.lss.ran", t_done(r), "r=%d", r);
    CHECK_EQ("seg.lss.esp", c->r[RSP], 0x12345678);
    CHECK_EQ("seg.lfs.eax", c->r[RAX], 0xabcd);
    CHECK_EQ("seg.lfs.fs", c->seg[SEG_FS].sel, T_DATA3);

    /* A failing LFS leaves the destination register alone. */
    c->r[RSP] = HARNESS_STACK;
    pwrite(h, 0x20000c, 2, 0x400);
    c->r[RAX] = 0x55;
    static const u8 lfs[] = {0x0f, 0xb4, 0x05, 0x08, 0x00, 0x20, 0x00};
    r = RUN(h, lfs);
    CHECK_EQ("seg.lfs.fault", r, EXC_GP);
    CHECK_EQ("seg.lfs.fault.eax", c->r[RAX], 0x55);

    /* mov ax,0x10; mov bx,3; arpl ax,bx */
    static const u8 arpl[] = {0x66, 0xb8, 0x10, 0x00, 0x66, 0xbb, 0x03, 0x00, 0x63, 0xd8};
    r = RUN(h, arpl);
    CHECK("seg.arpl.ran", t_done(r), "r=%d", r);
    CHECK_EQ("seg.arpl.value", c->r[RAX] & 0xffff, 0x13);
    CHECK("seg.arpl.zf", cpu_get_rflags(c) & FL_ZF, "ZF clear");

    /* mov eax,-1; mov eax,ds: the register gets the selector zero-extended. */
    static const u8 movr[] = {0xb8, 0xff, 0xff, 0xff, 0xff, 0x8c, 0xd8};
    r = RUN(h, movr);
    CHECK_EQ("seg.mov_r32_sreg", c->r[RAX], H_DATA32);
    harness_free(h);
}

static void test_real_and_long(void)
{
    struct harness *h = t_new(MODE_REAL);
    struct cpu *c = h->c;
    /* mov ax,0x1234; mov es,ax; push es; pop ds */
    static const u8 real[] = {0xb8, 0x34, 0x12, 0x8e, 0xc0, 0x06, 0x1f};
    int r = RUN(h, real);
    CHECK("seg.real.ran", t_done(r), "r=%d", r);
    CHECK_EQ("seg.real.es_base", c->seg[SEG_ES].base, 0x12340);
    CHECK_EQ("seg.real.ds_base", c->seg[SEG_DS].base, 0x12340);
    CHECK_EQ("seg.real.sp", c->r[RSP], 0xfff0);
    harness_free(h);

    h = t_new(MODE_LONG);
    c = h->c;
    /* xor eax,eax; mov ss,eax — a null SS is fine at CPL 0 in 64-bit mode */
    static const u8 ss64[] = {0x31, 0xc0, 0x8e, 0xd0};
    r = RUN(h, ss64);
    CHECK("seg.long.null_ss", t_done(r), "r=%d", r);
    CHECK("seg.long.null_ss.unusable", c->seg[SEG_SS].ar & AR_UNUSABLE, "ar=%x", c->seg[SEG_SS].ar);
    /* but not with RPL != CPL */
    static const u8 ss64b[] = {0xb8, 0x03, 0x00, 0x00, 0x00, 0x8e, 0xd0};
    r = RUN(h, ss64b);
    CHECK_EQ("seg.long.null_ss_rpl", r, EXC_GP);
    harness_free(h);
}

int main(void)
{
    test_mov_checks();
    test_probes();
    test_stack_and_far_pointer_loads();
    test_real_and_long();
    return check_exit();
}
