/* The vanderpool command: parse options, build the machine, load the guest, run it and
 * turn why it stopped into the process exit status (see options.h). */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

static FILE *open_out(const char *path, const char *what)
{
    FILE *f = fopen(path, "w");
    if (!f) fprintf(stderr, "vanderpool: %s '%s': cannot open for writing\n", what, path);
    return f;
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

    int status = EXIT_USAGE;
    vp_machine *vm = vp_create(&o.cfg, err, sizeof err);
    if (!vm) {
        fprintf(stderr, "vanderpool: %s\n", err);
        goto out;
    }
    rc = o.kernel ? vp_load_multiboot(vm, o.kernel, o.append, o.initrd, err, sizeof err)
                  : vp_load_flat(vm, o.flat, o.flat_addr, o.flat_real, err, sizeof err);
    if (rc) {
        fprintf(stderr, "vanderpool: %s\n", err);
        goto out;
    }

    FILE *diag = log ? log : stderr;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    vp_stop why = vp_run(vm);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (o.stats) {
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        unsigned long long n = (unsigned long long)vp_icount(vm);
        fprintf(diag, "vanderpool: %llu instructions in %.3f s (%.1f MIPS)\n", n, secs,
                secs > 0 ? (double)n / secs / 1e6 : 0.0);
        vp_vmx_summary(vm, diag);
    }
    switch (why) {
    case VP_STOP_DEBUG_EXIT: status = vp_exit_status(vm); break;
    case VP_STOP_SHUTDOWN: status = EXIT_RESET; break; /* the machine already said why */
    case VP_STOP_HALTED:
        vp_halt_reason(vm, err, sizeof err);
        fprintf(diag, "vanderpool: %s\n", err);
        status = EXIT_HALTED;
        break;
    case VP_STOP_LIMIT:
        fprintf(diag, "vanderpool: instruction limit of %llu reached\n",
                (unsigned long long)o.cfg.insn_limit);
        status = EXIT_LIMIT;
        break;
    }

out:
    vp_destroy(vm);
    fflush(stdout);
    if (serial) fclose(serial);
    if (log) fclose(log);
    return status;
}
