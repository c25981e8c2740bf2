/* Short fixed-width types and small helpers shared by every part of the emulator. */
#ifndef VP_COMMON_H
#define VP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned __int128 u128;
typedef __int128 s128;

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1ull << (n))
/* A u64 for printf's %llx (u64 is unsigned long on LP64 hosts). */
#define LL(v) ((unsigned long long)(v))

/* Mask for an operand of `size` bytes (1, 2, 4 or 8). */
static inline u64 size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Sign-extend the low `size` bytes of v. */
static inline s64 sign_extend(u64 v, unsigned size)
{
    switch (size) {
    case 1: return (s8)v;
    case 2: return (s16)v;
    case 4: return (s32)v;
    default: return (s64)v;
    }
}

/* Unaligned little-endian loads and stores on host memory. These and the memcpy()s between
 * guest bytes and host integers need a little-endian host (x86-64 and arm64 are). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Vanderpool needs a little-endian host"
#endif
static inline u64 load_le(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const u8 *)p;
    case 2: { u16 v; memcpy(&v, p, 2); return v; }
    case 4: { u32 v; memcpy(&v, p, 4); return v; }
    default: { u64 v; memcpy(&v, p, 8); return v; }
    }
}

static inline void store_le(void *p, unsigned size, u64 v)
{
    switch (size) {
    case 1: *(u8 *)p = (u8)v; break;
    case 2: { u16 x = (u16)v; memcpy(p, &x, 2); break; }
    case 4: { u32 x = (u32)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

#endif
