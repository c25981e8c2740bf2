#!/usr/bin/env bash
# mkiso.sh KERNEL.elf OUT.iso [CMDLINE [MODULE...]]: a GRUB rescue ISO that multiboots
# KERNEL. Bochs has no -kernel option, so GRUB (from grub-pc-bin) is our loader there.
# Each MODULE is "FILE ARGS" (as Vanderpool's -initrd takes them): FILE goes on the ISO
# as /boot/BASENAME and a `module /boot/BASENAME ARGS` line follows the multiboot line.
set -euo pipefail
kernel=$1 out=$2 cmdline=${3:-}
shift $(($# < 3 ? $# : 3))
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$kernel" "$dir/boot/kernel.elf"
modlines=""
for m in "$@"; do
    file=${m%% *} args=""
    [ "$file" != "$m" ] && args=${m#* }
    cp "$file" "$dir/boot/$(basename "$file")"
    modlines+="    module /boot/$(basename "$file") $args"$'\n'
done
cat >"$dir/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_output console
menuentry "vanderpool-test" {
    multiboot /boot/kernel.elf $cmdline
${modlines}    boot
}
CFG
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || {
    echo "mkiso.sh: grub-mkrescue failed for $kernel" >&2
    exit 1
}
