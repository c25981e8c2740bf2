/* First bytes of a 64-bit blob (linked at BLOB64_BASE): the 32-bit side calls here. */
    .code64
    .section .text.entry, "ax"
    .globl _start64
_start64:
    jmp blob_entry
