/* Leaving the machine: QEMU's isa-debug-exit (port 0xf4, Vanderpool follows it) and
 * Bochs' "Shutdown" port (0x8900). Whichever emulator runs us reacts to one of them. */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H
#include "types.h"
NORETURN void vp_exit(u8 code);
#endif
