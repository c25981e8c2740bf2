/* Instruction family: muldiv (to be filled in). */
#include "insn.h"

const struct opdef muldiv_ops[] = {
    {.fn = NULL},
};
