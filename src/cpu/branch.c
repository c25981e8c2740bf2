/* Instruction family: branch (to be filled in). */
#include "insn.h"

const struct opdef branch_ops[] = {
    {.fn = NULL},
};
