#include "guest.h"
void test_main(struct multiboot_info *mbi) { printf("hello\n"); }
