/* Random code in every mode: thousands of byte sequences (fixed seed, so every run is the
 * same) run for a bounded number of instructions with exceptions delivered through the
 * IDT (randenv.h). Each run must end (halt, shutdown or budget) with the architectural
 * invariants intact; under MODE=asan this also catches memory errors and UB anywhere a
 * guest can reach. One PASS/FAIL line per mode; a failure names the case to replay. */
#include "check.h"
#include "randenv.h"

#define CASES_PER_MODE 400
#define BUDGET 2000

/* xorshift64*: deterministic and independent of the host's rand(). */
static u64 rng_next(u64 *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/* Fragments that random bytes rarely produce but that reach the interesting paths:
 * segment loads, far transfers, IRET, INT n, descriptor-table and control-register
 * writes, string ops, stack switches. Random bytes follow to supply operands. */
static const u8 frags[][6] = {
    {0x8e, 0xd8}, {0x8e, 0xd0}, {0x8e, 0xc0}, {0x8e, 0xe0}, /* mov ds/ss/es/fs, ax */
    {0xea}, {0x9a}, {0xff, 0x2f}, {0xff, 0x1f},             /* jmp/call far */
    {0xcf}, {0x48, 0xcf}, {0x66, 0xcf}, {0xcb}, {0xca},     /* iret, retf */
    {0xcd}, {0xcc}, {0xce}, {0xf1},                         /* int n, int3, into, int1 */
    {0x0f, 0x01, 0x17}, {0x0f, 0x01, 0x1f}, {0x0f, 0x00, 0xd8}, {0x0f, 0x00, 0xd0}, /* lgdt lidt ltr lldt */
    {0x0f, 0x22, 0xc0}, {0x0f, 0x22, 0xe0}, {0x0f, 0x22, 0xd8}, /* mov cr0/cr4/cr3, eax */
    {0x0f, 0x30}, {0x0f, 0x32}, {0x0f, 0x05}, {0x0f, 0x07}, {0x0f, 0x34}, {0x0f, 0x35}, /* wrmsr.. sysexit */
    {0xf3, 0xa4}, {0xf3, 0xab}, {0xf3, 0x6c}, {0xf2, 0xae}, /* rep string */
    {0xc8}, {0xc9}, {0x61}, {0x60}, {0x17}, {0x1f}, {0x07}, /* enter, leave, popa, pusha, pop ss/ds/es */
    {0xfb}, {0xfa}, {0x9d}, {0xf4}, {0x0f, 0x0b},           /* sti cli popf hlt ud2 */
    {0xb8, 0x01, 0x00, 0x00, 0x80}, {0xb8, 0x4b, 0x00}, {0xb8, 0x81, 0x00, 0x00, 0xc0}, /* eax = msr / sel */
    {0xe6, 0x43}, {0xe6, 0x40}, {0xe6, 0x21}, {0xe6, 0xf4}, {0xef}, {0xed}, /* PIT, PIC, debug exit, out/in dx */
    {0x0f, 0x20, 0xc0}, {0x0f, 0x23, 0xf8}, {0x0f, 0xa2}, {0x0f, 0x31}, {0x0f, 0x01, 0xf8}, /* cr/dr, cpuid, rdtsc, swapgs */
    {0x0f, 0xae, 0x00}, {0x0f, 0xae, 0x08}, {0xd9, 0x38}, {0xdb, 0xe3}, /* fxsave fxrstor fnstcw fninit */
    {0x0f, 0xc7, 0x08}, {0xf0, 0x0f, 0xb1, 0x08}, {0x0f, 0xb2, 0x00}, {0x62, 0x00}, /* cmpxchg8b, lss, bound */
    {0x66}, {0x67}, {0xf0}, {0x2e}, {0x36}, {0x64}, {0x65}, {0x48}, {0x41}, /* prefixes */
};

static size_t gen_case(u64 *s, unsigned mode, u8 *buf, size_t cap)
{
    size_t n = 0;
    u64 r = rng_next(s);
    buf[n++] = (u8)((r & 0xf8) | mode);
    /* Mostly plain state so the code itself decides what happens; sometimes odd state. */
    bool odd = (r >> 8) % 4 == 0;
    for (int k = 1; k < 5; k++) buf[n++] = odd ? (u8)rng_next(s) : 0;
    buf[1] &= 0x3f; /* IOPL 0: keep v86 IOPL-sensitive paths reachable */
    if ((r >> 16) % 2) buf[1] |= 0xc0;
    for (int k = 0; k < 16; k++) buf[n++] = (u8)rng_next(s);
    buf[n - 16 + RSP] = 0;
    unsigned npatch = (r >> 24) % 3 == 0 ? (unsigned)(rng_next(s) % 6) : 0;
    buf[n++] = (u8)npatch;
    for (unsigned k = 0; k < npatch; k++)
        for (int b = 0; b < 9; b++) buf[n++] = (u8)rng_next(s);
    size_t code = 16 + rng_next(s) % 240;
    while (code-- && n < cap) {
        u64 x = rng_next(s);
        if (x % 4 == 0) {
            const u8 *f = frags[(x >> 8) % ARRAY_LEN(frags)];
            for (size_t k = 0; k < 6 && n < cap && (k == 0 || f[k]); k++) buf[n++] = f[k];
        } else {
            buf[n++] = (u8)(x >> 16);
        }
    }
    return n;
}

static const char *mode_name[8] = {"real", "prot16", "prot32", "long", "v86", "compat",
                                   "prot32_ring3_paging", "long_ring3"};

/* Regression: real-mode #UD and #GP vectors pointing at FFFF:FFFF, where every fetch
 * crosses the CS limit. Each delivery succeeds and the handler faults again, forever,
 * without retiring an instruction; the run must still end at its budget. */
static void test_fault_storm(struct renv *e)
{
    static const u8 input[] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* state */
        0,                                                             /* no patches */
        0xc7, 0x06, 0x18, 0x00, 0xff, 0xff, 0xc7, 0x06, 0x1a, 0x00, 0xff, 0xff, /* IVT[6] */
        0xc7, 0x06, 0x34, 0x00, 0xff, 0xff, 0xc7, 0x06, 0x36, 0x00, 0xff, 0xff, /* IVT[13] */
        0x0f, 0x0b,                                                    /* ud2 */
    };
    if (!renv_init(e, input, sizeof input)) exit(2);
    enum renv_end end = renv_run(e, 1000);
    CHECK("random_code.fault_storm_ends", end == RE_BUDGET, "end %d", end);
    CHECK_EQ("random_code.fault_storm_cs", e->c->seg[SEG_CS].sel, 0xffff);
}

/* RANDOM_CODE_DUMP=dir writes each mode's first failing input there, in the fuzzer's
 * format: `build/libfuzzer/fuzz_exec FILE` (with RENV_TRACE=1) replays it. */
static void dump_case(const char *mode, const u8 *buf, size_t n)
{
    const char *dir = getenv("RANDOM_CODE_DUMP");
    if (!dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/random_code.%s", dir, mode);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(buf, 1, n, f);
    fclose(f);
}

int main(void)
{
    /* RANDOM_CODE_CASES / RANDOM_CODE_SEED: longer or different runs by hand. */
    const char *ncase = getenv("RANDOM_CODE_CASES"), *nseed = getenv("RANDOM_CODE_SEED");
    int cases = ncase ? atoi(ncase) : CASES_PER_MODE;
    u64 seed = nseed ? strtoull(nseed, NULL, 0) : 0x5eed0f00d;
    u8 buf[1024];
    struct renv e = {0}; /* one machine, recycled for every case */
    for (unsigned mode = 0; mode < 8; mode++) {
        unsigned ends[4] = {0}, bad = 0;
        char first_bad[300] = "";
        for (int k = 0; k < cases; k++) {
            u64 case_seed = seed;
            size_t n = gen_case(&seed, mode, buf, sizeof buf);
            if (!renv_init(&e, buf, n)) return 2;
            enum renv_end end = renv_run(&e, BUDGET);
            ends[end]++;
            char why[200];
            const char *broken = renv_check(e.c, why, sizeof why);
            if (broken && !bad++) {
                snprintf(first_bad, sizeof first_bad, "case %d (seed %#llx): %s", k,
                         (unsigned long long)case_seed, broken);
                dump_case(mode_name[mode], buf, n);
            }
        }
        char name[80];
        snprintf(name, sizeof name, "random_code.%s", mode_name[mode]);
        CHECK(name, bad == 0, "%u of %d runs broke an invariant; first: %s", bad, cases, first_bad);
        printf("# %s: %u budget, %u halted, %u shutdown, %u stopped\n", mode_name[mode], ends[RE_BUDGET],
               ends[RE_HALT], ends[RE_SHUTDOWN], ends[RE_STOP]);
    }
    test_fault_storm(&e);
    renv_free(&e);
    return check_exit();
}
