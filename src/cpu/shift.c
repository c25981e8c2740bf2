/* Instruction family: shift (to be filled in). */
#include "insn.h"

const struct opdef shift_ops[] = {
    {.fn = NULL},
};
