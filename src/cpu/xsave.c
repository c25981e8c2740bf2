/* The XSAVE feature set (SDM Vol. 1 ch. 13, Vol. 2 XSAVE*, XRSTOR*, XGETBV, XSETBV): XCR0,
 * IA32_XSS, CPUID leaf 0DH and the save/restore instructions for the state components
 * there are, x87 (0), SSE (1) and, with AVX, YMM_Hi128 (2). x87 and SSE live in the legacy
 * region, whose layout is FXSAVE's, so their state goes in and out through fpu.c's image
 * conversion (fpu_image_out/in) and this file only chooses which bytes of the image move;
 * component 2 is the 16-byte upper halves of YMM0-15 in order (c->fpu.ymmh), at offset 576
 * in both formats (13.4.3: the only extended component, so first in the compacted form).
 *
 * XINUSE (13.6) is computed from the state: a component is "not in use" exactly when it
 * holds its initial configuration (x87: FCW 037FH, everything else 0 and every tag empty;
 * SSE: XMM0-15 zero and MXCSR 1F80H; AVX: the upper halves zero), which is what the init
 * optimization of XSAVEOPT, XSAVEC and XSAVES may drop and XGETBV with ECX = 1 reports.
 * The modified optimization (13.6, 13.9) is not modelled (the SDM allows that): XSAVEOPT
 * and XSAVES always save what XINUSE says. A processor tracks writes to each component
 * since the last XRSTOR, which would take every x87/SSE/AVX handler; comparing the state
 * with what XRSTOR loaded instead would also skip a component rewritten with equal values,
 * which no processor (nor Bochs) skips: the guest test xsave_area does exactly that. */
#include "xsave.h"
#include "fpu.h"
#include "sysinsn.h"
#include "x87.h"
#include "../vmx/intercept.h"

enum { XH_XSTATE_BV = 512, XH_XCOMP_BV = 520 };

/* --- XINUSE and the components' initial configuration --------------------------------- */

static bool zero(const u8 *p, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (p[k]) return false;
    return true;
}

static u64 xinuse(const struct cpu *c)
{
    const u8 *fx = c->fpu.fxsave;
    u64 v = 0;
    if (fx_get16(c, FX_FCW) != 0x37f || !zero(fx + 2, FX_MXCSR - 2) || !zero(fx + FX_ST0, 128) ||
        fx_get16(c, X87_FCS) || fx_get16(c, X87_FDS))
        v |= 1;
    if (fx_mxcsr(c) != 0x1f80 || !zero(fx + FX_XMM0, 256)) v |= 2;
    if (!zero(&c->fpu.ymmh[0][0], sizeof c->fpu.ymmh)) v |= 4;
    return v;
}

/* 13.6: x87 FCW 037FH, FSW/FTW(abridged)/FOP/FIP/FDP/FCS/FDS 0, ST0-7 0; SSE: XMM 0. */
static void init_x87(struct cpu *c)
{
    memset(c->fpu.fxsave, 0, FX_MXCSR);
    memset(&c->fpu.fxsave[FX_ST0], 0, 128);
    fx_set16(c, FX_FCW, 0x37f);
    fx_set16(c, X87_FCS, 0);
    fx_set16(c, X87_FDS, 0);
}

static unsigned nxmm(const struct cpu *c) { return c->mode == MODE_LONG ? 16 : 8; }

/* --- CPUID leaf 0DH -------------------------------------------------------------------- */

u64 xcr0_valid(const struct cpu *c) { return cpu_has(c, FEAT_AVX) ? 7 : 3; }

/* Bytes of an area holding the components in `bv`, either format (component 2 is the only
 * one past the header). */
static unsigned area_size(u64 bv) { return (bv & 4) ? XSAVE_MAX : XSAVE_LEGACY; }

void xsave_cpuid(const struct cpu *c, u32 sub, u32 out[4])
{
    out[0] = out[1] = out[2] = out[3] = 0;
    if (!cpu_has(c, FEAT_XSAVE)) return;
    u64 valid = xcr0_valid(c);
    if (sub == 0) {
        out[0] = (u32)valid;              /* XCR0 bits 31:0 supported */
        out[1] = area_size(c->xcr0);      /* size for the components XCR0 enables */
        out[2] = area_size(valid);        /* size for every supported component */
        out[3] = (u32)(valid >> 32);
    } else if (sub == 1) {
        struct cpu_features f = cpu_features_of(c);
        out[0] = f.w[FW_D1_EAX];
        /* compacted size of XCR0 | IA32_XSS */
        out[1] = xsave_has(c, FEAT_XSAVES) ? area_size(c->xcr0 | c->xss) : 0;
        out[2] = (u32)XSS_VALID;
        out[3] = (u32)(XSS_VALID >> 32);
    } else if (sub == 2 && (valid & 4)) {
        out[0] = XSAVE_YMM_SIZE; /* a user state component, no 64-byte alignment: ECX 0 */
        out[1] = XSAVE_YMM_OFF;
    }
    /* The other sub-leaves describe components 3-63: none is supported, so all zero. x87
     * and SSE have no sub-leaf of their own (their place is the legacy region). */
}

/* --- XGETBV, XSETBV -------------------------------------------------------------------- */

static void set_edx_eax(struct cpu *c, u64 v)
{
    c->r[RAX] = (u32)v;
    c->r[RDX] = v >> 32;
}
static u64 edx_eax(const struct cpu *c) { return (u64)(u32)c->r[RDX] << 32 | (u32)c->r[RAX]; }

void op_xgetbv(struct cpu *c, const struct insn *i)
{
    (void)i;
    if (!cpu_has(c, FEAT_XSAVE) || !(c->cr4 & CR4_OSXSAVE)) cpu_ud(c);
    u32 n = (u32)c->r[RCX];
    if (n == 0) set_edx_eax(c, c->xcr0);
    else if (n == 1 && xsave_has(c, FEAT_XGETBV1)) set_edx_eax(c, c->xcr0 & xinuse(c));
    else cpu_gp(c, 0);
}

/* #UD and the CPL check come before the unconditional exit in VMX non-root operation
 * (SDM 26.1.1); the value checks after it. */
void op_xsetbv(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, FEAT_XSAVE) || !(c->cr4 & CR4_OSXSAVE)) cpu_ud(c);
    if (c->cpl != 0) cpu_gp(c, 0);
    if (c->vmx_nonroot) vmx_intercept_xsetbv(c, i);
    u64 v = edx_eax(c);
    /* 13.3: bit 0 set, only supported bits, AVX state only with SSE state. */
    if ((u32)c->r[RCX] != 0 || (v & ~xcr0_valid(c)) || !(v & 1) || (v & 6) == 4) cpu_gp(c, 0);
    c->xcr0 = v;
}

/* --- The area ------------------------------------------------------------------------- */

enum xkind { X_SAVE, X_SAVEOPT, X_SAVEC, X_SAVES };

/* Segment checks over `size` bytes of the area, then the 64-byte alignment #GP(0). */
static u64 xarea(struct cpu *c, const struct insn *i, int acc, unsigned size)
{
    u64 ea = insn_ea(c, i);
    u64 lin = seg_check(c, i->seg, ea, 1, acc);
    seg_check(c, i->seg, (ea + size - 1) & size_mask(i->adsz), 1, acc);
    if (lin & 63) cpu_gp(c, 0);
    return lin;
}

static void save(struct cpu *c, const struct insn *i, enum xkind k)
{
    u64 rfbm = (c->xcr0 | (k == X_SAVES ? c->xss : 0)) & edx_eax(c);
    unsigned size = area_size(rfbm);
    u64 lin = xarea(c, i, ACC_WRITE, size);
    u8 area[XSAVE_MAX], img[512];
    /* Probe every page for writing before anything is read, so a fault is a write fault. */
    u64 phys;
    for (u64 off = 0; off < size; off = (off | 0xfff) + 1)
        lin_translate(c, lin + off, ACC_WRITE, &phys);
    lin_translate(c, lin + size - 1, ACC_WRITE, &phys);
    lin_read_bytes(c, lin, area, size, ACC_READ);
    u64 inuse = xinuse(c), todo = k == X_SAVE ? rfbm : rfbm & inuse;
    fpu_image_out(c, img, 512, i->rex & 8);
    if (todo & 1) {
        memcpy(area, img, FX_MXCSR);
        memcpy(area + FX_ST0, img + FX_ST0, 128);
    }
    if (todo & 2) memcpy(area + FX_XMM0, img + FX_XMM0, 16 * nxmm(c));
    if (todo & 4) memcpy(area + XSAVE_YMM_OFF, c->fpu.ymmh, 16 * nxmm(c));
    /* MXCSR and MXCSR_MASK: with RFBM[1] or RFBM[2] in the standard format (13.7, 13.9),
     * with RFBM[1] alone in the compacted one, in use or not (13.10, 13.11). */
    bool compact = k == X_SAVEC || k == X_SAVES;
    if (rfbm & (compact ? 2 : 6)) memcpy(area + FX_MXCSR, img + FX_MXCSR, 8);
    u64 bv = load_le(area + XH_XSTATE_BV, 8);
    if (k == X_SAVE || k == X_SAVEOPT) {
        store_le(area + XH_XSTATE_BV, 8, (bv & ~rfbm) | (inuse & rfbm));
    } else {
        store_le(area + XH_XSTATE_BV, 8, inuse & rfbm);
        store_le(area + XH_XCOMP_BV, 8, rfbm | XCOMP_BV_COMPACT);
    }
    lin_write_bytes(c, lin, area, size, ACC_WRITE);
}

/* XRSTOR (compact: from XCOMP_BV[63]) and XRSTORS: header and MXCSR checks first, then
 * each component in RFBM is loaded (XSTATE_BV bit 1) or initialized (bit 0). */
static void restore(struct cpu *c, const struct insn *i, bool supervisor)
{
    u64 lin = xarea(c, i, ACC_READ, XSAVE_LEGACY);
    u8 area[XSAVE_MAX], img[512];
    lin_read_bytes(c, lin, area, XSAVE_LEGACY, ACC_READ);
    u64 valid = c->xcr0 | (supervisor ? c->xss : 0);
    u64 rfbm = valid & edx_eax(c);
    u64 bv = load_le(area + XH_XSTATE_BV, 8), comp = load_le(area + XH_XCOMP_BV, 8);
    bool compact = comp & XCOMP_BV_COMPACT;
    if (compact) {
        /* 13.8.2: compacted form only with XSAVEC; XCOMP_BV within XCR0 (| XSS),
         * XSTATE_BV within XCOMP_BV, header bytes 63:16 zero. */
        if (!supervisor && !xsave_has(c, FEAT_XSAVEC)) cpu_gp(c, 0);
        if ((comp & ~XCOMP_BV_COMPACT & ~valid) || (bv & ~comp) ||
            !zero(area + XH_XCOMP_BV + 8, 48))
            cpu_gp(c, 0);
    } else {
        /* 13.8.1: XRSTORS needs the compacted form; XSTATE_BV within XCR0, header bytes
         * 23:8 zero. */
        if (supervisor || (bv & ~valid) || !zero(area + XH_XCOMP_BV, 16)) cpu_gp(c, 0);
    }
    /* MXCSR: the standard form loads it from the legacy region with RFBM[1] or RFBM[2];
     * the compacted form with RFBM[1] and XSTATE_BV[1], and initializes it to 1F80H with
     * RFBM[1] alone (13.8.2: RFBM[2] does not count there). */
    bool mx = compact ? (rfbm & bv & 2) : (rfbm & 6);
    bool mx_init = compact && (rfbm & 2) && !(bv & 2);
    if (mx && (load_le(area + FX_MXCSR, 4) & ~(u64)MXCSR_MASK)) cpu_gp(c, 0);
    /* Component 2 is read when it is to be loaded: RFBM[2] and XSTATE_BV[2] (in the
     * compacted form XSTATE_BV within XCOMP_BV places it at 576 too). */
    bool ymm = rfbm & bv & 4;
    if (ymm) {
        xarea(c, i, ACC_READ, XSAVE_MAX);
        lin_read_bytes(c, lin + XSAVE_YMM_OFF, area + XSAVE_YMM_OFF, XSAVE_YMM_SIZE, ACC_READ);
    }
    /* From here nothing faults: build the new image and convert it in once. */
    fpu_image_out(c, img, 512, i->rex & 8);
    if (rfbm & 1) {
        if (bv & 1) {
            memcpy(img, area, FX_MXCSR);
            memcpy(img + FX_ST0, area + FX_ST0, 128);
        }
    }
    if ((rfbm & 2) && (bv & 2)) memcpy(img + FX_XMM0, area + FX_XMM0, 16 * nxmm(c));
    if (mx) memcpy(img + FX_MXCSR, area + FX_MXCSR, 4);
    fpu_image_in(c, img, 416, i->rex & 8);
    if ((rfbm & 1) && !(bv & 1)) init_x87(c);
    if ((rfbm & 2) && !(bv & 2)) memset(&c->fpu.fxsave[FX_XMM0], 0, 16 * nxmm(c));
    if (mx_init) store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    if (ymm) memcpy(c->fpu.ymmh, area + XSAVE_YMM_OFF, 16 * nxmm(c));
    else if (rfbm & 4) memset(c->fpu.ymmh, 0, 16 * nxmm(c)); /* initial: zero */
}

/* #UD without the feature or CR4.OSXSAVE, then #NM with CR0.TS (SDM Vol. 2 XSAVE). */
static void xcheck(struct cpu *c, enum feature f)
{
    if (!xsave_has(c, f) || !(c->cr4 & CR4_OSXSAVE)) cpu_ud(c);
}
static void nm_check(struct cpu *c)
{
    if (c->cr0 & CR0_TS) cpu_raise(c, EXC_NM, NO_ERRCODE);
}

void op_xsave(struct cpu *c, const struct insn *i)
{
    xcheck(c, FEAT_XSAVE);
    nm_check(c);
    save(c, i, X_SAVE);
}
void op_xsaveopt(struct cpu *c, const struct insn *i)
{
    xcheck(c, FEAT_XSAVEOPT);
    nm_check(c);
    save(c, i, X_SAVEOPT);
}
void op_xrstor(struct cpu *c, const struct insn *i)
{
    xcheck(c, FEAT_XSAVE);
    nm_check(c);
    restore(c, i, false);
}
static void op_xsavec(struct cpu *c, const struct insn *i)
{
    xcheck(c, FEAT_XSAVEC);
    nm_check(c);
    save(c, i, X_SAVEC);
}
/* XSAVES/XRSTORS: CPL 0 only; in VMX non-root operation the control and the XSS-exiting
 * bitmap decide first (vmx_intercept_xsaves). */
static void supervisor_check(struct cpu *c, const struct insn *i, bool restore_)
{
    xcheck(c, FEAT_XSAVES);
    if (c->vmx_nonroot) vmx_intercept_xsaves(c, i, edx_eax(c), restore_);
    if (c->cpl != 0) cpu_gp(c, 0);
    nm_check(c);
}
static void op_xsaves(struct cpu *c, const struct insn *i)
{
    supervisor_check(c, i, false);
    save(c, i, X_SAVES);
}
static void op_xrstors(struct cpu *c, const struct insn *i)
{
    supervisor_check(c, i, true);
    restore(c, i, true);
}

/* 0F C7 /3 /4 /5 with a memory operand, no mandatory prefix (SDM Vol. 2 Table A-6). */
#define M OPF_MODRM
const struct opdef xsave_ops[] = {
    {MAP_0F, 0xc7, 3, M, op_xrstors, .pfx = PFX_NP, .mod = MOD_MEM},
    {MAP_0F, 0xc7, 4, M, op_xsavec, .pfx = PFX_NP, .mod = MOD_MEM},
    {MAP_0F, 0xc7, 5, M, op_xsaves, .pfx = PFX_NP, .mod = MOD_MEM},
    {.fn = NULL},
};
