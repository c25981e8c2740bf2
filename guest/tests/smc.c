/* (h) Self-modifying code: patching code in a buffer between calls, patching the very
 * next instruction, rewriting an immediate on every loop iteration, and writing code
 * through one virtual alias while executing it through another. */
#include "guest.h"

static u8 buf[64] ALIGNED(64);

/* mov $imm32, %eax; ret */
static void emit_ret_imm(u8 *p, u32 imm)
{
    p[0] = 0xb8;
    memcpy(p + 1, &imm, 4);
    p[5] = 0xc3;
}

static u32 call_buf(u8 *p) { return ((u32(*)(void))p)(); }
static volatile u32 result;
static void run_buf(void *arg) { result = call_buf(buf); }

extern char next_imm[];

__attribute__((noinline)) static u32 patch_next(void)
{
    u32 r;
    /* The store rewrites the immediate of the MOV that directly follows it. */
    __asm__ volatile("movl $0x22222222, next_imm\n"
                     "  .byte 0xb8\n"
                     "next_imm: .long 0x11111111\n" /* mov $0x11111111, %eax */
                     : "=a"(r)::"memory");
    return r;
}

/* 32-bit paging with two virtual windows onto one physical page. */
static u32 pd[1024] ALIGNED(4096);
static u32 pt[1024] ALIGNED(4096);
static u8 page[4096] ALIGNED(4096);
#define EXEC_VA 0x40000000u
#define WRITE_VA 0x40001000u

void test_main(struct multiboot_info *mbi)
{
    emit_ret_imm(buf, 1);
    check_eq("smc_first_version", call_buf(buf), 1);
    emit_ret_imm(buf, 2);
    check_eq("smc_patched_immediate", call_buf(buf), 2);
    buf[0] = 0x31;
    buf[1] = 0xc0; /* xor %eax, %eax */
    buf[2] = 0x40; /* inc %eax */
    buf[3] = 0xc3;
    check_eq("smc_new_instructions", call_buf(buf), 1);

    check_eq("smc_next_instruction", patch_next(), 0x22222222);
    check_eq("smc_next_instruction_again", patch_next(), 0x22222222);

    /* A loop whose body rewrites its own ADD immediate each time round. */
    u32 sum = 0;
    for (u32 i = 1; i <= 100; i++) {
        emit_ret_imm(buf, i);
        sum += call_buf(buf);
    }
    check_eq("smc_loop_sum", sum, 5050);

    /* Code that patches the instruction right after its own store:
     *   66 c7 05 <buf+9> 90 90   movw $0x9090, buf+9
     *   0f 0b                    ud2   (becomes nop; nop)
     *   b8 33 00 00 00 c3        mov $0x33, %eax; ret
     * A stale decode of the UD2 shows up as #UD, caught and reported. */
    u32 target = (u32)(uptr)(buf + 9), v = 0x33;
    buf[0] = 0x66; buf[1] = 0xc7; buf[2] = 0x05;
    memcpy(buf + 3, &target, 4);
    buf[7] = 0x90; buf[8] = 0x90;
    buf[9] = 0x0f; buf[10] = 0x0b;
    buf[11] = 0xb8; memcpy(buf + 12, &v, 4);
    buf[16] = 0xc3;
    int vec = catch_fault(run_buf, 0);
    check_eq("smc_patch_ahead_vector", (u32)vec, (u32)-1);
    check_eq("smc_patch_ahead_result", result, 0x33);

    /* Alias: execute at EXEC_VA, write through WRITE_VA (same physical page). */
    for (u32 i = 0; i < 1024; i++)
        pd[i] = (i << 22) | 0x83; /* 4 MiB identity pages */
    pd[EXEC_VA >> 22] = (u32)(uptr)pt | 3;
    memset(pt, 0, sizeof(pt));
    pt[0] = (u32)(uptr)page | 3;
    pt[1] = (u32)(uptr)page | 3;
    write_cr3((uptr)pd);
    write_cr4(read_cr4() | CR4_PSE);
    write_cr0(read_cr0() | CR0_PG);
    emit_ret_imm((u8 *)WRITE_VA, 0x44);
    u32 a = call_buf((u8 *)EXEC_VA);
    emit_ret_imm((u8 *)WRITE_VA, 0x55);
    u32 b = call_buf((u8 *)EXEC_VA);
    write_cr0(read_cr0() & ~CR0_PG);
    check_eq("smc_alias_first", a, 0x44);
    check_eq("smc_alias_patched", b, 0x55);
}
