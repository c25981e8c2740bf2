/* Differential test of the VEX-encoded floating-point instructions (AVX) against the host
 * processor, in VEX.128 and VEX.256, register and memory forms, from the same random
 * states as test_diff_sse (signed zeros, denormals, NaNs, infinities, every rounding mode,
 * DAZ/FTZ, some exceptions unmasked: #XM natively is SIGFPE, the registers then come from
 * the signal frame's XSAVE image): XMM0-15, the YMM upper halves, MXCSR, GPRs, flags and
 * memory compared bit for bit. */
#include "../diff/vex_enc.h"

#define N 200

static struct diff *d;

/* The harness itself: whole-register moves and a legacy SSE form with the upper halves in
 * the state (kept by legacy forms, also through the #XM signal frame). */
static void harness_forms(void)
{
    struct dform f;
    for (unsigned l = 0; l < 2; l++) {
        diff_begin(&f, 0, 0, "vmovups %s1,%s12", l ? "ymm" : "xmm", l ? "ymm" : "xmm");
        vex_op(&f, 0, 1, false, l, 0x10, 1, 0, 12, 0, -1);
        vex_run(d, &f, N / 4);
        diff_begin(&f, 0, PTR_RBX, "vmovaps %s9,m", l ? "ymm" : "xmm");
        vex_op(&f, 0, 1, false, l, 0x28, 9, 0, -1, DISP, -1);
        vex_run(d, &f, N / 4);
        diff_begin(&f, 0, PTR_RBX, "vmovupd m,%s3", l ? "ymm" : "xmm");
        vex_op(&f, 0x66, 1, false, l, 0x11, 3, 0, -1, DISP + 3, -1);
        vex_run(d, &f, N / 4);
    }
    diff_begin(&f, 0, 0, "addps xmm1,xmm2 (YMM state kept)");
    sse_op(&f, 0, false, 0x58, 1, 2, 0, -1);
    vex_run(d, &f, N);
    diff_begin(&f, 0, 0, "vzeroupper");
    diff_put(&f, 0xc5), diff_put(&f, 0xf8), diff_put(&f, 0x77);
    vex_run(d, &f, N / 8);
}

int main(void)
{
    d = diff_new(0x41565846ull);
    diff_sse_enable(d);
    harness_forms();
    printf("diff avx: %d forms, %d cases, %d failures, %d skipped\n", d->forms, d->cases,
           d->failures, d->skipped);
    diff_free(d);
    return check_exit();
}
