#!/usr/bin/env bash
# bochs-cached.sh KERNEL.elf [RUN]: print the path of Bochs' serial output for KERNEL run as
# RUN (a test name or TEST@MODEL, default the kernel's name; options.txt gives its
# processor count and Bochs cpu model), running Bochs only when no cached result exists.
# The cache key covers the kernel, every file that shapes the Bochs run and the run's
# options, so editing a test or the bochsrc invalidates it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$1
run=${2:-$(basename "$kernel" .elf)}
cache=${BOCHS_CACHE:-$root/build/bochs-cache}
mkdir -p "$cache"
smp=$("$root/tests/guest/test-smp.sh" "$run")
model=$("$root/tests/guest/test-smp.sh" "$run" bochs)
key=$( (cat "$kernel" "$root/tests/bochs/bochsrc.in" "$root/tests/bochs/mkiso.sh" \
    "$root/tests/bochs/run.sh"; echo "smp=$smp"; [ -z "$model" ] || echo "model=$model") |
    sha256sum | cut -c1-32)
out="$cache/$run-$key.txt"
if [ ! -s "$out" ]; then
    BOCHS_CPUS=$smp BOCHS_MODEL=$model "$root/tests/bochs/run.sh" "$kernel" "$out.tmp" &&
        mv "$out.tmp" "$out"
    # Results for older builds of this run are dead weight now.
    for old in "$cache/$run"-*.txt; do
        [ "$old" = "$out" ] || rm -f "$old"
    done
fi
echo "$out"
