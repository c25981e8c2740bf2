/* The public API: configuration checking, register and memory access, and several
 * machines living side by side in one process. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vanderpool.h"

static void expect_create_fail(const char *t, vp_config cfg, const char *want)
{
    char err[256] = "";
    vp_machine *m = vp_create(&cfg, err, sizeof err);
    CHECK(t, !m && strstr(err, want) && !strchr(err, '\n'), "machine %p, message '%s', want '%s'",
          (void *)m, err, want);
    vp_destroy(m);
}

int main(void)
{
    char err[256] = "";

    /* Defaults. */
    vp_machine *a = vp_create(NULL, err, sizeof err);
    CHECK("create with defaults", a != NULL, "%s", err);
    if (!a) return check_exit();
    unsigned char byte = 0x5a;
    CHECK("default RAM has 127 MiB", vp_write_phys(a, (127u << 20), &byte, 1) == 0, "write failed");
    CHECK("default RAM ends at 128 MiB", vp_write_phys(a, (128u << 20), &byte, 1) == -1, "write succeeded");

    /* Bad configurations. */
    expect_create_fail("bad: RAM below 2 MiB", (vp_config){ .ram_size = 1 << 20 }, "2 MiB");
    expect_create_fail("bad: smp 65", (vp_config){ .smp = 65 }, "processor count");
    expect_create_fail("bad: smp negative", (vp_config){ .smp = -1 }, "processor count");
    expect_create_fail("bad: cpu model", (vp_config){ .cpu = "pentium9000" }, "unknown CPU model");
    expect_create_fail("bad: cpu feature", (vp_config){ .cpu = "skylake,+" }, "feature");
    expect_create_fail("bad: trace category", (vp_config){ .trace = "exec,bogus" }, "bogus");
    expect_create_fail("bad: RAM too large for the host", (vp_config){ .ram_size = 1ull << 62 }, "memory");

    uint32_t mask = 0;
    CHECK("trace list parses", vp_trace_parse("exec,int,cpu_reset,unimp,io", &mask, err, sizeof err) == 0 &&
          mask == 0x1f, "mask 0x%x: %s", mask, err);

    /* Registers. */
    uint64_t v = 0;
    CHECK("set rax", vp_set_reg(a, 0, "rax", 0x1122334455667788ull) == 0, "failed");
    CHECK("get rax", vp_get_reg(a, 0, "rax", &v) == 0 && v == 0x1122334455667788ull, "0x%llx",
          (unsigned long long)v);
    CHECK("set r15", vp_set_reg(a, 0, "r15", 7) == 0 && vp_get_reg(a, 0, "r15", &v) == 0 && v == 7,
          "0x%llx", (unsigned long long)v);
    CHECK("reset rip", vp_get_reg(a, 0, "rip", &v) == 0 && v == 0xfff0, "0x%llx", (unsigned long long)v);
    CHECK("reset cs", vp_get_reg(a, 0, "cs", &v) == 0 && v == 0xf000, "0x%llx", (unsigned long long)v);
    CHECK("reset rflags", vp_get_reg(a, 0, "rflags", &v) == 0 && v == 2, "0x%llx", (unsigned long long)v);
    CHECK("real-mode ds sets base", vp_set_reg(a, 0, "ds", 0x1234) == 0 &&
          vp_get_reg(a, 0, "ds_base", &v) == 0 && v == 0x12340, "0x%llx", (unsigned long long)v);
    CHECK("unknown register", vp_get_reg(a, 0, "rzz", &v) == -1, "accepted");
    CHECK("unknown register set", vp_set_reg(a, 0, "xyz", 1) == -1, "accepted");
    CHECK("icount read-only", vp_set_reg(a, 0, "icount", 1) == -1, "accepted");
    CHECK("cpu index out of range", vp_get_reg(a, 1, "rax", &v) == -1, "accepted");
    CHECK("negative cpu index", vp_get_reg(a, -1, "rax", &v) == -1, "accepted");
    {   /* x87 and SSE: st0 is the register at TOP, ftw the full tag word. */
        static const uint8_t one[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f};
        uint8_t x[16], y[16];
        CHECK("fsw with TOP 3", vp_set_reg(a, 0, "fsw", 3 << 11) == 0 && vp_get_reg(a, 0, "fsw", &v) == 0 &&
              v == 3 << 11, "0x%llx", (unsigned long long)v);
        CHECK("set st0", vp_set_reg_bytes(a, 0, "st0", one, 10) == 10, "failed");
        CHECK("ftw: R3 valid", vp_set_reg(a, 0, "ftw", 0xff3f) == 0 && vp_get_reg(a, 0, "ftw", &v) == 0 &&
              v == 0xff3f, "0x%llx", (unsigned long long)v);
        CHECK("fsw TOP 1 moves the stack: st2 is R3", vp_set_reg(a, 0, "fsw", 1 << 11) == 0 &&
              vp_get_reg_bytes(a, 0, "st2", x, sizeof x) == 10 && memcmp(x, one, 10) == 0 &&
              vp_get_reg_bytes(a, 0, "st0", y, 10) == 10 && memcmp(y, one, 10) != 0, "wrong register");
        for (int k = 0; k < 16; k++) x[k] = (uint8_t)(0xa0 + k);
        CHECK("xmm15 round trip", vp_set_reg_bytes(a, 0, "xmm15", x, 16) == 16 &&
              vp_get_reg_bytes(a, 0, "xmm15", y, 16) == 16 && memcmp(x, y, 16) == 0, "differs");
        CHECK("mxcsr round trip", vp_set_reg(a, 0, "mxcsr", 0x9fc0) == 0 && vp_get_reg(a, 0, "mxcsr", &v) == 0 &&
              v == 0x9fc0, "0x%llx", (unsigned long long)v);
        CHECK("fip round trip", vp_set_reg(a, 0, "fip", 0x123456789ull) == 0 && vp_get_reg(a, 0, "fip", &v) == 0 &&
              v == 0x123456789ull, "0x%llx", (unsigned long long)v);
        CHECK("bad wide names", vp_get_reg_bytes(a, 0, "st8", y, 16) == -1 &&
              vp_get_reg_bytes(a, 0, "xmm16", y, 16) == -1 && vp_get_reg_bytes(a, 0, "xmm01", y, 16) == -1 &&
              vp_get_reg_bytes(a, 0, "rax", y, 16) == -1, "accepted");
        CHECK("short buffer / wrong size", vp_get_reg_bytes(a, 0, "xmm0", y, 15) == -1 &&
              vp_set_reg_bytes(a, 0, "st0", one, 16) == -1, "accepted");
    }

    /* Memory. */
    unsigned char buf[8192], back[8192];
    for (size_t k = 0; k < sizeof buf; k++) buf[k] = (unsigned char)(k * 31);
    CHECK("write across pages", vp_write_phys(a, 0x1ff0, buf, sizeof buf) == 0, "failed");
    CHECK("read across pages", vp_read_phys(a, 0x1ff0, back, sizeof back) == 0 &&
          memcmp(buf, back, sizeof buf) == 0, "mismatch");
    CHECK("read past RAM", vp_read_phys(a, (128u << 20) - 4, back, 8) == -1, "accepted");
    CHECK("read wrapping", vp_read_phys(a, UINT64_MAX - 2, back, 8) == -1, "accepted");

    /* A second machine is independent. */
    vp_machine *b = vp_create(&(vp_config){ .ram_size = 4 << 20, .smp = 2 }, err, sizeof err);
    CHECK("second machine", b != NULL, "%s", err);
    if (b) {
        CHECK("second machine memory separate", vp_read_phys(b, 0x1ff0, back, 16) == 0 &&
              memcmp(back, buf, 16) != 0, "shares memory");
        CHECK("second machine registers separate", vp_get_reg(b, 0, "rax", &v) == 0 && v != 0x1122334455667788ull,
              "shares registers");
        CHECK("second machine has cpu 1", vp_get_reg(b, 1, "rip", &v) == 0, "no cpu 1");
        vp_destroy(b);
    }
    vp_destroy(a);
    vp_destroy(NULL);
    return check_exit();
}
