#!/usr/bin/env python3
"""Write the seed corpora for the fuzz targets into DIR/exec and DIR/multiboot.

Seeds are generated, never committed: each is a small valid starting point that libFuzzer
mutates. fuzz_exec inputs follow the layout in tests/unit/randenv.h: mode byte, RFLAGS,
CR0 and CR4 extras, 16 register bytes, a patch count, patches, then code."""
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out + "/exec", exist_ok=True)
os.makedirs(out + "/multiboot", exist_ok=True)

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
print(f"{n} exec seeds, 3 multiboot seeds in {out}")
