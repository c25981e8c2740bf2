/* Host tests: system instructions run through the executor: MOV CR/DR rules, entering
 * IA-32e mode, CR8, UMIP, TSD, RDRAND, SYSCALL/SYSRET, SYSENTER/SYSEXIT, IN/OUT with the
 * TSS permission bitmap, descriptor-table loads and stores, LTR, CLAC/STAC, INVPCID,
 * CPUID, and the x87/SSE state instructions (FXSAVE/FXRSTOR, LDMXCSR, SSE moves). */
#include "check.h"
#include "harness.h"
#include "cpu/cpumodel.h"
#include "cpu/fpu.h"

#define RUN(h, code) harness_run(h, code, sizeof code, 1000)
#define D32(x) (u8)(x), (u8)((x) >> 8), (u8)((x) >> 16), (u8)((x) >> 24)

static u64 pr(struct harness *h, u64 pa, unsigned size)
{
    u64 v = 0;
    phys_copy_out(h->m, pa, &v, size);
    return v;
}
static void pw(struct harness *h, u64 pa, unsigned size, u64 v) { phys_copy_in(h->m, pa, &v, size); }

static void set_cpl3(struct cpu *c)
{
    c->cpl = 3;
    cpu_update_mode(c);
}

static void test_cr(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    harness_feature(h, FEAT_VMX, false);
    /* mov eax, PAE|VMXE; mov cr4, rax: VMX is not offered, so VMXE is reserved. */
    static const u8 vmxe[] = {0xb8, D32(0x2020), 0x0f, 0x22, 0xe0};
    CHECK_EQ("cr.cr4.vmxe_reserved", RUN(h, vmxe), EXC_GP);
    /* Clearing CR4.PAE in IA-32e mode. */
    static const u8 nopae[] = {0x31, 0xc0, 0x0f, 0x22, 0xe0};
    CHECK_EQ("cr.cr4.clear_pae_long", RUN(h, nopae), EXC_GP);
    /* PCIDE with CR3[11:0] = 0, then a CR3 with PCID 5. */
    static const u8 pcide[] = {0xb8, D32(0x20020), 0x0f, 0x22, 0xe0,
                               0xb8, D32(HARNESS_PT | 5), 0x0f, 0x22, 0xd8};
    CHECK_EQ("cr.cr4.pcide", RUN(h, pcide), -1);
    CHECK_EQ("cr.cr4.pcide.value", c->cr4, CR4_PAE | CR4_PCIDE);
    CHECK_EQ("cr.cr3.pcid", c->cr3, HARNESS_PT | 5);
    /* Clearing CR0.PG in 64-bit mode: mov rax,cr0; btr eax,31; mov cr0,rax */
    static const u8 nopg[] = {0x0f, 0x20, 0xc0, 0x0f, 0xba, 0xf0, 0x1f, 0x0f, 0x22, 0xc0};
    CHECK_EQ("cr.cr0.clear_pg_64", RUN(h, nopg), EXC_GP);
    /* PCIDE cannot be set with a nonzero CR3[11:0]. */
    c->cr4 = CR4_PAE;
    c->cr3 = HARNESS_PT | 1;
    CHECK_EQ("cr.cr4.pcide_cr3_low_bits", RUN(h, pcide), EXC_GP);
    c->cr3 = HARNESS_PT;
    /* CR3 bits above MAXPHYADDR (39 on Skylake): mov rax, 1<<50 | PT; mov cr3, rax */
    static const u8 cr3hi[] = {0x48, 0xb8, D32(HARNESS_PT), D32(0x40000), 0x0f, 0x22, 0xd8};
    CHECK_EQ("cr.cr3.reserved", RUN(h, cr3hi), EXC_GP);
    /* CR8: mov eax,5; mov cr8,rax; mov eax,16; mov cr8,rax */
    static const u8 cr8[] = {0xb8, D32(5), 0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20, 0xc1,
                             0xb8, D32(16), 0x44, 0x0f, 0x22, 0xc0};
    CHECK_EQ("cr.cr8.reserved", RUN(h, cr8), EXC_GP);
    CHECK_EQ("cr.cr8.value", c->cr8, 5);
    CHECK_EQ("cr.cr8.read", c->r[RCX], 5);
    static const u8 cr1[] = {0x0f, 0x22, 0xc8};
    CHECK_EQ("cr.cr1_ud", RUN(h, cr1), EXC_UD);
    set_cpl3(c);
    static const u8 rdcr0[] = {0x0f, 0x20, 0xc0};
    CHECK_EQ("cr.cpl3_gp", RUN(h, rdcr0), EXC_GP);
    /* SMSW at CPL 3 works without UMIP and faults with it. */
    static const u8 smsw[] = {0x0f, 0x01, 0xe0};
    c->r[RAX] = 0;
    RUN(h, smsw); /* the trailing HLT faults at CPL 3, after SMSW ran */
    CHECK_EQ("cr.smsw.cpl3.rip", c->rip, HARNESS_CODE + 3);
    CHECK_EQ("cr.smsw.cpl3.value", c->r[RAX], c->cr0 & 0xffffffff);
    c->cr4 |= CR4_UMIP;
    CHECK_EQ("cr.smsw.umip", RUN(h, smsw), EXC_GP);
    static const u8 sgdt[] = {0x0f, 0x01, 0x04, 0x25, D32(HARNESS_DATA)};
    CHECK_EQ("cr.sgdt.umip", RUN(h, sgdt), EXC_GP);
    c->cr4 &= ~(u64)CR4_UMIP;
    /* RDTSC with CR4.TSD at CPL 3. */
    c->cr4 |= CR4_TSD;
    static const u8 rdtsc[] = {0x0f, 0x31};
    CHECK_EQ("cr.rdtsc.tsd", RUN(h, rdtsc), EXC_GP);
    c->cr4 &= ~(u64)CR4_TSD;
    RUN(h, rdtsc);
    CHECK_EQ("cr.rdtsc.user", c->rip, HARNESS_CODE + 2);
    harness_free(h);
}

static void test_dr(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    static const u8 rddr4[] = {0x0f, 0x21, 0xe0}; /* mov rax, dr4 */
    CHECK_EQ("dr.dr4_alias", RUN(h, rddr4), -1);
    CHECK_EQ("dr.dr4_alias.value", c->r[RAX], 0xffff0ff0);
    c->cr4 |= CR4_DE;
    CHECK_EQ("dr.dr4_de_ud", RUN(h, rddr4), EXC_UD);
    c->cr4 &= ~(u64)CR4_DE;
    /* mov rax, 1<<32; mov dr7, rax */
    static const u8 dr7hi[] = {0x48, 0xb8, D32(0), D32(1), 0x0f, 0x23, 0xf8};
    CHECK_EQ("dr.dr7_high_gp", RUN(h, dr7hi), EXC_GP);
    /* mov eax, 0x2ff01; mov dr7, rax: fixed bits applied */
    static const u8 dr7[] = {0xb8, D32(0xfff01), 0x0f, 0x23, 0xf8};
    CHECK_EQ("dr.dr7_write", RUN(h, dr7), -1);
    CHECK_EQ("dr.dr7_value", c->dr[7], 0xf2701);
    c->dr[7] |= BIT(13);
    static const u8 rddr0[] = {0x0f, 0x21, 0xc0};
    CHECK_EQ("dr.gd_db", RUN(h, rddr0), EXC_DB);
    CHECK("dr.gd_bd", (c->dr[6] & BIT(13)) && !(c->dr[7] & BIT(13)), "dr6 %#llx dr7 %#llx",
          (unsigned long long)c->dr[6], (unsigned long long)c->dr[7]);
    harness_free(h);
}

/* Protected mode -> IA-32e mode through EFER.LME and CR0.PG; PG without PE in real mode. */
static void test_enter_long(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    c->cr4 = CR4_PAE;
    c->cr3 = HARNESS_PT;
    /* mov ecx,EFER; mov eax,LME; xor edx,edx; wrmsr; mov eax,cr0; or eax,PG; mov cr0,eax */
    static const u8 code[] = {0xb9, D32(0xc0000080), 0xb8, D32(0x100), 0x31, 0xd2, 0x0f, 0x30,
                              0x0f, 0x20, 0xc0, 0x0d, D32(0x80000000), 0x0f, 0x22, 0xc0};
    CHECK_EQ("cr.enter_long.run", RUN(h, code), -1);
    CHECK_EQ("cr.enter_long.lma", c->efer, EFER_LME | EFER_LMA);
    CHECK_EQ("cr.enter_long.compat", c->mode, MODE_COMPAT);
    /* Paging with LME but without PAE. */
    harness_set_mode(h, MODE_PROT);
    c->cr3 = HARNESS_PT;
    CHECK_EQ("cr.enter_long.no_pae", RUN(h, code), EXC_GP);
    harness_free(h);

    h = harness_new(MODE_REAL);
    /* mov eax, 0x80000000; mov cr0, eax */
    static const u8 pg[] = {0x66, 0xb8, D32(0x80000010), 0x0f, 0x22, 0xc0};
    CHECK_EQ("cr.pg_without_pe", RUN(h, pg), EXC_GP);
    static const u8 nw[] = {0x66, 0xb8, D32(0x20000010), 0x0f, 0x22, 0xc0};
    CHECK_EQ("cr.nw_without_cd", RUN(h, nw), EXC_GP);
    harness_free(h);
}

static void test_fast_calls(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    /* 0: syscall; 2: jmp +6; 4: mov rbx,rcx; 7: sysretq; 10: hlt (CPL 3 -> #GP) */
    static const u8 sc[] = {0x0f, 0x05, 0xeb, 0x06, 0x48, 0x89, 0xcb, 0x48, 0x0f, 0x07};
    CHECK_EQ("syscall.sce_off_ud", RUN(h, sc), EXC_UD);
    c->efer |= EFER_SCE;
    c->star = (0x10ull << 48) | (0x08ull << 32);
    c->lstar = HARNESS_CODE + 4;
    c->sfmask = FL_IF | FL_DF;
    c->rflags |= FL_DF;
    CHECK_EQ("syscall.roundtrip", RUN(h, sc), EXC_GP);
    CHECK_EQ("syscall.rcx", c->r[RBX], HARNESS_CODE + 2);
    CHECK_EQ("syscall.r11_df", c->r[R11] & FL_DF, FL_DF);
    CHECK_EQ("sysret.cpl", c->cpl, 3);
    CHECK_EQ("sysret.cs", c->seg[SEG_CS].sel, 0x23);
    CHECK_EQ("sysret.ss", c->seg[SEG_SS].sel, 0x1b);
    CHECK_EQ("sysret.rip", c->rip, HARNESS_CODE + 10);
    CHECK_EQ("sysret.mode", c->mode, MODE_LONG);
    CHECK_EQ("sysret.df_restored", cpu_get_rflags(c) & FL_DF, FL_DF);
    harness_free(h);

    h = harness_new(MODE_PROT);
    c = h->c;
    c->efer |= EFER_SCE;
    CHECK_EQ("syscall.legacy_ud", RUN(h, sc), EXC_UD);
    /* mov edx,target; mov ecx,0x5000; sysenter; [12] sysexit; [14] hlt */
    static const u8 se[] = {0xba, D32(HARNESS_CODE + 14), 0xb9, D32(0x5000), 0x0f, 0x34, 0x0f, 0x35};
    CHECK_EQ("sysenter.cs_zero_gp", RUN(h, se), EXC_GP);
    c->sysenter_cs = 0x08;
    c->sysenter_eip = HARNESS_CODE + 12;
    c->sysenter_esp = 0x7000;
    CHECK_EQ("sysenter.roundtrip", RUN(h, se), EXC_GP);
    CHECK_EQ("sysexit.cpl", c->cpl, 3);
    CHECK_EQ("sysexit.cs", c->seg[SEG_CS].sel, 0x1b);
    CHECK_EQ("sysexit.ss", c->seg[SEG_SS].sel, 0x23);
    CHECK_EQ("sysexit.esp", c->r[RSP], 0x5000);
    CHECK_EQ("sysexit.rip", c->rip, HARNESS_CODE + 14);
    harness_free(h);
}

static void test_io(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 in80[] = {0xe4, 0x80};
    static const u8 in81[] = {0xe4, 0x81};
    static const u8 outdx[] = {0x66, 0xba, 0x7f, 0x00, 0x66, 0xef}; /* mov dx,0x7f; out dx,ax */
    CHECK_EQ("io.cpl0", RUN(h, in80), -1);
    set_cpl3(c);
    CHECK_EQ("io.cpl3_no_bitmap", RUN(h, in80), EXC_GP);
    /* A 32-bit TSS at 0x3000 whose bitmap (offset 0x68) allows only port 0x80. */
    for (u64 k = 0; k < 0x20; k++) pw(h, 0x3000 + 0x68 + k, 1, 0xff);
    pw(h, 0x3000 + 0x66, 2, 0x68);
    pw(h, 0x3000 + 0x68 + 0x10, 1, 0xfe);
    c->seg[SEG_TR].base = 0x3000;
    c->seg[SEG_TR].limit = 0x68 + 0x11;
    c->seg[SEG_TR].ar = 0x8b;
    CHECK_EQ("io.bitmap_allows", RUN(h, in80), EXC_GP); /* the trailing HLT faults */
    CHECK_EQ("io.bitmap_allows.rip", c->rip, HARNESS_CODE + 2);
    CHECK_EQ("io.bitmap_denies", RUN(h, in81), EXC_GP);
    CHECK_EQ("io.bitmap_denies.rip", c->rip, HARNESS_CODE);
    /* Port 0x7f-0x80 word: bit for 0x7f is set. */
    CHECK_EQ("io.bitmap_word_straddle", RUN(h, outdx), EXC_GP);
    CHECK_EQ("io.bitmap_word_straddle.rip", c->rip, HARNESS_CODE + 4);
    pw(h, 0x3000 + 0x68 + 0x0f, 1, 0x7f);
    CHECK_EQ("io.bitmap_word_ok", RUN(h, outdx), EXC_GP);
    CHECK_EQ("io.bitmap_word_ok.rip", c->rip, HARNESS_CODE + 6);
    /* IOPL 3 bypasses the bitmap in protected mode. */
    c->rflags |= FL_IOPL;
    CHECK_EQ("io.iopl3", RUN(h, in81), EXC_GP);
    CHECK_EQ("io.iopl3.rip", c->rip, HARNESS_CODE + 2);
    harness_free(h);
}

static void test_tables(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    /* sgdt [DATA]; lidt [DATA+16] */
    pw(h, HARNESS_DATA + 16, 2, 0x1ff);
    pw(h, HARNESS_DATA + 18, 8, 0xffff800000001000ull);
    static const u8 dt[] = {0x0f, 0x01, 0x04, 0x25, D32(HARNESS_DATA), 0x0f, 0x01, 0x1c, 0x25, D32(HARNESS_DATA + 16)};
    CHECK_EQ("dt.run", RUN(h, dt), -1);
    CHECK_EQ("dt.sgdt.limit", pr(h, HARNESS_DATA, 2), 6 * 8 - 1);
    CHECK_EQ("dt.sgdt.base", pr(h, HARNESS_DATA + 2, 8), HARNESS_GDT);
    CHECK_EQ("dt.lidt.limit", c->idtr.limit, 0x1ff);
    CHECK_EQ("dt.lidt.base", c->idtr.base, 0xffff800000001000ull);
    harness_free(h);

    h = harness_new(MODE_PROT);
    c = h->c;
    /* A TSS descriptor at selector 0x30, then ltr ax. */
    u64 tss = 0x67 | (0x3000ull << 16) | (0x89ull << 40);
    pw(h, HARNESS_GDT + 0x30, 8, tss);
    c->gdtr.limit = 0x37;
    static const u8 ltr[] = {0xb8, D32(0x30), 0x0f, 0x00, 0xd8, 0x0f, 0x00, 0xcb}; /* ltr ax; str ebx */
    CHECK_EQ("dt.ltr", RUN(h, ltr), -1);
    CHECK_EQ("dt.ltr.sel", c->seg[SEG_TR].sel, 0x30);
    CHECK_EQ("dt.ltr.base", c->seg[SEG_TR].base, 0x3000);
    CHECK_EQ("dt.ltr.busy_in_gdt", (pr(h, HARNESS_GDT + 0x35, 1) & 0xf), 0xb);
    CHECK_EQ("dt.str", c->r[RBX], 0x30);
    CHECK_EQ("dt.ltr.busy_gp", RUN(h, ltr), EXC_GP);
    static const u8 lldt_null[] = {0x31, 0xc0, 0x0f, 0x00, 0xd0};
    CHECK_EQ("dt.lldt_null", RUN(h, lldt_null), -1);
    CHECK_EQ("dt.lldt_null.unusable", c->seg[SEG_LDTR].ar & AR_UNUSABLE, AR_UNUSABLE);
    static const u8 lldt_tss[] = {0xb8, D32(0x30), 0x0f, 0x00, 0xd0};
    CHECK_EQ("dt.lldt_wrong_type", RUN(h, lldt_tss), EXC_GP);
    CHECK_EQ("dt.lldt_wrong_type.err", c->exc_error, 0x30);
    harness_free(h);

    h = harness_new(MODE_REAL);
    CHECK_EQ("dt.ltr_real_ud", RUN(h, ltr), EXC_UD);
    harness_free(h);
}

static void test_misc(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    /* cpuid leaf 0 */
    static const u8 cpuid[] = {0x31, 0xc0, 0x0f, 0xa2};
    CHECK_EQ("misc.cpuid", RUN(h, cpuid), -1);
    CHECK_EQ("misc.cpuid.ebx", c->r[RBX], 0x756e6547);
    /* rdrand eax; setc bl */
    static const u8 rdrand[] = {0x0f, 0xc7, 0xf0, 0x0f, 0x92, 0xc3};
    u64 seed = c->rdrand_state;
    CHECK_EQ("misc.rdrand", RUN(h, rdrand), -1);
    u64 first = c->r[RAX];
    CHECK_EQ("misc.rdrand.cf", c->r[RBX] & 0xff, 1);
    c->rdrand_state = seed;
    RUN(h, rdrand);
    CHECK_EQ("misc.rdrand.deterministic", c->r[RAX], first);
    /* clac; stac */
    static const u8 stac[] = {0x0f, 0x01, 0xcb};
    static const u8 clac[] = {0x0f, 0x01, 0xca};
    CHECK_EQ("misc.stac", RUN(h, stac), -1);
    CHECK_EQ("misc.stac.ac", cpu_get_rflags(c) & FL_AC, FL_AC);
    CHECK_EQ("misc.clac", RUN(h, clac), -1);
    CHECK_EQ("misc.clac.ac", cpu_get_rflags(c) & FL_AC, 0);
    h->m->cpu_model = cpu_model_lookup("core2");
    CHECK_EQ("misc.clac.core2_ud", RUN(h, clac), EXC_UD);
    h->m->cpu_model = 0;
    /* invpcid rax=4 (invalid type), [DATA] */
    static const u8 invpcid[] = {0xb8, D32(4), 0x66, 0x0f, 0x38, 0x82, 0x04, 0x25, D32(HARNESS_DATA)};
    CHECK_EQ("misc.invpcid_bad_type", RUN(h, invpcid), EXC_GP);
    static const u8 invpcid2[] = {0xb8, D32(2), 0x66, 0x0f, 0x38, 0x82, 0x04, 0x25, D32(HARNESS_DATA)};
    CHECK_EQ("misc.invpcid_all", RUN(h, invpcid2), -1);
    /* swapgs */
    c->kernel_gs_base = 0x1234;
    static const u8 swapgs[] = {0x0f, 0x01, 0xf8};
    CHECK_EQ("misc.swapgs", RUN(h, swapgs), -1);
    CHECK_EQ("misc.swapgs.gs", c->seg[SEG_GS].base, 0x1234);
    /* wrfsbase rax needs CR4.FSGSBASE */
    static const u8 wrfs[] = {0x48, 0xb8, D32(0x5000), D32(0), 0xf3, 0x48, 0x0f, 0xae, 0xd0};
    CHECK_EQ("misc.wrfsbase_ud", RUN(h, wrfs), EXC_UD);
    c->cr4 |= CR4_FSGSBASE;
    CHECK_EQ("misc.wrfsbase", RUN(h, wrfs), -1);
    CHECK_EQ("misc.wrfsbase.value", c->seg[SEG_FS].base, 0x5000);
    static const u8 ud2[] = {0x0f, 0x0b};
    CHECK_EQ("misc.ud2", RUN(h, ud2), EXC_UD);
    static const u8 nops[] = {0x0f, 0x1f, 0x44, 0x00, 0x00, 0x0f, 0x18, 0x08, 0x0f, 0x0d, 0x08};
    CHECK_EQ("misc.hint_nops", RUN(h, nops), -1);
    static const u8 mwait[] = {0x0f, 0x01, 0xc9};
    CHECK_EQ("misc.mwait_disabled_ud", RUN(h, mwait), EXC_UD);
    harness_free(h);
}

static void test_fpu_sse(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    const u64 buf = HARNESS_DATA + 0x1000, src = HARNESS_DATA;
    for (int k = 0; k < 16; k++) pw(h, src + k, 1, 0x10 + k);
    /* movdqu xmm0,[src] */
    static const u8 movdqu[] = {0xf3, 0x0f, 0x6f, 0x04, 0x25, D32(HARNESS_DATA)};
    CHECK_EQ("sse.osfxsr_off_ud", RUN(h, movdqu), EXC_UD);
    c->cr4 |= CR4_OSFXSR;
    c->cr0 |= CR0_TS;
    CHECK_EQ("sse.ts_nm", RUN(h, movdqu), EXC_NM);
    c->cr0 &= ~(u64)CR0_TS;
    /* movdqu xmm0,[src]; fxsave [buf]; movq rax,xmm0; pxor xmm0,xmm0; movq rbx,xmm0 */
    static const u8 fx[] = {0xf3, 0x0f, 0x6f, 0x04, 0x25, D32(HARNESS_DATA),
                            0x0f, 0xae, 0x04, 0x25, D32(HARNESS_DATA + 0x1000),
                            0x66, 0x48, 0x0f, 0x7e, 0xc0, 0x66, 0x0f, 0xef, 0xc0,
                            0x66, 0x48, 0x0f, 0x7e, 0xc3};
    CHECK_EQ("sse.fxsave.run", RUN(h, fx), -1);
    CHECK_EQ("sse.fxsave.xmm0", pr(h, buf + FX_XMM0, 8), 0x1716151413121110ull);
    CHECK_EQ("sse.fxsave.mxcsr", pr(h, buf + FX_MXCSR, 4), 0x1f80);
    CHECK_EQ("sse.fxsave.mxcsr_mask", pr(h, buf + FX_MXCSR_MASK, 4), 0xffff);
    CHECK_EQ("sse.movq_to_gpr", c->r[RAX], 0x1716151413121110ull);
    CHECK_EQ("sse.pxor_zero", c->r[RBX], 0);
    /* fxrstor [buf] brings xmm0 back */
    static const u8 rstor[] = {0x0f, 0xae, 0x0c, 0x25, D32(HARNESS_DATA + 0x1000)};
    CHECK_EQ("sse.fxrstor", RUN(h, rstor), -1);
    CHECK_EQ("sse.fxrstor.xmm0", load_le(fx_xmm(c, 0), 8), 0x1716151413121110ull);
    pw(h, buf + FX_MXCSR, 4, 0x10000);
    CHECK_EQ("sse.fxrstor.mxcsr_reserved", RUN(h, rstor), EXC_GP);
    static const u8 misaligned[] = {0x0f, 0xae, 0x04, 0x25, D32(HARNESS_DATA + 0x1008)};
    CHECK_EQ("sse.fxsave.misaligned", RUN(h, misaligned), EXC_GP);
    /* ldmxcsr [src] with a reserved bit */
    pw(h, src + 0x20, 4, 0x20000);
    static const u8 ldm[] = {0x0f, 0xae, 0x14, 0x25, D32(HARNESS_DATA + 0x20)};
    CHECK_EQ("sse.ldmxcsr_reserved", RUN(h, ldm), EXC_GP);
    /* movdqa xmm1,[src+8]: misaligned */
    static const u8 movdqa[] = {0x66, 0x0f, 0x6f, 0x0c, 0x25, D32(HARNESS_DATA + 8)};
    CHECK_EQ("sse.movdqa_misaligned", RUN(h, movdqa), EXC_GP);
    /* fninit; fnstsw ax; fnstcw [src+0x40] */
    static const u8 x87[] = {0xdb, 0xe3, 0xdf, 0xe0, 0xd9, 0x3c, 0x25, D32(HARNESS_DATA + 0x40)};
    c->r[RAX] = 0xffff;
    CHECK_EQ("x87.fninit", RUN(h, x87), -1);
    CHECK_EQ("x87.fnstsw", c->r[RAX] & 0xffff, 0);
    CHECK_EQ("x87.fnstcw", pr(h, src + 0x40, 2), 0x37f);
    c->cr0 |= CR0_EM;
    static const u8 fld1[] = {0xd9, 0xe8};
    CHECK_EQ("x87.em_nm", RUN(h, fld1), EXC_NM);
    CHECK_EQ("sse.em_ud", RUN(h, movdqu), EXC_UD);
    c->cr0 &= ~(u64)CR0_EM;
    c->cr0 |= CR0_TS;
    static const u8 fwait[] = {0x9b};
    CHECK_EQ("x87.fwait_ts_without_mp", RUN(h, fwait), -1);
    c->cr0 |= CR0_MP;
    CHECK_EQ("x87.fwait_ts_mp", RUN(h, fwait), EXC_NM);
    harness_free(h);
}

int main(void)
{
    test_cr();
    test_dr();
    test_enter_long();
    test_fast_calls();
    test_io();
    test_tables();
    test_misc();
    test_fpu_sse();
    return check_exit();
}
