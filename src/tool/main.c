/* The vanderpool command: parse options, build the machine, load the guest, run it and
 * turn why it stopped into the process exit status (see options.h). */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "gdbstub.h"
#include "options.h"

static FILE *open_out(const char *path, const char *what)
{
    FILE *f = fopen(path, "w");
    if (!f) fprintf(stderr, "vanderpool: %s '%s': cannot open for writing\n", what, path);
    return f;
}

/* Where diagnostics go and the options, for stop_status (one machine per process here). */
static FILE *g_diag;
static const struct options *g_opts;
static struct timespec g_t0;

/* -stats: instructions, host time and MIPS, then the VMX summary. */
static void print_stats(vp_machine *vm)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - g_t0.tv_sec) + (double)(t1.tv_nsec - g_t0.tv_nsec) / 1e9;
    unsigned long long n = (unsigned long long)vp_icount(vm);
    fprintf(g_diag, "vanderpool: %llu instructions in %.3f s (%.1f MIPS)\n", n, secs,
            secs > 0 ? (double)n / secs / 1e6 : 0.0);
    vp_vmx_summary(vm, g_diag);
}

/* The process exit status for why the machine stopped, saying why where it is not obvious. */
static int stop_status(vp_machine *vm, vp_stop why)
{
    char err[512];
    if (g_opts->stats) print_stats(vm);
    switch (why) {
    case VP_STOP_DEBUG_EXIT: return vp_exit_status(vm);
    case VP_STOP_SHUTDOWN: return EXIT_RESET; /* the machine already said why */
    case VP_STOP_HALTED:
        vp_halt_reason(vm, err, sizeof err);
        fprintf(g_diag, "vanderpool: %s\n", err);
        return EXIT_HALTED;
    case VP_STOP_LIMIT:
        fprintf(g_diag, "vanderpool: instruction limit of %llu reached\n",
                (unsigned long long)g_opts->cfg.insn_limit);
        return EXIT_LIMIT;
    case VP_STOP_DEBUG:
    case VP_STOP_BUDGET: break; /* not without a debugger */
    }
    return EXIT_RESET;
}

int main(int argc, char **argv)
{
    struct options o;
    char err[512];
    int rc = options_parse(argc, argv, &o, err, sizeof err);
    if (rc > 0) return 0;
    if (rc < 0) {
        fprintf(stderr, "vanderpool: %s\n", err);
        return EXIT_USAGE;
    }

    FILE *serial = NULL, *log = NULL;
    if (o.serial && (!strcmp(o.serial, "none") || !strcmp(o.serial, "null"))) {
        if (!(serial = open_out("/dev/null", "-serial"))) return EXIT_USAGE;
    } else if (o.serial && !strncmp(o.serial, "file:", 5)) {
        if (!(serial = open_out(o.serial + 5, "-serial file"))) return EXIT_USAGE;
    }
    if (o.logfile && !(log = open_out(o.logfile, "-D log file"))) {
        if (serial) fclose(serial);
        return EXIT_USAGE;
    }
    o.cfg.serial_out = serial;
    o.cfg.log = log;
    /* Keystrokes (or piped input) for COM1 only with an explicit -serial stdio. */
    if (o.serial && (!strcmp(o.serial, "stdio") || !strcmp(o.serial, "mon:stdio"))) {
        console_start();
        o.cfg.serial_in = console_read;
        if (console_is_tty()) o.cfg.serial_idle = console_idle;
    }

    int status = EXIT_USAGE;
    vp_machine *vm = vp_create(&o.cfg, err, sizeof err);
    if (!vm) {
        fprintf(stderr, "vanderpool: %s\n", err);
        goto out;
    }
    rc = o.kernel ? vp_load_kernel(vm, o.kernel, o.append, o.initrd, err, sizeof err)
                  : vp_load_flat(vm, o.flat, o.flat_addr, o.flat_real, err, sizeof err);
    if (rc) {
        fprintf(stderr, "vanderpool: %s\n", err);
        goto out;
    }

    g_diag = log ? log : stderr;
    g_opts = &o;
    clock_gettime(CLOCK_MONOTONIC, &g_t0);
    if (o.gdb) {
        struct gdb *g = malloc(sizeof *g);
        if (!g || gdb_listen(g, vm, o.gdb, err, sizeof err)) {
            fprintf(stderr, "vanderpool: %s\n", g ? err : "out of memory");
            free(g);
            goto out;
        }
        status = gdb_serve(g, o.start_stopped, stop_status);
        gdb_free(g);
        free(g);
    } else {
        status = stop_status(vm, vp_run(vm));
    }

out:
    console_stop();
    vp_destroy(vm);
    fflush(stdout);
    if (serial) fclose(serial);
    if (log) fclose(log);
    return status;
}
