/* x87 environment and state images (FNSTENV/FLDENV, FNSAVE/FRSTOR) in 32-bit protected
 * mode, 16-bit protected mode and real mode, each with 16- and 32-bit operand size (SDM
 * Vol. 1 8.1.10, Figures 8-9 to 8-12): after an unmasked divide-by-zero, the stored FCW,
 * FSW, full tag word, FIP (offset, or the 20-bit linear address in real mode), FOP (real
 * mode and 32-bit layouts only), FDP, FCS/FDS (0 where CPUID.(EAX=07H,ECX=0):EBX[13]
 * deprecates them; SDM Vol. 1 8.1.8: the processor then keeps no selector, so the real-mode
 * layouts hold the offsets, as on Bochs 2.7's skylake and icelake), the register image of
 * FNSAVE and its FNINIT, and FRSTOR/FLDENV round trips in both sizes. The sequence itself
 * is fpu_env.16.S. */
#include "fpu_guest.h"

#define LOW 0x8000u
extern char env_start[], env_end[], env_res_pm32[], env_res_pm16[], env_res_rm[];
extern char env_fdiv_pm32[], env_fdiv_pm16[], env_fdiv_rm[], env_zero[];
void env_trip(void);
#define L(x) (LOW + (u32)((x)-env_start))

static char nb[96];
static u32 r32(const u8 *p)
{
    return *(const u32 *)p;
}
static u16 r16(const u8 *p)
{
    return *(const u16 *)p;
}

enum layout { PM16, PM32, RM16, RM32 };
static const char *const lname[] = {"pm16", "pm32", "rm16", "rm32"};
static int deprecated_cs_ds;

/* One stored environment of the given layout: what run `m` left. fop: the FDIV's opcode
 * bits (its ModRM differs between 16- and 32-bit addressing), ~0 for not checked. */
static void check_env(const char *m, const char *what, const u8 *e, enum layout lay, u32 fip,
                      u32 fop, u32 fdp, u16 cs, u16 ds)
{
    const char *ln = lname[lay];
#define C(field, got, want) check_eq(CHECK_NAME(nb, "%s_%s_%s_" field, m, what, ln), got, want)
    u16 fcs = deprecated_cs_ds ? 0 : cs, fds = deprecated_cs_ds ? 0 : ds;
    switch (lay) {
    case PM16:
        C("fcw", r16(e), 0x37b);
        C("fsw", r16(e + 2), 0xb884);
        C("ftw", r16(e + 4), 0x3fff);
        C("fip", r16(e + 6), fip);
        C("fcs", r16(e + 8), fcs);
        C("fdp", r16(e + 10), fdp);
        C("fds", r16(e + 12), fds);
        break;
    case PM32:
        C("fcw", r16(e), 0x37b);
        C("fsw", r16(e + 4), 0xb884);
        C("ftw", r16(e + 8), 0x3fff);
        C("fip", r32(e + 12), fip);
        C("fcs", r16(e + 16), fcs);
        if (fop != ~0u) C("fop", r16(e + 18) & 0x7ff, fop);
        C("fdp", r32(e + 20), fdp);
        C("fds", r16(e + 24), fds);
        break;
    case RM16:
        C("fcw", r16(e), 0x37b);
        C("fsw", r16(e + 2), 0xb884);
        C("ftw", r16(e + 4), 0x3fff);
        C("fip_15_0", r16(e + 6), fip & 0xffff);
        C("fip_19_16_fop", r16(e + 8), (fip >> 16 & 0xf) << 12 | fop);
        C("fdp_15_0", r16(e + 10), fdp & 0xffff);
        C("fdp_19_16", r16(e + 12), (fdp >> 16 & 0xf) << 12);
        break;
    case RM32:
        C("fcw", r16(e), 0x37b);
        C("fsw", r16(e + 4), 0xb884);
        C("ftw", r16(e + 8), 0x3fff);
        C("fip_15_0", r16(e + 12), fip & 0xffff);
        C("fip_31_16_fop", r32(e + 16) & 0x0ffff7ff, (fip >> 16) << 12 | fop);
        C("fdp_15_0", r16(e + 20), fdp & 0xffff);
        C("fdp_31_16", r32(e + 24) & 0x0ffff000, (fdp >> 16) << 12);
        break;
    }
#undef C
}

static unsigned env_size(enum layout l)
{
    return l == PM16 || l == RM16 ? 14 : 28;
}

/* A run's results (fpu_env.16.S): def/oth are the layouts of the default and the
 * prefixed operand size; cs_base/ds_base: the real-mode segment bases the linear pointers
 * include unless FCS and FDS are deprecated. */
static void check_run(const char *m, const u8 *r, enum layout def, enum layout oth, u32 fip,
                      u32 fop, u16 cs, u16 ds, u32 cs_base, u32 ds_base)
{
    u32 fdp = L(env_zero);
    if (deprecated_cs_ds) fip -= cs_base, fdp -= ds_base;
    /* FOP is lost through the 16-bit protected-mode layout, which has no field for it:
     * after the first FLDENV of that layout it is not checked (~0). */
    u32 fop_after = def == PM16 || oth == PM16 ? ~0u : fop;
    check_env(m, "first_fnstenv", r + 368, oth, fip, fop, fdp, cs, ds);
    check_env(m, "fnstenv", r, def, fip, fop_after, fdp, cs, ds);
    check_env(m, "fldenv_fnstenv", r + 32, oth, fip, fop_after, fdp, cs, ds);
    check_env(m, "fnsave", r + 64, def, fip, fop_after, fdp, cs, ds);
    check_env(m, "fnsave", r + 208, oth, fip, fop_after, fdp, cs, ds);
    const u8 *st0 = r + 64 + env_size(def), *st0o = r + 208 + env_size(oth);
    check_eq(CHECK_NAME(nb, "%s_fnsave_%s_st0", m, lname[def]),
             *(const u64 *)st0 == 0x8000000000000000ull && r16(st0 + 8) == 0x3fff, 1);
    check_eq(CHECK_NAME(nb, "%s_fnsave_%s_st0", m, lname[oth]),
             *(const u64 *)st0o == 0x8000000000000000ull && r16(st0o + 8) == 0x3fff, 1);
    check_eq(CHECK_NAME(nb, "%s_fnsave_then_fninit_fsw", m), r16(r + 352), 0);
    check_eq(CHECK_NAME(nb, "%s_fnsave_then_fninit_fcw", m), r16(r + 354), 0x37f);
    check(CHECK_NAME(nb, "%s_frstor_%s_round_trip", m, lname[def]),
          !memcmp(r + 176, r + 64, env_size(def)));
    check(CHECK_NAME(nb, "%s_frstor_%s_round_trip", m, lname[oth]),
          !memcmp(r + 320, r + 208, env_size(oth)));
}

void test_main(struct multiboot_info *mbi)
{
    cr0_set(CR0_NE | CR0_MP, CR0_EM | CR0_TS);
    u32 a, b, c, d;
    cpuid(7, 0, &a, &b, &c, &d);
    deprecated_cs_ds = b >> 13 & 1;
    memcpy((void *)LOW, env_start, env_end - env_start);
    struct desc_ptr idtr;
    sidt(&idtr);
    env_trip();
    lidt(&idtr);
    check_eq("back_in_pm32", read_cs(), SEL_KCODE32);
    const u8 *base = (const u8 *)LOW;
    check_run("pm32", base + (env_res_pm32 - env_start), PM32, PM16, L(env_fdiv_pm32), 0x035,
              SEL_KCODE32, SEL_KDATA, 0, 0);
    check_run("pm16", base + (env_res_pm16 - env_start), PM16, PM32, L(env_fdiv_pm16), 0x036,
              SEL_KCODE16, SEL_KDATA16, 0, 0);
    check_run("rm", base + (env_res_rm - env_start), RM16, RM32, L(env_fdiv_rm), 0x036, 0, 0,
              LOW, 0x7000); /* CS = LOW >> 4, ES = 700H */
}
