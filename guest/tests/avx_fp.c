/* AVX floating point from a guest (issue 9), compared with Bochs: the 32-bit half only
 * enters 64-bit mode; avx_fp.64.c has the checks. */
#include "guest.h"

void test_main(struct multiboot_info *mbi)
{
    call64(0);
}
