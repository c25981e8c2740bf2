#!/usr/bin/env bash
# run.sh (`make bench`): time the benchmark guest (bench/workload*.c: sieve, CRC32,
# quicksort, hash loop in 64-bit mode with paging on) on Vanderpool and on Bochs, and
# print guest MIPS for both and their ratio. Not a test: nothing here fails the build.
#
# Counting instructions: Vanderpool counts them exactly (-stats). Bochs, with
# `clock: sync=none`, advances one tick per executed instruction and stamps its log lines
# with it: the tick at the "Shutdown port" line of the workload minus that of an empty
# kernel (bench/idle.c, same BIOS + GRUB path) is its count, printed as a cross-check.
# Bochs' wall time is likewise the workload's minus the empty kernel's. The Bochs runs go
# one after the other so that they don't compete for the cores.
# Environment: VP (default build/rel/vanderpool), BENCH_NO_BOCHS=1 to skip Bochs and use
# the Bochs timing from the last run (bench/out).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
vp=${VP:-build/rel/vanderpool}
[ -x "$vp" ] || make -s "$vp"
make -s BUILD=build/guest bench-kernels
out=bench/out
mkdir -p "$out"
work=build/guest/bench

now() { date +%s.%N; }

# bochs_run KERNEL NAME: boot on Bochs, leave NAME.serial, NAME.ticks, NAME.secs in $out.
bochs_run() {
    local kernel=$1 name=$2 w
    w=$(mktemp -d)
    tests/bochs/mkiso.sh "$kernel" "$w/boot.iso"
    sed -e "s|@ISO@|$w/boot.iso|" -e "s|@SERIAL@|$w/serial.txt|" -e "s|@LOG@|$w/bochs.log|" \
        tests/bochs/bochsrc.in >"$w/bochsrc"
    echo c >"$w/cmds"
    local t0 t1
    t0=$(now)
    (cd "$w" && timeout 900 script -q -e -c "bochs -q -f $w/bochsrc -rc $w/cmds" /dev/null \
        >/dev/null 2>&1 </dev/null) || true
    t1=$(now)
    tr -d '\r' <"$w/serial.txt" >"$out/$name.serial"
    grep -m1 'Shutdown port' "$w/bochs.log" | sed 's/^0*\([0-9]*\).*/\1/' >"$out/$name.ticks"
    echo "$t1 - $t0" | bc -l >"$out/$name.secs"
    rm -rf "$w"
}

if [ "${BENCH_NO_BOCHS:-0}" != 1 ]; then
    echo "Bochs: booting the empty kernel, then the workload..."
    bochs_run "$work/idle.elf" idle
    bochs_run "$work/workload.elf" workload
    if [ ! -s "$out/workload.ticks" ] || [ ! -s "$out/idle.ticks" ]; then
        echo "bench: Bochs did not finish (see tests/bochs/run.sh to debug)" >&2
        exit 1
    fi
    echo "$(($(cat "$out/workload.ticks") - $(cat "$out/idle.ticks")))" >"$out/icount"
fi
bochs_icount=$(cat "$out/icount" 2>/dev/null || echo 0)

echo "Vanderpool: running the workload..."
t0=$(now)
set +e
"$vp" -stats -kernel "$work/workload.elf" -serial stdio -no-reboot >"$out/vp.serial" 2>"$out/vp.err"
set -e
t1=$(now)
vp_secs=$(echo "$t1 - $t0" | bc -l)
icount=$(sed -n 's/^vanderpool: \([0-9]*\) instructions.*/\1/p' "$out/vp.err")
[ -n "$icount" ] || { echo "bench: Vanderpool did not report its instruction count" >&2; cat "$out/vp.err" >&2; exit 1; }

if [ -s "$out/workload.serial" ] && ! diff -q "$out/workload.serial" "$out/vp.serial" >/dev/null; then
    echo "WARNING: Vanderpool's results differ from Bochs':"
    diff "$out/workload.serial" "$out/vp.serial" | head -10
fi
grep '^bench ' "$out/vp.serial" | grep -v done | sed 's/^/  /'

awk -v n="$icount" -v bn="$bochs_icount" -v vs="$vp_secs" -v bw="$(cat "$out/workload.secs" 2>/dev/null || echo 0)" \
    -v bi="$(cat "$out/idle.secs" 2>/dev/null || echo 0)" 'BEGIN {
    printf "guest instructions: %.4e (counted by Vanderpool; Bochs counted %.4e)\n", n, bn
    vm = n / vs / 1e6
    printf "Vanderpool: %8.2f s  %8.1f MIPS\n", vs, vm
    bs = bw - bi
    if (bs > 0) {
        bm = n / bs / 1e6
        printf "Bochs:      %8.2f s  %8.1f MIPS (boot cost %.2f s subtracted)\n", bs, bm, bi
        printf "ratio Vanderpool/Bochs: %.2fx\n", vm / bm
    }
}' | tee "$out/summary.txt"
