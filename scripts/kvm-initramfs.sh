#!/usr/bin/env bash
# kvm-initramfs.sh OUT L1-INIT: the L1 initramfs for running KVM on Vanderpool (used by
# tests/linux/kvm.sh and scripts/demo-linux.sh): busybox, L1-INIT as /init, Debian's
# irqbypass.ko, kvm.ko and kvm-intel.ko in /lib, the project's KVM client /vpkvm
# (guest/linux/vpkvm.c, static), the flat L2 guest /l2hello.bin, and the L2 Linux: /vmlinuz
# (Debian's, the same as L1's) and /vmlinux (that kernel uncompressed) with /l2.img (busybox
# and tests/linux/l2-init); the L1 image itself is an uncompressed cpio. The kernel
# and busybox come from scripts/fetch-linux.sh's cache. Exits 1 with one line on failure,
# 3 when the packages cannot be had (callers print SKIP).
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OUT L1-INIT" >&2; exit 2; }
out=$1 init=$2
root=$(cd "$(dirname "$0")/.." && pwd)
cache=$("$root/scripts/fetch-linux.sh") || exit 3
tmp=$(mktemp -d /tmp/vp-kvmfs-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

gcc -O2 -static -Wall -o "$tmp/vpkvm" "$root/guest/linux/vpkvm.c" 2>"$tmp/cc.log" &&
    gcc -c -m32 -o "$tmp/l2hello.o" "$root/guest/linux/l2hello.S" 2>>"$tmp/cc.log" &&
    ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$tmp/l2hello.bin" "$tmp/l2hello.o" 2>>"$tmp/cc.log" ||
    { echo "kvm-initramfs.sh: building vpkvm: $(head -3 "$tmp/cc.log" | tr '\n' '|')" >&2; exit 1; }

# initramfs DIR INIT OUT [FILTER]: busybox and an /init, plus whatever DIR holds already,
# as a newc cpio through FILTER (default gzip).
initramfs() {
    mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/lib"
    cp "$cache/busybox" "$1/bin/busybox"
    cp "$2" "$1/init"
    chmod 755 "$1/init" "$1/bin/busybox"
    "$root/scripts/mkcpio.sh" "$1" | ${4:-gzip -6 -n} >"$3"
}
initramfs "$tmp/l2" "$root/tests/linux/l2-init" "$tmp/l2.img"
mkdir -p "$tmp/l1/lib"
cp "$cache"/modules/{irqbypass,kvm,kvm-intel}.ko "$tmp/l1/lib/" ||
    { echo "kvm-initramfs.sh: no KVM modules in $cache/modules" >&2; exit 1; }
cp "$tmp/vpkvm" "$tmp/l2hello.bin" "$tmp/l2.img" "$tmp/l1/"
cp "$cache/vmlinuz" "$tmp/l1/vmlinuz"
# The same kernel uncompressed (fetch-linux.sh extracts it), for vpkvm's 64-bit entry:
# the L2 then skips the decompressor, 4.4e9 instructions.
cp "$cache/vmlinux" "$tmp/l1/vmlinux" ||
    { echo "kvm-initramfs.sh: no vmlinux in $cache" >&2; exit 1; }
# Uncompressed: L1 would spend longer inflating it than the L2 saves.
initramfs "$tmp/l1" "$init" "$out" cat
