/* Instruction family: alu (to be filled in). */
#include "insn.h"

const struct opdef alu_ops[] = {
    {.fn = NULL},
};
