/* -serial stdio's input side: the terminal in raw mode while the machine runs (restored at
 * exit and on fatal signals), QEMU's escapes (Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A),
 * and stdin read without ever blocking, for the UART's receiver. */
#ifndef VP_TOOL_CONSOLE_H
#define VP_TOOL_CONSOLE_H

#include <stdint.h>

/* Prepare stdin: raw mode if it is the controlling terminal, we are in the foreground and
 * stdout or stderr is a terminal too (a background job, or a script that redirected both,
 * leaves the terminal alone and reads nothing). Files and pipes are read as they are. */
void console_start(void);
/* vp_config.serial_in: bytes typed or piped so far, 0 if none, -1 at end of input, -2
 * after Ctrl-A x. */
int console_read(void *ctx, uint8_t *buf, int max);
/* vp_config.serial_idle for a terminal: wait up to ns (at most 20 ms) of host time for
 * a keystroke, so an idle guest at a prompt neither spins the host nor races its clock. */
void console_idle(void *ctx, uint64_t ns);
/* True when stdin is a terminal we read (console_idle applies). */
int console_is_tty(void);
/* Put the terminal back as it was (also done at exit and on fatal signals). */
void console_stop(void);

#endif
