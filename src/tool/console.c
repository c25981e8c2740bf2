/* -serial stdio's input: see console.h. One terminal per process, so the state is a
 * file-level singleton (the signal handlers need it too). */
#define _POSIX_C_SOURCE 200809L
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CTRL_A 0x01

static struct {
    bool tty;    /* stdin is a terminal: escapes apply */
    bool raw;    /* we changed its mode: `saved` restores it */
    bool escape; /* Ctrl-A seen, the next byte is a command */
    bool eof;    /* stdin has ended; what is pending still goes out */
    bool ended;  /* nothing more to give */
    struct termios saved;
    uint8_t pending[256]; /* read from stdin, not yet taken by the guest */
    int npending;
} con;

void console_stop(void)
{
    if (con.raw) tcsetattr(STDIN_FILENO, TCSANOW, &con.saved);
    con.raw = false;
}

static void on_fatal_signal(int sig)
{
    if (con.raw) tcsetattr(STDIN_FILENO, TCSANOW, &con.saved); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

void console_start(void)
{
    con.tty = isatty(STDIN_FILENO);
    if (!con.tty) return;
    if (!isatty(STDOUT_FILENO) && !isatty(STDERR_FILENO)) {
        /* A terminal for input but none for output: a script running us (test runners,
         * parallel jobs sharing the terminal), not a user. Leave the terminal alone. */
        con.ended = true;
        return;
    }
    if (tcgetpgrp(STDIN_FILENO) != getpgrp() || tcgetattr(STDIN_FILENO, &con.saved)) {
        con.ended = true; /* a background job: reading would stop us (SIGTTIN) */
        return;
    }
    struct termios t = con.saved;
    /* Raw input as QEMU's -nographic: no echo, no line editing, no signals from ^C/^Z, no
     * CR/NL translation or flow control; output processing stays (OPOST). */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
        con.ended = true;
        return;
    }
    con.raw = true;
    atexit(console_stop);
    static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS};
    for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++) {
        struct sigaction sa = {0};
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[k], &sa, NULL);
    }
}

int console_is_tty(void)
{
    return con.raw;
}

void console_idle(void *ctx, uint64_t ns)
{
    (void)ctx;
    if (!con.raw || con.ended) return;
    uint64_t ms = ns / 1000000;
    if (ms > 20) ms = 20;
    if (!ms) return;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    poll(&p, 1, (int)ms);
}

/* Read what stdin has now into con.pending, acting on escapes; false after Ctrl-A x. */
static bool pull(void)
{
    int room = (int)sizeof con.pending - con.npending;
    if (con.eof || room <= 0) return true;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) return true;
    uint8_t in[sizeof con.pending];
    ssize_t n = read(STDIN_FILENO, in, (size_t)room);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0) {
        con.eof = true;
        return true;
    }
    for (ssize_t k = 0; k < n; k++) {
        uint8_t b = in[k];
        if (!con.tty) {
            con.pending[con.npending++] = b;
        } else if (con.escape) {
            con.escape = false;
            if (b == 'x') {
                console_stop();
                fprintf(stderr, "vanderpool: terminated (Ctrl-A x)\n");
                return false;
            }
            if (b == 'h')
                fprintf(stderr, "\r\nC-a x    exit\r\nC-a C-a  send C-a\r\nC-a h    this help\r\n");
            if (b == CTRL_A) con.pending[con.npending++] = b;
        } else if (b == CTRL_A) {
            con.escape = true;
        } else {
            con.pending[con.npending++] = b;
        }
    }
    return true;
}

int console_read(void *ctx, uint8_t *buf, int max)
{
    (void)ctx;
    if (con.ended) return -1;
    if (!pull()) {
        con.ended = true;
        return -2;
    }
    int n = max < con.npending ? max : con.npending;
    if (n > 0) {
        memcpy(buf, con.pending, (size_t)n);
        memmove(con.pending, con.pending + n, (size_t)(con.npending - n));
        con.npending -= n;
    }
    if (!n && con.eof && !con.npending) {
        con.ended = true;
        return -1;
    }
    return n;
}
