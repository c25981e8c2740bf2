/* The XSAVE feature set (SDM Vol. 1 ch. 13, Vol. 2 XSAVE*, XRSTOR*, XGETBV, XSETBV): XCR0,
 * IA32_XSS, CPUID leaf 0DH and the save/restore instructions for the two state components
 * there are, x87 (0) and SSE (1). Both live in the legacy region, whose layout is FXSAVE's,
 * so the x87/SSE state goes in and out through fpu.c's image conversion (fpu_image_out/in)
 * and this file only chooses which bytes of the image move and writes the header.
 *
 * XINUSE (13.6) is computed from the state: a component is "not in use" exactly when it
 * holds its initial configuration (x87: FCW 037FH, everything else 0 and every tag empty;
 * SSE: XMM0-15 zero and MXCSR 1F80H), which is what the init optimization of XSAVEOPT,
 * XSAVEC and XSAVES may drop and XGETBV with ECX = 1 reports. The modified optimization
 * (13.9) is not modelled: XSAVEOPT and XSAVES always save what XINUSE says. */
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

void xsave_cpuid(const struct cpu *c, u32 sub, u32 out[4])
{
    out[0] = out[1] = out[2] = out[3] = 0;
    if (!cpu_has(c, FEAT_XSAVE)) return;
    if (sub == 0) {
        out[0] = (u32)XCR0_VALID;  /* XCR0 bits 31:0 supported */
        out[1] = XSAVE_SIZE;       /* size for the components XCR0 enables: legacy + header */
        out[2] = XSAVE_SIZE;       /* size for every supported component */
        out[3] = (u32)(XCR0_VALID >> 32);
    } else if (sub == 1) {
        struct cpu_features f = cpu_features_of(c);
        out[0] = f.w[FW_D1_EAX];
        out[1] = xsave_has(c, FEAT_XSAVES) ? XSAVE_SIZE : 0; /* compacted, XCR0 | IA32_XSS */
        out[2] = (u32)XSS_VALID;
        out[3] = (u32)(XSS_VALID >> 32);
    }
    /* Sub-leaves 2-63 describe components 2-63: none is supported, so all zero. x87 and
     * SSE have no sub-leaf of their own (their place is the legacy region). */
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
    if ((u32)c->r[RCX] != 0 || (v & ~XCR0_VALID) || !(v & 1)) cpu_gp(c, 0);
    c->xcr0 = v;
}

/* --- The area ------------------------------------------------------------------------- */

enum xkind { X_SAVE, X_SAVEOPT, X_SAVEC, X_SAVES };

/* Segment checks over the whole area, then the 64-byte alignment #GP(0). */
static u64 xarea(struct cpu *c, const struct insn *i, int acc)
{
    u64 ea = insn_ea(c, i);
    u64 lin = seg_check(c, i->seg, ea, 1, acc);
    seg_check(c, i->seg, (ea + XSAVE_SIZE - 1) & size_mask(i->adsz), 1, acc);
    if (lin & 63) cpu_gp(c, 0);
    return lin;
}

static void save(struct cpu *c, const struct insn *i, enum xkind k)
{
    u64 lin = xarea(c, i, ACC_WRITE);
    u8 area[XSAVE_SIZE], img[512];
    /* Probe every page for writing before anything is read, so a fault is a write fault. */
    u64 phys;
    for (u64 off = 0; off < XSAVE_SIZE; off = (off | 0xfff) + 1)
        lin_translate(c, lin + off, ACC_WRITE, &phys);
    lin_translate(c, lin + XSAVE_SIZE - 1, ACC_WRITE, &phys);
    lin_read_bytes(c, lin, area, XSAVE_SIZE, ACC_READ);
    u64 rfbm = (c->xcr0 | (k == X_SAVES ? c->xss : 0)) & edx_eax(c);
    u64 inuse = xinuse(c), todo = k == X_SAVE ? rfbm : rfbm & inuse;
    fpu_image_out(c, img, 512, i->rex & 8);
    if (todo & 1) {
        memcpy(area, img, FX_MXCSR);
        memcpy(area + FX_ST0, img + FX_ST0, 128);
    }
    if (todo & 2) memcpy(area + FX_XMM0, img + FX_XMM0, 16 * nxmm(c));
    if (rfbm & 6) memcpy(area + FX_MXCSR, img + FX_MXCSR, 8); /* MXCSR, MXCSR_MASK */
    u64 bv = load_le(area + XH_XSTATE_BV, 8);
    if (k == X_SAVE || k == X_SAVEOPT) {
        store_le(area + XH_XSTATE_BV, 8, (bv & ~rfbm) | (inuse & rfbm));
    } else {
        store_le(area + XH_XSTATE_BV, 8, inuse & rfbm);
        store_le(area + XH_XCOMP_BV, 8, rfbm | XCOMP_BV_COMPACT);
    }
    lin_write_bytes(c, lin, area, XSAVE_SIZE, ACC_WRITE);
}

/* XRSTOR (compact: from XCOMP_BV[63]) and XRSTORS: header and MXCSR checks first, then
 * each component in RFBM is loaded (XSTATE_BV bit 1) or initialized (bit 0). */
static void restore(struct cpu *c, const struct insn *i, bool supervisor)
{
    u64 lin = xarea(c, i, ACC_READ);
    u8 area[XSAVE_SIZE], img[512];
    lin_read_bytes(c, lin, area, XSAVE_SIZE, ACC_READ);
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
    /* MXCSR comes with SSE state: from the legacy region with RFBM[1] (standard form),
     * or in the compacted form only where XSTATE_BV[1] says SSE was saved, else its
     * initial 1F80H (what the host does). */
    bool mx = (rfbm & 6) && (!compact || (bv & rfbm & 6));
    bool mx_init = (rfbm & 6) && !mx;
    if (mx && (load_le(area + FX_MXCSR, 4) & ~(u64)MXCSR_MASK)) cpu_gp(c, 0);
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
