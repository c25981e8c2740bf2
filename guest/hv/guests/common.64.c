#include "common.c"
