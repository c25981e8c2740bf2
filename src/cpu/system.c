/* Instruction family: system (to be filled in). */
#include "insn.h"

const struct opdef system_ops[] = {
    {.fn = NULL},
};
