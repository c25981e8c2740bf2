/* The x87 environment and state images in three modes (fpu_env.c): one sequence run in
 * 32-bit protected mode, 16-bit protected mode and real mode, each with both operand
 * sizes. The code is copied to LOW (0x8000) and runs there in every mode; data is
 * addressed by its linear address with a zero segment base (DS = 0 in real mode), so
 * every instruction and data pointer is L(label) whatever the mode. In real mode CS is
 * 0x800 and the divisor is reached through ES = 0x700, so there the linear addresses
 * differ from the offsets. */
#include "segs.h"
#define LOW 0x8000
#define L(x) (LOW + (x) - env_start)

/* One run, results at R (RES_SIZE bytes): an unmasked divide-by-zero leaves ES set and
 * the pointers of FDIV at FDIVLAB; then FNSTENV/FLDENV and FNSAVE/FRSTOR in the
 * default operand size (DEF) and, with an operand-size prefix, the other one (OTH). Layout of the results:
 *   0: FNSTENV DEF        32: FNSTENV OTH (after FLDENV DEF of the first)
 *  64: FNSAVE DEF        176: FNSTENV DEF after FRSTOR DEF of that image
 * 208: FNSAVE OTH        320: FNSTENV OTH after FRSTOR OTH of that image
 * 352: FNSTSW after FNSAVE (FNINIT state)  354: FNSTCW after FNSAVE
 * 368: FNSTENV OTH first (FLDENV OTH of it before the rest) */
.macro ENVSEQ R, FDIVLAB, FDIVOP, ESOVR
    fninit
    fldcw L(cw_ze_unmasked)
    fld1
\FDIVLAB:
.if \ESOVR
    fdivs %es:\FDIVOP
.else
    fdivs \FDIVOP
.endif
    .byte 0x66
    fnstenv L(\R + 368)
    .byte 0x66
    fldenv L(\R + 368)
    fnstenv L(\R)
    fldenv L(\R)
    .byte 0x66
    fnstenv L(\R + 32)
    .byte 0x66
    fldenv L(\R + 32)
    fnsave L(\R + 64)
    fnstsw L(\R + 352)
    fnstcw L(\R + 354)
    frstor L(\R + 64)
    fnstenv L(\R + 176)
    fldenv L(\R + 176)
    .byte 0x66
    fnsave L(\R + 208)
    .byte 0x66
    frstor L(\R + 208)
    .byte 0x66
    fnstenv L(\R + 320)
    fninit
.endm
#define RES_SIZE 400
    .set zero_lin, L(zero)
    .set zero_es700, L(zero) - 0x7000

    .text
    .code32
    .globl env_trip, env_start, env_end, env_res_pm32, env_res_pm16, env_res_rm
    .globl env_fdiv_pm32, env_fdiv_pm16, env_fdiv_rm, env_zero
env_trip:
    pushal
    mov %esp, env_saved_esp
    ljmp $SEL_KCODE32, $L(pm32)

env_start:
pm32:
    ENVSEQ env_res_pm32, env_fdiv_pm32, zero_lin, 0
    ljmp $SEL_KCODE16, $L(pm16)

    .code16
pm16:
    mov $SEL_KDATA16, %ax
    mov %ax, %ds
    mov %ax, %es
    ENVSEQ env_res_pm16, env_fdiv_pm16, zero_lin, 0
    mov %cr0, %eax
    and $~1, %eax
    mov %eax, %cr0
    ljmp $(LOW >> 4), $(real - env_start)
real:
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    /* The operand through ES = 0x700, so FDP's linear address is not its offset. */
    mov $0x700, %ax
    mov %ax, %es
    ENVSEQ env_res_rm, env_fdiv_rm, zero_es700, 1
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SEL_KCODE32, $env_back

    .align 4
cw_ze_unmasked:
    .word 0x037b
    .align 4
env_zero:
zero:
    .long 0
    .align 16
env_res_pm32:
    .space RES_SIZE
env_res_pm16:
    .space RES_SIZE
env_res_rm:
    .space RES_SIZE
env_end:

    .code32
env_back:
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov env_saved_esp, %esp
    popal
    ret

    .data
env_saved_esp:
    .long 0
