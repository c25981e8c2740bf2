/* A minimal setjmp/longjmp (callee-saved registers, stack pointer, return address).
 * Trap handlers use it to abandon a faulting instruction and resume the test. */
#ifndef GUEST_SETJMP_H
#define GUEST_SETJMP_H
#include "types.h"
struct jmpbuf {
    uptr regs[8];
};
int gsetjmp(struct jmpbuf *jb) __attribute__((returns_twice));
NORETURN void glongjmp(struct jmpbuf *jb, int val);
#endif
