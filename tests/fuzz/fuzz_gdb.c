/* libFuzzer target: the gdb stub (src/tool/gdbstub*.c) fed arbitrary client bytes, with
 * and without valid framing. Whatever a client sends, the stub must answer or drop it,
 * never crash, hang or corrupt the machine. Input: byte 0 bit 0 frames the rest as
 * packets ("$...#cs" with the right checksum, split at '\n'), else the bytes go in raw;
 * a continue or step a packet asks for runs the machine for a bounded number of
 * instructions, as the run loop would. Replies go nowhere (fd < 0). Build and run:
 * `make fuzz-gdb` (tests/fuzz/fuzz.mk). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool/gdbstub.h"

static void feed(struct gdb *g, const char *p, size_t n)
{
    enum gdb_action a = gdb_feed(g, p, n);
    if (a == GDB_CONTINUE || a == GDB_STEP) {
        vp_stop why = vp_run_for(g->vm, 2000);
        gdb_stop_reply(g, why, false);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static FILE *null;
    if (!null && !(null = fopen("/dev/null", "w"))) abort();
    vp_config cfg = {.ram_size = 4ull << 20, .smp = 2, .no_reboot = 1, .serial_out = null,
                     .log = null, .insn_limit = 1000000};
    char err[256];
    vp_machine *vm = vp_create(&cfg, err, sizeof err);
    if (!vm) {
        fprintf(stderr, "fuzz_gdb: %s\n", err);
        abort();
    }
    struct gdb *g = malloc(sizeof *g);
    if (!g) abort();
    gdb_init(g, vm);
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    if (data[0] & 1) {
        /* Well-formed packets, so the fuzzer reaches the dispatcher quickly. */
        while (n) {
            const char *nl = memchr(p, '\n', n);
            size_t len = nl ? (size_t)(nl - p) : n;
            char buf[GDB_PACKET_MAX + 8];
            if (len > GDB_PACKET_MAX) len = GDB_PACKET_MAX;
            unsigned sum = 0;
            for (size_t k = 0; k < len; k++) sum += (unsigned char)p[k];
            buf[0] = '$';
            memcpy(buf + 1, p, len);
            snprintf(buf + 1 + len, 4, "#%02x", sum & 0xff);
            feed(g, buf, len + 4);
            size_t used = nl ? len + 1 : n;
            if (used > n) used = n;
            p += used;
            n -= used;
        }
    } else {
        feed(g, p, n);
    }
    gdb_free(g);
    free(g);
    vp_destroy(vm);
    return 0;
}
