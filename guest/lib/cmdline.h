/* The multiboot command line (Vanderpool's -append, GRUB's multiboot line on Bochs) as a
 * choice among known words. */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H
#include "multiboot.h"

/* The index in words[0..n) of the last word of the command line that is one of them (a
 * loader may put the kernel's path first), or -1 when none is there. */
int cmdline_choice(const struct multiboot_info *mbi, const char *const *words, int n);

#endif
