/* The vanderpool command line: QEMU's spelling for what both understand, plus a few
 * options of our own. Parsing only; main.c acts on the result. */
#ifndef VP_TOOL_OPTIONS_H
#define VP_TOOL_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vanderpool.h"

/* Exit statuses (documented in --help). Debug-exit statuses are odd, ours are even. */
enum {
    EXIT_USAGE = 2,    /* bad command line, unreadable or malformed image */
    EXIT_RESET = 4,    /* triple fault or reset with -no-reboot */
    EXIT_HALTED = 6,   /* every processor halted and nothing can wake it */
    EXIT_LIMIT = 8,    /* -icount-limit reached */
};

struct options {
    vp_config cfg;
    const char *kernel, *append, *initrd;
    const char *flat;       /* -flat FILE */
    uint64_t flat_addr;
    bool flat_addr_set, flat_real;
    const char *serial;     /* -serial value, NULL = stdio */
    const char *logfile;    /* -D FILE */
    bool stats;             /* -stats: print instructions, host time, MIPS and the VMX exit summary at exit */
    const char *gdb;        /* -gdb tcp::PORT | tcp:HOST:PORT | unix:PATH (-s: tcp::1234) */
    bool start_stopped;     /* -S: wait for gdb before the first instruction */
};

/* Fills *o. Returns 0 to run, 1 when the request was informational and has been answered
 * on stdout (--help, --version, -d help, -cpu help), or -1 after writing one line into
 * err. */
int options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);

/* Value parsers, exposed for tests. Each returns 0, or -1 with a reason in err. */
int parse_mem_size(const char *s, uint64_t *bytes, char *err, size_t errlen);
int parse_u64(const char *what, const char *s, uint64_t *v, char *err, size_t errlen);
int parse_smp(const char *s, int *n, char *err, size_t errlen);
int parse_gdb(const char *s, char *err, size_t errlen);

void options_usage(FILE *out);

#endif
