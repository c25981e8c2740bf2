#!/usr/bin/env bash
# bochs-cached.sh KERNEL.elf: print the path of Bochs' serial output for KERNEL, running
# Bochs only when no cached result exists. The cache key covers the kernel and every file
# that shapes the Bochs run, so editing a test or the bochsrc invalidates it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$1
cache=${BOCHS_CACHE:-$root/build/bochs-cache}
mkdir -p "$cache"
smp=$("$root/tests/guest/test-smp.sh" "$(basename "$kernel" .elf)")
key=$( (cat "$kernel" "$root/tests/bochs/bochsrc.in" "$root/tests/bochs/mkiso.sh" \
    "$root/tests/bochs/run.sh"; echo "smp=$smp") | sha256sum | cut -c1-32)
out="$cache/$(basename "$kernel" .elf)-$key.txt"
if [ ! -s "$out" ]; then
    BOCHS_CPUS=$smp "$root/tests/bochs/run.sh" "$kernel" "$out.tmp" && mv "$out.tmp" "$out"
    # Results for older builds of this test are dead weight now.
    for old in "$cache/$(basename "$kernel" .elf)"-*.txt; do
        [ "$old" = "$out" ] || rm -f "$old"
    done
fi
echo "$out"
