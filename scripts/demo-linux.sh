#!/usr/bin/env bash
# demo-linux.sh (`make demo-linux`): boot Debian 12's own kernel (downloaded once into
# ~/.cache/vanderpool by scripts/fetch-linux.sh) on Vanderpool with 4 processors, load
# Debian's kvm-intel on the emulated VT-x, run an L2 Linux guest under it with the project's
# KVM client, and leave the user at a busybox shell on the console (guest/linux/demo-init).
# Environment: CPU (default skylake), SMP (default 4), VP (default build/rel/vanderpool).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
vp=${VP:-build/rel/vanderpool}
[ -x "$vp" ] || make -s "$vp"
cache=$("$root/scripts/fetch-linux.sh")
tmp=$(mktemp -d /tmp/vp-demo-linux-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/kvm-initramfs.sh" "$tmp/l1.img" "$root/guest/linux/demo-init"
"$vp" -cpu "${CPU:-skylake}" -smp "${SMP:-4}" -m 2G -kernel "$cache/vmlinuz" -initrd "$tmp/l1.img" \
    -append "console=ttyS0 quiet" -serial stdio
