/* Instruction family: move (to be filled in). */
#include "insn.h"

const struct opdef move_ops[] = {
    {.fn = NULL},
};
