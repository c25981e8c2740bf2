/* Instruction family: bcd (to be filled in). */
#include "insn.h"

const struct opdef bcd_ops[] = {
    {.fn = NULL},
};
