/* The opcode map: gathers every instruction family's handler table into one lookup the
 * decoder uses. Built once per process; immutable afterwards. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "insn.h"

#define NMAPS 4

/* table[long][map][op][reg]: group opcodes fill the reg slots they implement; plain
 * opcodes fill all eight. Index `long` is 1 for 64-bit mode: an opcode can mean different
 * instructions in and out of it (63 is ARPL or MOVSXD), registered with OPF_ONLY64 /
 * OPF_MODE16_32. */
static struct opdef table[2][NMAPS][256][8];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct opdef undefined = {.fn = op_ud};

static const struct opdef *const families[] = {
    alu_ops,    bits_ops,   bcd_ops,     muldiv_ops, shift_ops, move_ops,
    string_ops, stack_ops,  branch_ops,  far_ops,    system_ops, segment_ops,
    msr_ops,    io_ops,     fpu_ops,     sse_ops,    misc_ops,   intflag_ops,
    bound_ops,  vmx_ops,
};

static void build(void)
{
    for (size_t f = 0; f < ARRAY_LEN(families); f++) {
        for (const struct opdef *d = families[f]; d->fn; d++) {
            for (int lm = 0; lm < 2; lm++) {
                if ((d->flags & OPF_ONLY64) && !lm) continue;
                if ((d->flags & OPF_MODE16_32) && lm) continue;
                for (int r = 0; r < 8; r++) {
                    if (d->reg >= 0 && d->reg != r) continue;
                    struct opdef *slot = &table[lm][d->map][d->op][r];
                    if (slot->fn) {
                        /* Two families claiming one opcode is a build defect: say so. */
                        fprintf(stderr, "vanderpool: opcode map %u:%02x/%d registered twice\n",
                                d->map, d->op, r);
                        abort();
                    }
                    *slot = *d;
                }
            }
        }
    }
}

const struct opdef *optable_lookup(unsigned map, unsigned op, unsigned reg, bool long_mode)
{
    pthread_once(&once, build);
    const struct opdef *d = &table[long_mode][map & 3][op & 0xff][reg & 7];
    return d->fn ? d : &undefined;
}

void insn_specialize(struct insn *i, bool long_mode)
{
    /* Memory operand that is a 64-bit register plus displacement: the common case gets
     * one add in insn_ea. */
    i->ea_base = i->mod != 3 && i->adsz == 8 && !i->rip_rel && i->base != NO_REG &&
                 i->index == NO_REG;
    static insn_fn (*const hooks[])(const struct insn *, bool) = {
        alu_specialize, move_specialize, branch_specialize, shift_specialize, muldiv_specialize,
        stack_specialize,
    };
    for (size_t k = 0; k < ARRAY_LEN(hooks); k++) {
        insn_fn fn = hooks[k](i, long_mode);
        if (fn) {
            i->fn = fn;
            return;
        }
    }
}
