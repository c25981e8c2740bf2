#!/usr/bin/env python3
"""Write the seed corpora for the fuzz targets into DIR/exec, DIR/multiboot, DIR/vmentry and DIR/gdb.

Seeds are generated, never committed: each is a small valid starting point that libFuzzer
mutates. fuzz_exec inputs follow the layout in tests/unit/randenv.h: mode byte, RFLAGS,
CR0 and CR4 extras, 16 register bytes, a patch count, patches, then code."""
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out + "/exec", exist_ok=True)
os.makedirs(out + "/multiboot", exist_ok=True)
os.makedirs(out + "/vmentry", exist_ok=True)
os.makedirs(out + "/gdb", exist_ok=True)

MODES = range(8)
# Code snippets that reach delivery, task switches and mode changes quickly.
SNIPPETS = {
    "int": bytes([0xcd, 0x21, 0xcd, 0x80, 0xf4]),
    "ud2": bytes([0x0f, 0x0b, 0xf4]),
    "div0": bytes([0x31, 0xc9, 0xf7, 0xf1, 0xf4]),
    "taskgate": bytes([0xcd, 0x7f, 0xf4]),
    "farjmp_tss": bytes([0xea, 0x00, 0x00, 0x00, 0x00, 0x78, 0x00]),
    "callgate": bytes([0x9a, 0x00, 0x00, 0x00, 0x00, 0x8b, 0x00, 0xf4]),
    "movss": bytes([0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x8e, 0xd8, 0xf4]),
    "badss": bytes([0xb8, 0x08, 0x00, 0x8e, 0xd0, 0xf4]),
    "iret": bytes([0x9c, 0x0e, 0xe8, 0x00, 0x00, 0xcf, 0xf4]),
    "cr0": bytes([0x0f, 0x20, 0xc0, 0x34, 0x01, 0x0f, 0x22, 0xc0, 0xf4]),
    "lidt0": bytes([0x0f, 0x01, 0x1d, 0x00, 0x00, 0x00, 0x00, 0xcc, 0xf4]),
    "sti_hlt": bytes([0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x10, 0xe6, 0x40, 0xe6, 0x40, 0xfb, 0xf4, 0xeb, 0xfd]),
    "stack_wrap": bytes([0x31, 0xe4, 0x50, 0x50, 0xf4]),
    "rep": bytes([0xb9, 0x00, 0x10, 0x00, 0x00, 0xf3, 0xab, 0xf4]),
    "syscall": bytes([0x0f, 0x05, 0x0f, 0x34, 0x0f, 0x07, 0xf4]),
}

def exec_seed(mode, code, flags=0, patches=()):
    hdr = bytes([mode | flags, 0, 0, 0, 0]) + bytes(16)
    body = bytes([len(patches)])
    for t, v in patches:
        body += bytes([t]) + struct.pack("<Q", v)
    return hdr + body + code

n = 0
for mode in MODES:
    for name, code in SNIPPETS.items():
        with open(f"{out}/exec/{mode}-{name}", "wb") as f:
            f.write(exec_seed(mode, code))
        n += 1
    # A not-present #GP gate and a broken TSS descriptor: double and triple faults.
    with open(f"{out}/exec/{mode}-df", "wb") as f:
        f.write(exec_seed(mode, SNIPPETS["ud2"], 0x10, [(0x40 | 6, 0), (0x40 | 13, 0), (0x0f, 0)]))
    n += 1

# Multiboot: an a.out-kludge kernel and an ELF32 kernel, both tiny.
MAGIC, AOUT = 0x1BADB002, 1 << 16
def mb_aout(ram=2):
    flags = AOUT | 2
    load = 0x100000
    code = bytes([0xf4])
    hdr = struct.pack("<IIIIIIII", MAGIC, flags, (-(MAGIC + flags)) & 0xffffffff,
                      load, load, load + 32 + len(code), load + 0x2000, load + 32)
    return bytes([ram]) + hdr + code

def mb_elf(ram=2):
    flags = 2
    mbh = struct.pack("<III", MAGIC, flags, (-(MAGIC + flags)) & 0xffffffff)
    code = mbh + bytes([0xf4])
    ehdr = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    ehdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x100000 + 12, 52, 0, 0, 52, 32, 1, 0, 0, 0)
    phdr = struct.pack("<IIIIIIII", 1, 0x1000, 0x100000, 0x100000, len(code), len(code) + 0x100, 7, 0x1000)
    img = ehdr + phdr
    img += bytes(0x1000 - len(img)) + code
    return bytes([ram]) + img

for name, data in (("aout", mb_aout()), ("elf", mb_elf()), ("aout-big", mb_aout(15))):
    with open(f"{out}/multiboot/{name}", "wb") as f:
        f.write(data)
# fuzz_vmentry inputs (tests/fuzz/fuzz_vmentry.c, fuzz_ept.h): flags (model, bit 3 EPT), VMCS
# mutation count, the 8-byte EPT block (features, layout, VPID, PML index, misc, EPT
# mutation count) and its 4-byte mutations (table, index, operation, argument), then
# guest code. They reach EPT violations, misconfigurations, PML, #VE, VMFUNC, 5-level and
# 1 GiB walks and a bad EPTP at once, so that a short run starts inside the EPT code.
SKYLAKE, WESTMERE, ICELAKE, CORE2 = range(4)
UG, VPID, PML, VE, VMFUNC, PWL5, AD, GUEST32 = (1 << k for k in range(8))
PAE = 4  # misc: the 32-bit guest uses PAE paging
PT_LOW, PT_2M, LEAF_1G = 1, 2, 4  # layout: 4 KiB pages for 0-2 MiB, 2-4 MiB; a 1 GiB leaf
HOT = 0x80  # EPT mutation index: an entry the guest uses (fuzz_ept.h hot_index)
T_PD, T_PT0, T_PT1, T_EPTP, T_LIST = 3, 4, 5, 6, 7
DATA = 0x208000

def ld(a): return bytes([0x48, 0x8b, 0x04, 0x25]) + struct.pack("<I", a)
def st(a): return bytes([0x48, 0x89, 0x04, 0x25]) + struct.pack("<I", a)
CPUID = bytes([0x0f, 0xa2])
def vmfunc(idx): return bytes([0x31, 0xc0, 0xb9]) + struct.pack("<I", idx) + bytes([0x0f, 0x01, 0xd4])

def vm_seed(model, code, feat=None, layout=0, vpid=1, pml=0, misc=0, muts=()):
    if feat is None:
        return bytes([model, 0]) + code
    blk = bytes([feat, layout]) + struct.pack("<HH", vpid, pml) + bytes([misc, len(muts)])
    return bytes([model | 8, 0]) + blk + b"".join(bytes(m) for m in muts) + code

VM_SEEDS = {
    "plain": vm_seed(SKYLAKE, CPUID + ld(DATA)),
    "ept-identity": vm_seed(SKYLAKE, ld(DATA) + st(DATA + 8) + CPUID, VPID | AD, PT_LOW | PT_2M),
    "ept-read-only": vm_seed(SKYLAKE, st(DATA), AD, PT_2M, muts=[(T_PT1, HOT | 0, 0, 1)]),
    "ept-write-only": vm_seed(WESTMERE, ld(DATA), 0, PT_2M, muts=[(T_PT1, HOT | 0, 15, 0)]),
    "ept-exec-only-stack": vm_seed(SKYLAKE, bytes([0x50]) + CPUID, AD, PT_LOW, muts=[(T_PT0, HOT | 1, 15, 1)]),
    "ept-pd-missing": vm_seed(SKYLAKE, ld(0x600000), 0, 0, muts=[(T_PD, 3, 12, 0)]),
    "ept-bad-type": vm_seed(WESTMERE, ld(DATA), 0, PT_2M, muts=[(T_PT1, HOT | 0, 4, 2)]),
    "ept-5level-pml": vm_seed(ICELAKE, st(DATA) + st(DATA + 0x1000) + st(0x400000), PWL5 | AD | PML, PT_2M, pml=3),
    "ept-pml-full": vm_seed(SKYLAKE, st(DATA), AD | PML, PT_2M, pml=0x8000),
    "ept-1g": vm_seed(SKYLAKE, st(0x3ff000) + CPUID, AD, LEAF_1G | 0x40),
    "ept-vmfunc": vm_seed(SKYLAKE, vmfunc(1) + ld(DATA) + vmfunc(2) + vmfunc(0) + st(DATA), VMFUNC | VE | AD, PT_2M,
                          misc=2 | 3 << 3, muts=[(T_PT1, HOT | 0, 12, 0)]),
    "ept-ve": vm_seed(ICELAKE, ld(DATA), VE, PT_2M, misc=2, muts=[(T_PT1, HOT | 0, 12, 0)]),
    "ept-unpaged": vm_seed(WESTMERE, bytes([0xa1]) + struct.pack("<I", DATA) + CPUID, UG | GUEST32, PT_LOW),
    # PAE guest: PDPTEs from the VMCS at entry, through EPT on MOV CR3 (mov eax, cr3; mov cr3, eax)
    "ept-pae": vm_seed(SKYLAKE, bytes([0xa3]) + struct.pack("<I", DATA) + bytes([0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8]) + CPUID,
                       GUEST32 | AD, PT_LOW, misc=PAE, muts=[(T_PT0, HOT | 5, 0, 5)]),
    "ept-bad-eptp": vm_seed(SKYLAKE, CPUID, VPID, 0, muts=[(T_EPTP, 0, 1, 1)]),
    "ept-vpid0": vm_seed(ICELAKE, CPUID, VPID, 0, vpid=0),
}
for name, data in VM_SEEDS.items():
    with open(f"{out}/vmentry/{name}", "wb") as f:
        f.write(data)
# fuzz_gdb inputs (tests/fuzz/fuzz_gdb.c): byte 0 = 1 frames each line as a packet; a
# session's worth of what gdb sends, and one raw stream with acks, Ctrl-C and a bad sum.
GDB_SEEDS = {
    "session": b"\x01qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386\n"
    b"QStartNoAckMode\n?\nqXfer:features:read:target.xml:0,ffb\ng\np8\nP0=78563412\n"
    b"m100000,40\nM100000,2:9090\nX100002,0:\nZ0,100010,1\nz0,100010,1\nZ2,100000,4\n"
    b"vCont?\nvCont;s:1\nc\nHg2\nqfThreadInfo\nqsThreadInfo\nT2\nqC\nqAttached\n"
    b"Qqemu.PhyMemMode:1\nm0,10\nqqemu.PhyMemMode\nD",
    "monitor": b"\x01qRcmd,68656c70\nqRcmd,766d78\nqRcmd,766d6373\n"
    b"qRcmd,627265616b20766d65786974203130\nqRcmd,6570742030\nqRcmd,746c622030\nk",
    "raw": b"\x00+$g#67+$m0,4#fd-\x03$qC#b4$bad#00}$",
}
for name, data in GDB_SEEDS.items():
    with open(f"{out}/gdb/{name}", "wb") as f:
        f.write(data)
print(f"{n} exec seeds, 3 multiboot seeds, {len(VM_SEEDS)} vmentry seeds, {len(GDB_SEEDS)} gdb seeds in {out}")
