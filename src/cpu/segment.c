/* Instruction family: segment (to be filled in). */
#include "insn.h"

const struct opdef segment_ops[] = {
    {.fn = NULL},
};
