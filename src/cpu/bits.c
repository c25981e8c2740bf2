/* Instruction family: bits (to be filled in). */
#include "insn.h"

const struct opdef bits_ops[] = {
    {.fn = NULL},
};
