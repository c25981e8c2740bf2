/* Lazy FPU switching (issue 9; fpu_lazy.h says how), the 32-bit protected-mode half:
 * FXSAVE/FXRSTOR with every other step in ring 3, and FNSAVE/FRSTOR (with MXCSR and the
 * XMM registers saved by hand, as pre-FXSR kernels would not have). The 64-bit half uses
 * XSAVEOPT/XRSTOR and XSAVEC/XRSTOR. */
#include "fpu_lazy.h"

void test_main(struct multiboot_info *mbi)
{
    cr0_set(CR0_NE | CR0_MP, CR0_EM | CR0_TS);
    cr4_set(CR4_OSFXSR | CR4_OSXMMEXCPT, 0);
    lazy_run("pm32_fxsave", L_FXSAVE, 0);
    lazy_run("pm32_fxsave_user", L_FXSAVE, 1);
    lazy_run("pm32_fnsave", L_FNSAVE, 1);
    cr4_set(CR4_OSXSAVE, 0);
    __asm__ volatile("xsetbv" ::"c"(0), "a"(3), "d"(0));
    call64(0);
}
