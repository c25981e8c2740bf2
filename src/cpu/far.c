/* Instruction family: far (to be filled in). */
#include "insn.h"

const struct opdef far_ops[] = {
    {.fn = NULL},
};
