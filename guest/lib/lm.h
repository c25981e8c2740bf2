/* Calling into the 64-bit world from the 32-bit one. A test's 64-bit half (files named
 * *_64.c) is linked separately at BLOB64_BASE and its main64(arg) runs with an
 * identity map of the low 4 GiB (2 MiB pages, user-accessible), the runtime's GDT and
 * its own 64-bit IDT. */
#ifndef GUEST_LM_H
#define GUEST_LM_H
#include "types.h"

#define BLOB64_BASE 0x400000u

/* 32-bit side: returns the number of checks that failed in the 64-bit world. */
int call64(u32 arg);
/* The identity-mapping PML4 (physical address), built on first use. */
u32 lm_identity_pml4(void);

/* 64-bit side: each test with a 64-bit half defines this. */
void main64(u64 arg);
#endif
