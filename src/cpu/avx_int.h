/* Shared by the VEX packed-integer files (avx_int.c, avx_int_move.c, avx2*.c). */
#ifndef VP_AVX_INT_H
#define VP_AVX_INT_H

#include "insn.h"

/* Vector length in bytes of a VEX integer form: 16, or 32 for VEX.256, which needs AVX2
 * (#UD without it; the row's feature is AVX, which VEX.128 needs). */
unsigned avx_int_len(struct cpu *c, const struct insn *i);

#endif
