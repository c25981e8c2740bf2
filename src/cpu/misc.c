/* Instruction family: misc (to be filled in). */
#include "insn.h"

const struct opdef misc_ops[] = {
    {.fn = NULL},
};
