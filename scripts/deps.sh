#!/usr/bin/env bash
# deps.sh: install the Debian 12 packages the build, the guest tests and the Bochs
# oracle need, if any are missing. Safe to run repeatedly; does nothing when all are
# present. Needs root (or sudo) only when something must be installed.
set -euo pipefail
# gcc/binutils/make: the emulator and the guest kernels. bochs + bochsbios + vgabios +
# bochs-term: the oracle (bochs-term provides the "term" display we run it with).
# grub-pc-bin + grub-common + xorriso + mtools: grub-mkrescue ISOs to boot kernels on
# Bochs. util-linux (script), coreutils (timeout): running Bochs unattended.
# clang + libclang-rt-14-dev: the libFuzzer targets (tests/fuzz). libzydis-dev: the
# disassembler behind `-d exec` traces (the build links it when present; a CLI test reads it).
# gdb + python3: tests/gdb (Debian's gdb drives the gdb stub; python3 picks a free port).
# xz-utils: the uncompressed vmlinux for the KVM tests' L2 (scripts/kvm-initramfs.sh);
# cpio: GNU cpio's reproducible archives for the Linux tests' initramfs (scripts/mkcpio.sh);
# libc6-dev also gives gcc -static its libc for vpkvm.
pkgs=(gcc make binutils libc6-dev bochs bochsbios vgabios bochs-term grub-pc-bin grub-common
    xorriso mtools util-linux coreutils clang libclang-rt-14-dev libzydis-dev gdb python3
    xz-utils cpio)
# Optional: the arm64 cross-build run under qemu-user (tests/arm64/run.sh), and QEMU's pc
# (qemu-system-x86), the reference for platform devices (tests/cli/power_serial.sh runs
# the acpi guest test on it); without them those checks print SKIP.
cross=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user qemu-system-x86)
missing=() xmissing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
for p in "${cross[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || xmissing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ ${#xmissing[@]} -eq 0 ] && exit 0
echo "deps.sh: installing ${missing[*]} ${xmissing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
[ ${#missing[@]} -eq 0 ] || $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
[ ${#xmissing[@]} -eq 0 ] || $sudo apt-get install -y -qq "${xmissing[@]}" >/dev/null ||
    echo "deps.sh: could not install ${xmissing[*]}; the checks needing them will be skipped" >&2
