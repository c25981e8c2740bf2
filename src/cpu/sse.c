/* Instruction family: sse (to be filled in). */
#include "insn.h"

const struct opdef sse_ops[] = {
    {.fn = NULL},
};
