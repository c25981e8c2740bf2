/* Emulator-side checks of AVX2's own instructions (test_diff_avx2.c compares their values
 * with the host): the #UD rules of each form (VEX.L, VEX.W, VEX.vvvv, register and memory
 * forms, CPUID.AVX2), the gathers' VSIB rules (no SIB byte, 16-bit addressing, two of
 * destination, index and mask the same register), masked loads and stores that do not
 * fault on masked-off elements but do on the others (nothing stored then), and a gather
 * whose third element faults: the elements before it gathered with their mask elements
 * cleared, the rest of the mask all ones, CR2 the faulting element's address, and the
 * restarted gather finishing the job. Expected values from the SDM (VPGATHERDD "Operation"
 * and its fault notes, VPMASKMOV). */
#include "check.h"
#include "cpu/avx.h"
#include "vex_code.h"

#define D HARNESS_DATA
#define HOLE 0x600000u /* 2 MiB page made not present by hole() */

static struct harness *h;

static void setup(enum cpu_mode mode)
{
    vex_setup(h, mode, D);
}

/* The PDE of [HOLE, HOLE + 2 MiB): not present, or back to the identity map. */
static void hole(bool on)
{
    u64 pde = on ? 0 : (u64)HOLE | 0x87;
    phys_copy_in(h->m, HARNESS_PT + 0x2000 + (HOLE >> 21) * 8, &pde, 8);
    tlb_flush_all(h->c);
}

/* A 66-prefixed VEX form (vex_code). */
static struct code vex(unsigned map, bool w, bool l, unsigned op, unsigned reg, unsigned vvvv,
                       int rm, unsigned disp, int imm)
{
    return vex_code(0x66, map, w, l, op, reg, vvvv, rm, disp, imm);
}
/* A gather: [rbx + vindex*scale] (VSIB, mod 00). */
static struct code gather(unsigned op, bool w, bool l, unsigned reg, unsigned mask, unsigned vi,
                          unsigned scale)
{
    struct code c = {{0}, 0};
    c.b[c.n++] = 0xc4;
    c.b[c.n++] = (u8)((reg >= 8 ? 0 : 0x80) | (vi >= 8 ? 0 : 0x40) | 0x20 | 2);
    c.b[c.n++] = (u8)((w ? 0x80 : 0) | (~mask & 15) << 3 | (l ? 4 : 0) | 1);
    c.b[c.n++] = (u8)op;
    c.b[c.n++] = (u8)((reg & 7) << 3 | 4);
    c.b[c.n++] = (u8)(scale << 6 | (vi & 7) << 3 | RBX);
    return c;
}
static int run(struct code c)
{
    return vex_run_code(h, c);
}

static bool reg_unchanged(unsigned n)
{
    return vex_reg_unchanged(h, n);
}

static void ud_rules(void)
{
    static const struct {
        const char *name;
        u8 map, op;
        bool w, l;
        u8 reg, vvvv;
        int rm, imm;
    } ud[] = {
        {"vpermd_l0", 2, 0x36, 0, 0, 1, 2, 3, -1},
        {"vpermd_w1", 2, 0x36, 1, 1, 1, 2, 3, -1},
        {"vpermps_l0", 2, 0x16, 0, 0, 1, 2, 3, -1},
        {"vpermq_w0", 3, 0x00, 0, 1, 1, 0, 3, 0},
        {"vpermq_l0", 3, 0x00, 1, 0, 1, 0, 3, 0},
        {"vpermq_vvvv", 3, 0x00, 1, 1, 1, 2, 3, 0},
        {"vpermpd_l0", 3, 0x01, 1, 0, 1, 0, 3, 0},
        {"vperm2i128_l0", 3, 0x46, 0, 0, 1, 2, 3, 0},
        {"vperm2i128_w1", 3, 0x46, 1, 1, 1, 2, 3, 0},
        {"vinserti128_l0", 3, 0x38, 0, 0, 1, 2, 3, 0},
        {"vinserti128_w1", 3, 0x38, 1, 1, 1, 2, 3, 0},
        {"vextracti128_l0", 3, 0x39, 0, 0, 1, 0, 3, 0},
        {"vextracti128_vvvv", 3, 0x39, 0, 1, 1, 2, 3, 0},
        {"vpblendd_w1", 3, 0x02, 1, 0, 1, 2, 3, 0},
        {"vpbroadcastb_w1", 2, 0x78, 1, 0, 1, 0, 3, -1},
        {"vpbroadcastq_vvvv", 2, 0x59, 0, 1, 1, 2, 3, -1},
        {"vbroadcastsd_l0", 2, 0x19, 0, 0, 1, 0, 3, -1},
        {"vbroadcasti128_reg", 2, 0x5a, 0, 1, 1, 0, 3, -1},
        {"vbroadcasti128_l0", 2, 0x5a, 0, 0, 1, 0, -1, -1},
        {"vpsravd_w1", 2, 0x46, 1, 0, 1, 2, 3, -1},
        {"vpmaskmovd_reg", 2, 0x8c, 0, 0, 1, 2, 3, -1},
        {"vpmaskmovd_store_reg", 2, 0x8e, 0, 0, 1, 2, 3, -1},
        {"vpgatherdd_reg", 2, 0x90, 0, 0, 1, 2, 3, -1},
        {"vgatherdps_no_sib", 2, 0x92, 0, 1, 1, 2, -1, -1}, /* [rbx+disp8]: no SIB byte */
    };
    for (size_t k = 0; k < ARRAY_LEN(ud); k++) {
        setup(MODE_LONG);
        char name[64];
        snprintf(name, sizeof name, "avx2.ud.%s", ud[k].name);
        CHECK_EQ(name,
                 run(vex(ud[k].map, ud[k].w, ud[k].l, ud[k].op, ud[k].reg, ud[k].vvvv, ud[k].rm,
                         0x10, ud[k].imm)),
                 EXC_UD);
        CHECK(name, reg_unchanged(1) && reg_unchanged(2), "registers changed");
    }
    /* Gathers: destination, index and mask pairwise different (SDM VPGATHERDD #UD). */
    static const struct {
        const char *name;
        u8 reg, mask, vi;
    } same[] = {
        {"dest_is_mask", 1, 1, 3}, {"dest_is_index", 3, 1, 3},  {"mask_is_index", 1, 3, 3},
        {"all_same", 5, 5, 5},     {"index4_is_dest", 4, 1, 4},
    };
    for (size_t k = 0; k < ARRAY_LEN(same); k++) {
        setup(MODE_LONG);
        char name[64];
        snprintf(name, sizeof name, "avx2.ud.gather_%s", same[k].name);
        CHECK_EQ(name, run(gather(0x90, 0, 1, same[k].reg, same[k].mask, same[k].vi, 2)), EXC_UD);
        CHECK(name, reg_unchanged(1) && reg_unchanged(3), "registers changed");
    }
    /* 16-bit addressing has no SIB byte (67 in 32-bit code: [bx+si]). */
    setup(MODE_PROT);
    static const u8 g16[] = {0x67, 0xc4, 0xe2, 0x6d, 0x90, 0x0c}; /* vpgatherdd ymm1,[si],ymm2 */
    CHECK_EQ("avx2.ud.gather_16bit_addressing", harness_run(h, g16, sizeof g16, 100), EXC_UD);
    /* CPUID.AVX2 = 0: AVX2's VEX.128 forms are #UD too. */
    harness_feature(h, FEAT_AVX2, false);
    setup(MODE_LONG);
    CHECK_EQ("avx2.ud.no_avx2_vpbroadcastb_xmm", run(vex(2, 0, 0, 0x78, 1, 0, 3, 0, -1)), EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx2.ud.no_avx2_vpblendd_xmm", run(vex(3, 0, 0, 0x02, 1, 2, 3, 0, 1)), EXC_UD);
    setup(MODE_LONG);
    CHECK_EQ("avx2.ud.no_avx2_gather", run(gather(0x92, 0, 0, 1, 2, 3, 2)), EXC_UD);
    harness_feature(h, FEAT_AVX2, true);
    setup(MODE_LONG);
    CHECK_EQ("avx2.vpbroadcastb_xmm", run(vex(2, 0, 0, 0x78, 1, 0, 3, 0, -1)), -1);
    bool ok = true;
    for (unsigned k = 0; k < 16; k++)
        ok &= fx_xmm(h->c, 1)[k] == 0x13 && h->c->fpu.ymmh[1][k] == 0;
    CHECK("avx2.vpbroadcastb_xmm_value", ok, "xmm1 must be 16 x 13h, bits 255:128 zero");
}

/* VPMASKMOVD with the memory operand 16 bytes below the hole: elements 0-3 before it,
 * 4-7 in it. */
static void masked_moves(void)
{
    struct cpu *c = h->c;
    u8 mask[32] = {0}, got[32], pre[32];
    struct code load = vex(2, 0, 1, 0x8c, 1, 2, -1, 0, -1);  /* vpmaskmovd ymm1,ymm2,[rbx] */
    struct code store = vex(2, 0, 1, 0x8e, 1, 2, -1, 0, -1); /* vpmaskmovd [rbx],ymm2,ymm1 */
    for (int pass = 0; pass < 2; pass++) {
        setup(MODE_LONG);
        hole(true);
        c->r[RBX] = HOLE - 16;
        u8 m[16];
        for (unsigned k = 0; k < 16; k++)
            m[k] = (u8)(0xa0 + k);
        phys_copy_in(h->m, HOLE - 16, m, 16);
        memset(mask, 0, 32);
        mask[3] = 0x80;            /* element 0 */
        mask[11] = 0x80;           /* element 2 */
        if (pass) mask[23] = 0x80; /* element 5: in the hole */
        memcpy(fx_xmm(c, 2), mask, 16);
        memcpy(c->fpu.ymmh[2], mask + 16, 16);
        int r = run(load);
        if (!pass) {
            CHECK_EQ("avx2.maskload.masked_off_no_fault", r, -1);
            ymm_get(c, 1, got, 32);
            bool ok = true;
            for (unsigned k = 0; k < 32; k++) {
                unsigned e = k / 4;
                ok &= got[k] == ((e == 0 || e == 2) ? 0xa0 + k : 0);
            }
            CHECK("avx2.maskload.value", ok, "elements 0 and 2 loaded, the rest zero");
        } else {
            CHECK_EQ("avx2.maskload.masked_in_faults", r, EXC_PF);
            CHECK_EQ("avx2.maskload.cr2", c->cr2, (u64)HOLE + 4);
            CHECK("avx2.maskload.dest_unchanged", reg_unchanged(1), "ymm1 changed");
        }
        /* The store: the same mask; register ymm1 holds 11h/81h bytes. */
        setup(MODE_LONG);
        c->r[RBX] = HOLE - 16;
        phys_copy_in(h->m, HOLE - 16, m, 16);
        memcpy(fx_xmm(c, 2), mask, 16);
        memcpy(c->fpu.ymmh[2], mask + 16, 16);
        r = run(store);
        phys_copy_out(h->m, HOLE - 16, pre, 16);
        if (!pass) {
            CHECK_EQ("avx2.maskstore.masked_off_no_fault", r, -1);
            bool ok = true;
            for (unsigned k = 0; k < 16; k++) {
                unsigned e = k / 4;
                ok &= pre[k] == ((e == 0 || e == 2) ? 0x11 : 0xa0 + k);
            }
            CHECK("avx2.maskstore.value", ok, "elements 0 and 2 stored, the rest untouched");
        } else {
            CHECK_EQ("avx2.maskstore.masked_in_faults", r, EXC_PF);
            CHECK_EQ("avx2.maskstore.cr2", c->cr2, (u64)HOLE + 4);
            CHECK("avx2.maskstore.nothing_stored", pre[0] == 0xa0 && pre[8] == 0xa8,
                  "elements before the fault stored");
        }
        hole(false);
    }
}

/* VPGATHERDD ymm1, [rbx + ymm3*4], ymm2 with element 2 in the hole. */
static void gather_fault(void)
{
    struct cpu *c = h->c;
    setup(MODE_LONG);
    hole(true);
    c->r[RBX] = HOLE - 8;
    u8 m[8];
    for (unsigned k = 0; k < 8; k++)
        m[k] = (u8)(0xc0 + k);
    phys_copy_in(h->m, HOLE - 8, m, 8);
    s32 idx[8] = {0, 1, 2, -2, 1, 0, 2, 3}; /* times 4: elements 2 and 6 at HOLE */
    u32 mask[8] = {0x80000000u, 0x80000001u, 0xffffffffu, 0x7fffffffu,
                   0x80000000u, 0x12345678u, 0x80000000u, 0x00000000u};
    u8 buf[32];
    memcpy(buf, idx, 32);
    memcpy(fx_xmm(c, 3), buf, 16);
    memcpy(c->fpu.ymmh[3], buf + 16, 16);
    memcpy(buf, mask, 32);
    memcpy(fx_xmm(c, 2), buf, 16);
    memcpy(c->fpu.ymmh[2], buf + 16, 16);
    struct code g = gather(0x90, 0, 1, 1, 2, 3, 2);
    CHECK_EQ("avx2.gather_fault.pf", run(g), EXC_PF);
    CHECK_EQ("avx2.gather_fault.cr2", c->cr2, (u64)HOLE);
    CHECK_EQ("avx2.gather_fault.rip", c->rip, (u64)HARNESS_CODE);
    u8 dst[32], msk[32];
    ymm_get(c, 1, dst, 32);
    ymm_get(c, 2, msk, 32);
    /* Elements 0 and 1 gathered (C0..C3, C4..C7), their mask elements 0; the others keep
     * the destination (11h) and the mask is all ones where its sign bit was set. */
    bool ok = load_le(dst, 4) == 0xc3c2c1c0u && load_le(dst + 4, 4) == 0xc7c6c5c4u;
    for (unsigned k = 8; k < 16; k++)
        ok &= dst[k] == 0x11;
    for (unsigned k = 16; k < 32; k++)
        ok &= dst[k] == 0x81;
    CHECK("avx2.gather_fault.dest", ok, "elements 0-1 gathered, the rest unchanged");
    static const u32 want_mask[8] = {0, 0, ~0u, 0, ~0u, 0, ~0u, 0};
    ok = true;
    for (unsigned e = 0; e < 8; e++)
        ok &= load_le(msk + 4 * e, 4) == want_mask[e];
    CHECK("avx2.gather_fault.mask", ok, "mask %08x %08x %08x %08x %08x %08x %08x %08x",
          (u32)load_le(msk, 4), (u32)load_le(msk + 4, 4), (u32)load_le(msk + 8, 4),
          (u32)load_le(msk + 12, 4), (u32)load_le(msk + 16, 4), (u32)load_le(msk + 20, 4),
          (u32)load_le(msk + 24, 4), (u32)load_le(msk + 28, 4));
    /* The page comes back (as a #PF handler would make it): the restart finishes. */
    hole(false);
    u8 hp[8] = {0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7};
    phys_copy_in(h->m, HOLE, hp, 8);
    CHECK_EQ("avx2.gather_restart.done", run(g), -1);
    ymm_get(c, 1, dst, 32);
    ymm_get(c, 2, msk, 32);
    ok = load_le(dst, 4) == 0xc3c2c1c0u && load_le(dst + 4, 4) == 0xc7c6c5c4u &&
         load_le(dst + 8, 4) == 0xd3d2d1d0u && load_le(dst + 12, 4) == 0x11111111u &&
         load_le(dst + 16, 4) == 0xc7c6c5c4u && load_le(dst + 20, 4) == 0x81818181u &&
         load_le(dst + 24, 4) == 0xd3d2d1d0u && load_le(dst + 28, 4) == 0x81818181u;
    CHECK("avx2.gather_restart.dest", ok, "dest wrong");
    ok = true;
    for (unsigned k = 0; k < 32; k++)
        ok &= msk[k] == 0;
    CHECK("avx2.gather_restart.mask_zero", ok, "mask not cleared");
    /* A masked-off element in the hole never faults; VEX.128 zeroes bits 255:128. */
    setup(MODE_LONG);
    hole(true);
    c->r[RBX] = HOLE - 8;
    memset(buf, 0, 32);
    store_le(buf, 4, 0), store_le(buf + 4, 4, 2); /* element 1 at HOLE */
    memcpy(fx_xmm(c, 3), buf, 16);
    store_le(buf, 4, 0x80000000u), store_le(buf + 4, 4, 0x7fffffffu);
    store_le(buf + 8, 4, 0x80000000u), store_le(buf + 12, 4, 0);
    memcpy(fx_xmm(c, 2), buf, 16);
    CHECK_EQ("avx2.gather_masked_off_no_fault", run(gather(0x90, 0, 0, 1, 2, 3, 2)), -1);
    ok = true;
    for (unsigned k = 0; k < 16; k++)
        ok &= h->c->fpu.ymmh[1][k] == 0 && h->c->fpu.ymmh[2][k] == 0;
    for (unsigned k = 0; k < 16; k++)
        ok &= fx_xmm(c, 2)[k] == 0;
    CHECK("avx2.gather_128_upper_zero_mask_clear", ok, "upper halves or mask not zero");
    hole(false);
}

int main(void)
{
    h = harness_new(MODE_LONG);
    harness_feature(h, FEAT_AVX, true);
    harness_feature(h, FEAT_AVX2, true);
    ud_rules();
    masked_moves();
    gather_fault();
    harness_free(h);
    return check_exit();
}
