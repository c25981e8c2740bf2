/* Umbrella header for guest test programs. */
#ifndef GUEST_H
#define GUEST_H
#include "types.h"
#include "x86.h"
#include "segs.h"
#include "serial.h"
#include "printf.h"
#include "string.h"
#include "report.h"
#include "exit.h"
#include "setjmp.h"
#include "trap.h"
#include "lm.h"
#include "multiboot.h"
#ifndef __x86_64__
#include "gdt.h"
#endif

/* Each 32-bit test program defines this; returning ends the test (END + exit). */
void test_main(struct multiboot_info *mbi);
#endif
