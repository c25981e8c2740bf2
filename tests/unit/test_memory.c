/* Physical memory as the processor sees it: RAM, and unbacked addresses (open bus) that
 * read as all ones and discard writes, both on the first access (page walk) and on later
 * ones (served by the TLB). */
#include "check.h"
#include "harness.h"

int main(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    /* 0x20000000 is mapped by the harness's identity map but lies beyond its 16 MiB RAM. */
    static const u8 code[] = {
        0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x20, /* mov rax, [0x20000000] */
        0x48, 0x89, 0x1c, 0x25, 0x00, 0x00, 0x00, 0x20, /* mov [0x20000000], rbx */
        0x48, 0x8b, 0x0c, 0x25, 0x00, 0x00, 0x00, 0x20, /* mov rcx, [0x20000000] */
        0x8b, 0x14, 0x25, 0x04, 0x00, 0x00, 0x20,       /* mov edx, [0x20000004] */
        0x48, 0x89, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00, /* mov [0x200000], rbx (RAM) */
        0x48, 0x8b, 0x34, 0x25, 0x00, 0x00, 0x20, 0x00, /* mov rsi, [0x200000] */
    };
    c->r[RBX] = 0x1122334455667788ull;
    int r = harness_run(h, code, sizeof code, 100);
    CHECK("memory.run_reaches_hlt", r == -1, "stopped with %d", r);
    CHECK_EQ("memory.open_bus_reads_all_ones", c->r[RAX], ~0ull);
    CHECK_EQ("memory.open_bus_discards_writes", c->r[RCX], ~0ull);
    CHECK_EQ("memory.open_bus_dword_through_tlb", c->r[RDX], 0xffffffffull);
    CHECK_EQ("memory.ram_keeps_writes", c->r[RSI], 0x1122334455667788ull);

    /* Run again: every access now hits TLB entries filled by the first run. */
    c->r[RAX] = c->r[RCX] = c->r[RDX] = 0;
    r = harness_run(h, code, sizeof code, 100);
    CHECK("memory.second_run_reaches_hlt", r == -1, "stopped with %d", r);
    CHECK_EQ("memory.open_bus_still_all_ones", c->r[RCX], ~0ull);
    u64 v = 0;
    CHECK("memory.open_bus_not_ram", !phys_copy_out(h->m, 0x20000000, &v, 8), "copy succeeded");
    CHECK_EQ("memory.phys_read_open_bus", phys_read(h->m, NULL, 0x20000000, 4), 0xffffffffull);
    harness_free(h);
    return check_exit();
}
