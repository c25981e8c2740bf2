#!/usr/bin/env bash
# mkiso.sh KERNEL.elf OUT.iso [CMDLINE]: a GRUB rescue ISO that multiboots KERNEL.
# Bochs has no -kernel option, so GRUB (from grub-pc-bin) is our loader there.
set -euo pipefail
kernel=$1 out=$2 cmdline=${3:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$kernel" "$dir/boot/kernel.elf"
cat >"$dir/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_output console
menuentry "vanderpool-test" {
    multiboot /boot/kernel.elf $cmdline
    boot
}
CFG
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || {
    echo "mkiso.sh: grub-mkrescue failed for $kernel" >&2
    exit 1
}
