/* Instruction family: fpu (to be filled in). */
#include "insn.h"

const struct opdef fpu_ops[] = {
    {.fn = NULL},
};
