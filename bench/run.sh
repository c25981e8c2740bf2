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
#
# Then the VMX benchmark (bench/vmxbench*.c, one phase per boot, named on the command
# line): CPUID VM-exit round trips, guest page walks without EPT and with EPT, on both
# emulators. Each phase's time is its boot's wall time, minus the empty kernel's on Bochs;
# its rate is the guest's own count (printed on its serial line) over that time.
# Environment: VP (default build/rel/vanderpool), BENCH_NO_BOCHS=1 to skip Bochs and use
# the Bochs timing from the last run (in the output directory), GUEST_BUILD (default
# build/guest: where the kernels are built) and BENCH_OUT (default bench/out), so that
# several builds can be measured side by side.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
vp=${VP:-build/rel/vanderpool}
[ -x "$vp" ] || make -s "$vp"
guest_build=${GUEST_BUILD:-build/guest}
make -s BUILD="$guest_build" bench-kernels
out=${BENCH_OUT:-bench/out}
mkdir -p "$out"
work=$guest_build/bench

now() { date +%s.%N; }

# bochs_run KERNEL NAME [CMDLINE [TIMEOUT]]: boot on Bochs, leave NAME.serial,
# NAME.ticks, NAME.secs in $out.
bochs_run() {
    local kernel=$1 name=$2 cmdline=${3:-} limit=${4:-900} w
    w=$(mktemp -d)
    tests/bochs/mkiso.sh "$kernel" "$w/boot.iso" "$cmdline"
    sed -e "s|@ISO@|$w/boot.iso|" -e "s|@SERIAL@|$w/serial.txt|" -e "s|@LOG@|$w/bochs.log|" \
        tests/bochs/bochsrc.in >"$w/bochsrc"
    echo c >"$w/cmds"
    local t0 t1
    t0=$(now)
    (cd "$w" && timeout "$limit" script -q -e -c "bochs -q -f $w/bochsrc -rc $w/cmds" /dev/null \
        >/dev/null 2>&1 </dev/null) || true
    t1=$(now)
    tr -d '\r' <"$w/serial.txt" >"$out/$name.serial" 2>/dev/null || : >"$out/$name.serial"
    grep -m1 'Shutdown port' "$w/bochs.log" | sed 's/^0*\([0-9]*\).*/\1/' >"$out/$name.ticks" || true
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
    diff "$out/workload.serial" "$out/vp.serial" | head -10 || true
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

# ---- VMX: CPUID VM-exit round trips (without and with VPID) and guest page walks without
# and with EPT ----
# One boot per phase of bench/vmxbench.elf; the guest prints what it did ("vmxbench cpuid
# exits=N", "vmxbench cpuid-vpid exits=N", "vmxbench walk walks=N sum=S", "vmxbench
# walk-ept ...") or "vmxbench ept: not offered" / "vmxbench vpid: not offered" when the CPU
# model lacks EPT / VPID. A phase that prints neither is reported as
# failed, with its last line; it never stops the run.
vmxk=$work/vmxbench.elf
vmx_phases="cpuid cpuid-vpid walk walk-ept"
echo
# Wall-clock figures: say so when other processes compete for the cores.
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n - 0.5) }'; then
    echo "note: load average $load on $(nproc) cores: other processes compete, times run long"
fi
if [ "${BENCH_NO_BOCHS:-0}" != 1 ]; then
    echo "Bochs: booting the VMX benchmark ($vmx_phases)..."
    for p in $vmx_phases; do
        bochs_run "$vmxk" "vmx-$p" "$p" 300
    done
fi
echo "Vanderpool: running the VMX benchmark ($vmx_phases)..."
for p in $vmx_phases; do
    t0=$(now)
    set +e
    timeout 300 "$vp" -stats -cpu skylake -kernel "$vmxk" -append "$p" -serial stdio -no-reboot \
        >"$out/vp-vmx-$p.serial" 2>"$out/vp-vmx-$p.err"
    [ $? = 124 ] && echo "vanderpool: timed out after 300 s" >>"$out/vp-vmx-$p.err"
    set -e
    t1=$(now)
    echo "$t1 - $t0" | bc -l >"$out/vp-vmx-$p.secs"
    sed -n 's/^vanderpool: \([0-9]*\) instructions.*/\1/p' "$out/vp-vmx-$p.err" >"$out/vp-vmx-$p.icount"
done

# vmx_result SERIAL PHASE: the guest's count for PHASE, "not offered", or "failed".
vmx_result() {
    local f=$1 p=$2 n
    n=$(sed -n "s/^vmxbench $p \(exits\|walks\)=\([0-9]*\).*/\2/p" "$f" 2>/dev/null | head -1 || true)
    if [ -n "$n" ]; then echo "$n"
    elif [ "$p" = walk-ept ] && grep -q '^vmxbench ept: not offered' "$f" 2>/dev/null; then echo "not offered"
    elif [ "$p" = cpuid-vpid ] && grep -q '^vmxbench vpid: not offered' "$f" 2>/dev/null; then echo "not offered"
    else echo failed
    fi
}
# vmx_why SERIAL ERR: the line that best says why a phase failed.
vmx_why() {
    local line
    line=$(grep -h '^vmxbench\|^FAIL' "$1" 2>/dev/null | tail -1)
    [ -n "$line" ] || line=$(grep -hv '^vanderpool:   \|^vanderpool: VMX' "${2:-/dev/null}" 2>/dev/null | tail -1)
    echo "${line:-no output}"
}

rows=""
for p in $vmx_phases; do
    vr=$(vmx_result "$out/vp-vmx-$p.serial" "$p")
    br=$(vmx_result "$out/vmx-$p.serial" "$p")
    [ -s "$out/vmx-$p.serial" ] || br="not run"
    [ "$vr" = failed ] && echo "bench: VMX $p on Vanderpool failed: $(vmx_why "$out/vp-vmx-$p.serial" "$out/vp-vmx-$p.err")"
    [ "$br" = failed ] && echo "bench: VMX $p on Bochs failed: $(vmx_why "$out/vmx-$p.serial")"
    if [[ $vr =~ ^[0-9]+$ && $br =~ ^[0-9]+$ ]] &&
        ! diff -q <(grep '^vmxbench' "$out/vp-vmx-$p.serial") <(grep '^vmxbench' "$out/vmx-$p.serial") >/dev/null; then
        echo "WARNING: VMX $p: Vanderpool's output differs from Bochs':"
        diff <(grep '^vmxbench' "$out/vmx-$p.serial") <(grep '^vmxbench' "$out/vp-vmx-$p.serial") | head -6 || true
    fi
    bt=$(cat "$out/vmx-$p.ticks" 2>/dev/null || true)
    bi=$(cat "$out/idle.ticks" 2>/dev/null || true)
    bn=""
    [ -n "$bt" ] && [ -n "$bi" ] && bn=$((bt - bi))
    # phase|vp result|vp secs|vp instructions|Bochs result|Bochs secs (boot included)|Bochs instructions
    rows+="$p|$vr|$(cat "$out/vp-vmx-$p.secs")|$(cat "$out/vp-vmx-$p.icount")|$br|$(cat "$out/vmx-$p.secs" 2>/dev/null || echo 0)|$bn"$'\n'
done

printf '%s' "$rows" | awk -F'|' -v q="'" -v bi="$(cat "$out/idle.secs" 2>/dev/null || echo 0)" '
function num(s) { return s ~ /^[0-9]+$/ }
function rate(n, t) { return num(n) && t > 0 ? sprintf("%14.0f", n / t) : sprintf("%14s", num(n) ? "n/a" : n) }
function ns(n, t) { return num(n) && t > 0 ? sprintf("%14.0f", t / n * 1e9) : sprintf("%14s", "-") }
function ratio(vn, vt, bn, bt) {
    return num(vn) && num(bn) && vt > 0 && bt > 0 ? sprintf("%8.2fx", (vn / vt) / (bn / bt)) : sprintf("%9s", "-")
}
function per(i, n) { return num(n) && i != "" && n > 0 ? sprintf("%.1f", i / n) : "-" }
{
    p = $1; vn[p] = $2; vt[p] = $3; vi[p] = $4; bn[p] = $5; bt[p] = $6 - bi; bic[p] = $7
}
END {
    printf "VMX benchmark (Vanderpool -cpu skylake, Bochs corei7_skylake_x; Bochs%s boot, %.2f s, subtracted)\n", q, bi
    printf "%-34s%14s%14s%12s\n", "", "Vanderpool", "Bochs", "VP/Bochs"
    printf "%-34s%s%s%s\n", "CPUID VM-exit round trips/s", rate(vn["cpuid"], vt["cpuid"]), rate(bn["cpuid"], bt["cpuid"]), ratio(vn["cpuid"], vt["cpuid"], bn["cpuid"], bt["cpuid"])
    printf "%-34s%s%s%12s\n", "  host ns per round trip", ns(vn["cpuid"], vt["cpuid"]), ns(bn["cpuid"], bt["cpuid"]), "(hw ~300)"
    printf "%-34s%s%s%s\n", "CPUID round trips/s, VPID", rate(vn["cpuid-vpid"], vt["cpuid-vpid"]), rate(bn["cpuid-vpid"], bt["cpuid-vpid"]), ratio(vn["cpuid-vpid"], vt["cpuid-vpid"], bn["cpuid-vpid"], bt["cpuid-vpid"])
    printf "%-34s%s%s\n", "  host ns per round trip", ns(vn["cpuid-vpid"], vt["cpuid-vpid"]), ns(bn["cpuid-vpid"], bt["cpuid-vpid"])
    printf "%-34s%s%s%s\n", "guest page walks/s, no EPT", rate(vn["walk"], vt["walk"]), rate(bn["walk"], bt["walk"]), ratio(vn["walk"], vt["walk"], bn["walk"], bt["walk"])
    printf "%-34s%s%s%s\n", "guest page walks/s, EPT", rate(vn["walk-ept"], vt["walk-ept"]), rate(bn["walk-ept"], bt["walk-ept"]), ratio(vn["walk-ept"], vt["walk-ept"], bn["walk-ept"], bt["walk-ept"])
    printf "instructions per round trip / VPID round trip / walk / EPT walk (host and guest, the whole boot):\n"
    printf "  Vanderpool %s / %s / %s / %s; Bochs %s / %s / %s / %s (less the empty kernel%ss)\n",
        per(vi["cpuid"], vn["cpuid"]), per(vi["cpuid-vpid"], vn["cpuid-vpid"]), per(vi["walk"], vn["walk"]),
        per(vi["walk-ept"], vn["walk-ept"]), per(bic["cpuid"], bn["cpuid"]), per(bic["cpuid-vpid"], bn["cpuid-vpid"]),
        per(bic["walk"], bn["walk"]), per(bic["walk-ept"], bn["walk-ept"]), q
}' | tee "$out/vmx-summary.txt"
