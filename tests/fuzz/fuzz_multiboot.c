/* libFuzzer target for the multiboot loader: arbitrary bytes as a kernel image must give
 * a load or exactly one line of error, never a crash. The first byte picks the RAM size
 * (2-17 MiB, so placement checks see small machines too); the rest is the image. A kernel
 * that loads is run briefly, which also fuzzes the loader's entry state. */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "machine/loader.h"
#include "machine/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    FILE *null = fopen("/dev/null", "w");
    if (!null) abort();
    struct machine_config cfg = {.ram_size = (2ull + (data[0] & 15)) << 20, .ncpus = 1,
                                 .no_reboot = true, .serial_out = null, .log = null,
                                 .icount_limit = 2000};
    char err[256] = "";
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "fuzz_multiboot: %s\n", err);
        abort();
    }
    int rc = multiboot_load_image(m, "kernel", data + 1, size - 1, "arg=1", NULL, err, sizeof err);
    if (rc != 0) {
        /* The contract: one line, no trailing newline, not empty. */
        if (rc != -1 || !err[0] || strchr(err, '\n')) {
            fprintf(stderr, "fuzz_multiboot: bad error report (rc %d): \"%s\"\n", rc, err);
            abort();
        }
    } else {
        machine_run(m);
    }
    machine_destroy(m);
    fclose(null);
    return 0;
}
