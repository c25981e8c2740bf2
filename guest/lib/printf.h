/* A printf subset for the serial console: %d %i %u %x %X %p %s %c %%, with an optional
 * '0' flag, a width and the l / ll / z length modifiers. */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H
#include "types.h"
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
