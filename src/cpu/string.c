/* Instruction family: string (to be filled in). */
#include "insn.h"

const struct opdef string_ops[] = {
    {.fn = NULL},
};
