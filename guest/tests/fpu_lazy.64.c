/* Lazy FPU switching, the 64-bit half: XSAVEOPT/XRSTOR and XSAVEC/XRSTOR (XCR0 = 3, set
 * by the 32-bit half), and FXSAVE64's image through FXSAVE/FXRSTOR with ring-3 steps. */
#include "fpu_lazy.h"

void main64(u64 arg)
{
    lazy_run("lm64_fxsave_user", L_FXSAVE, 1);
    lazy_run("lm64_xsaveopt", L_XSAVEOPT, 0);
    lazy_run("lm64_xsavec_user", L_XSAVEC, 1);
}
