/* The benchmark kernels. Each prints a checksum so a wrong answer is caught by
 * comparing Vanderpool's output with Bochs'. Sizes are chosen for about 1.5e9 guest
 * instructions in total. */
#include "guest.h"

#define SIEVE_N 1000000
#define SIEVE_REPS 24
#define CRC_BYTES 65536
#define CRC_REPS 48
#define SORT_N 65536
#define SORT_REPS 12
#define HASH_ITERS 80000000

static u8 sieve_buf[SIEVE_N + 1];
static u8 crc_buf[CRC_BYTES];
static u32 sort_buf[SORT_N];

static u64 rng = 0x9e3779b97f4a7c15ull;
static u64 xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static u64 sieve(void)
{
    u64 count = 0;
    for (int rep = 0; rep < SIEVE_REPS; rep++) {
        for (u32 i = 0; i <= SIEVE_N; i++)
            sieve_buf[i] = 1;
        count = 0;
        for (u32 i = 2; i <= SIEVE_N; i++) {
            if (!sieve_buf[i])
                continue;
            count++;
            for (u64 j = (u64)i * i; j <= SIEVE_N; j += i)
                sieve_buf[j] = 0;
        }
    }
    return count;
}

static u32 crc32(void)
{
    for (u32 i = 0; i < CRC_BYTES; i++)
        crc_buf[i] = (u8)xorshift();
    u32 crc = 0;
    for (int rep = 0; rep < CRC_REPS; rep++) {
        crc = ~crc;
        for (u32 i = 0; i < CRC_BYTES; i++) {
            crc ^= crc_buf[i];
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
        crc = ~crc;
    }
    return crc;
}

static void quicksort(u32 *a, long lo, long hi)
{
    while (lo < hi) {
        u32 pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                u32 t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        /* Recurse into the smaller half, loop on the larger: bounded stack. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static u64 sort(void)
{
    u64 sum = 0;
    for (int rep = 0; rep < SORT_REPS; rep++) {
        for (u32 i = 0; i < SORT_N; i++)
            sort_buf[i] = (u32)xorshift();
        quicksort(sort_buf, 0, SORT_N - 1);
        for (u32 i = 1; i < SORT_N; i++)
            if (sort_buf[i - 1] > sort_buf[i])
                return 0; /* unsorted: the checksum shows it */
        sum = sum * 31 + sort_buf[SORT_N / 2];
    }
    return sum;
}

static u64 hash(void)
{
    u64 h = 0xcbf29ce484222325ull; /* FNV-1a over a stream of mixed 64-bit words */
    u64 x = 1;
    for (u32 i = 0; i < HASH_ITERS; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        h ^= x >> 29;
        h *= 0x100000001b3ull;
    }
    return h;
}

void main64(u64 arg)
{
    printf("bench sieve primes=%llu\n", (unsigned long long)sieve());
    printf("bench crc32 crc=%08x\n", crc32());
    printf("bench sort checksum=%016llx\n", (unsigned long long)sort());
    printf("bench hash value=%016llx\n", (unsigned long long)hash());
    printf("bench done\n");
}
