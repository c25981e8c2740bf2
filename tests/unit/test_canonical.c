/* Host tests: the two canonical-address checks. Addresses loaded into registers (LGDT,
 * LIDT, LLDT/LTR bases, WRFSBASE, MSRs, INVPCID/INVLPG operands, VMCS state) are
 * canonical for the processor (57 bits on icelake, whatever CR4.LA57 says); memory
 * accesses and branch targets for the current paging mode. */
#include "check.h"
#include "harness.h"
#include "cpu/cpumodel.h"
#include "cpu/msr.h"

#define RUN(h, code) harness_run(h, code, sizeof code, 1000)
#define D32(x) (u8)(x), (u8)((x) >> 8), (u8)((x) >> 16), (u8)((x) >> 24)

static void pw(struct harness *h, u64 pa, unsigned size, u64 v) { phys_copy_in(h->m, pa, &v, size); }

static const u64 non48 = 0x0000800000000000ull; /* 57-bit canonical, not 48-bit */
static const u64 non57 = 0x0100000000000000ull; /* canonical for neither */

/* lgdt [HARNESS_DATA] / lidt [HARNESS_DATA] with a pseudo-descriptor whose base is b. */
static int load_dtr(struct harness *h, u8 reg, u64 base)
{
    pw(h, HARNESS_DATA, 2, 0xfff);
    pw(h, HARNESS_DATA + 2, 8, base);
    u8 code[] = {0x0f, 0x01, (u8)(0x04 | reg << 3), 0x25, D32(HARNESS_DATA)};
    u64 gdt = h->c->gdtr.base;
    int r = harness_run(h, code, sizeof code, 100);
    h->c->gdtr.base = gdt; /* keep the harness GDT for the next run */
    h->c->gdtr.limit = 6 * 8 - 1;
    return r;
}

static void test_lgdt_lidt(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    CHECK_EQ("canon.lgdt.canonical_ok", load_dtr(h, 2, 0xffff800000001000ull), -1);
    CHECK_EQ("canon.lgdt.noncanonical_gp", load_dtr(h, 2, non48), EXC_GP);
    CHECK_EQ("canon.lgdt.gp_error_0", c->exc_error, 0);
    CHECK_EQ("canon.lidt.noncanonical_gp", load_dtr(h, 3, non48), EXC_GP);
    c->idtr.limit = 0;
    /* icelake, 4-level paging: a 57-bit canonical base is accepted, others are not. */
    h->m->cpu_model = cpu_model_lookup("icelake");
    CHECK_EQ("canon.icelake.lgdt_57bit_ok_without_la57", load_dtr(h, 2, non48), -1);
    CHECK_EQ("canon.icelake.lgdt_non57_gp", load_dtr(h, 2, non57), EXC_GP);
    CHECK_EQ("canon.icelake.lidt_57bit_ok_without_la57", load_dtr(h, 3, non48), -1);
    c->idtr.base = 0;
    c->idtr.limit = 0;
    harness_free(h);
}

/* LTR with a 16-byte TSS descriptor at GDT slot 6 whose base is `base`. */
static int ltr_with_base(struct harness *h, u64 base)
{
    u64 lo = 0x67 | (base & 0xffffff) << 16 | 0x89ull << 40 | ((base >> 24) & 0xff) << 56;
    pw(h, HARNESS_GDT + 6 * 8, 8, lo);
    pw(h, HARNESS_GDT + 7 * 8, 8, base >> 32);
    h->c->gdtr.limit = 8 * 8 - 1;
    static const u8 code[] = {0x66, 0xb8, 0x30, 0x00, 0x0f, 0x00, 0xd8}; /* mov ax,0x30; ltr ax */
    int r = RUN(h, code);
    h->c->gdtr.limit = 6 * 8 - 1;
    return r;
}

static void test_ltr(void)
{
    struct harness *h = harness_new(MODE_LONG);
    h->m->cpu_model = cpu_model_lookup("icelake");
    CHECK_EQ("canon.icelake.ltr_57bit_base_without_la57", ltr_with_base(h, non48), -1);
    CHECK_EQ("canon.icelake.ltr_non57_gp", ltr_with_base(h, non57), EXC_GP);
    h->m->cpu_model = cpu_model_lookup("skylake");
    CHECK_EQ("canon.skylake.ltr_non48_gp", ltr_with_base(h, non48 | 0x2000), EXC_GP);
    harness_free(h);
}

static void test_fsgsbase_invpcid_msr(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    h->m->cpu_model = cpu_model_lookup("icelake");
    c->cr4 |= CR4_FSGSBASE;
    /* mov rax,imm64; wrfsbase rax */
    u8 wrfs[] = {0x48, 0xb8, 0, 0, 0, 0, 0, 0x80, 0, 0, 0xf3, 0x48, 0x0f, 0xae, 0xd0};
    CHECK_EQ("canon.icelake.wrfsbase_57bit_without_la57", RUN(h, wrfs), -1);
    CHECK_EQ("canon.icelake.wrfsbase_value", c->seg[SEG_FS].base, non48);
    wrfs[8] = 0x00, wrfs[9] = 0x01; /* 0x0100000000000000 */
    CHECK_EQ("canon.icelake.wrfsbase_non57_gp", RUN(h, wrfs), EXC_GP);
    /* INVPCID type 0 with a 57-bit address under 4-level paging: no #GP. */
    c->cr4 |= CR4_PCIDE;
    pw(h, HARNESS_DATA, 8, 0);
    pw(h, HARNESS_DATA + 8, 8, non48);
    /* xor eax,eax; invpcid rax,[HARNESS_DATA] */
    static const u8 inv[] = {0x31, 0xc0, 0x66, 0x0f, 0x38, 0x82, 0x04, 0x25, D32(HARNESS_DATA)};
    CHECK_EQ("canon.icelake.invpcid_57bit_without_la57", RUN(h, inv), -1);
    pw(h, HARNESS_DATA + 8, 8, non57);
    CHECK_EQ("canon.icelake.invpcid_non57_gp", RUN(h, inv), EXC_GP);
    /* MSRs keep their processor-width check. */
    CHECK("canon.icelake.msr_57bit", msr_write(c, MSR_KERNEL_GS_BASE, non48), "rejected");
    CHECK("canon.icelake.msr_non57", !msr_write(c, MSR_KERNEL_GS_BASE, non57), "accepted");
    /* A data access through a 57-bit address still needs CR4.LA57 (current paging mode). */
    CHECK("canon.icelake.access_uses_paging_mode", !cpu_is_canonical(c, non48), "accepted");
    CHECK("canon.icelake.processor_width", cpu_is_canonical_max(c, non48), "rejected");
    h->m->cpu_model = cpu_model_lookup("skylake");
    CHECK("canon.skylake.processor_width_48", !cpu_is_canonical_max(c, non48), "accepted");
    harness_free(h);
}

int main(void)
{
    test_lgdt_lidt();
    test_ltr();
    test_fsgsbase_invpcid_msr();
    return check_exit();
}
