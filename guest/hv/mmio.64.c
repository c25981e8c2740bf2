/* MMIO emulation: an EPT violation (without EPT, a page fault that the guest's own
 * tables resolve there, shadow.64.c) on the "hypervisor info" page (hvabi.h) is a MOV
 * between a general register and memory; this decodes it from the guest's code (SDM Vol.
 * 2 2.1: prefixes, REX, opcode 89/8B, ModR/M, SIB, displacement), performs it on the
 * device and moves RIP past it. EPT violations report no instruction length (SDM 28.2.5),
 * hence the decoding. */
#include "hv.h"

static u32 info_read(struct guest *g, u32 off)
{
    switch (off) {
    case HV_INFO_MAGIC: return HV_INFO_MAGIC_VALUE;
    case HV_INFO_ID: return (u32)g->id;
    case HV_INFO_COUNT: return (u32)hv.n;
    case HV_INFO_SCRATCH: return (u32)g->mmio_scratch;
    }
    return 0xffffffffu;
}

static void info_write(struct guest *g, u32 off, u64 v)
{
    if (off == HV_INFO_SCRATCH) g->mmio_scratch = (u32)v;
}

int mmio_access(struct guest *g, u64 gpa)
{
    u8 b[16];
    u64 rip = vmr(GUEST_RIP);
    u32 cs_ar = (u32)vmr(GUEST_CS_AR);
    int long64 = (cs_ar >> 13) & 1, d32 = (cs_ar >> 14) & 1;
    if (!long64 && !d32) return -1; /* 16-bit addressing: not among our guests */
    for (int k = 0; k < 16; k++)
        if (read_lin(g, vmr(GUEST_CS_BASE) + rip + k, &b[k], 1)) b[k] = 0;
    int i = 0, rex = 0, size = 4;
    if (b[i] == 0x66) size = 2, i++;
    if (long64 && (b[i] & 0xf0) == 0x40) rex = b[i++];
    if (rex & 8) size = 8;
    u8 op = b[i++];
    if (op != 0x89 && op != 0x8b) return -1;
    u8 modrm = b[i++];
    int mod = modrm >> 6, rm = modrm & 7, reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    if (mod == 3) return -1;
    if (rm == 4 && (b[i++] & 7) == 5 && mod == 0)
        i += 4; /* SIB with no base: disp32 */
    else if (rm == 5 && mod == 0)
        i += 4; /* disp32 (RIP-relative in 64-bit mode) */
    i += mod == 1 ? 1 : mod == 2 ? 4 : 0;
    u32 off = gpa & 0xfff;
    if (op == 0x8b)
        hv_set_gpr(g, reg, info_read(g, off), size);
    else
        info_write(g, off, hv_get_gpr(g, reg));
    vmw(GUEST_RIP, rip + i);
    return 0;
}
