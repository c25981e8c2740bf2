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
# its rate is the guest's own count (printed on its serial line) over that time. Last,
# CPUID round trips under the reference hypervisor (guest/hv/, its cpuidloop guest), less
# the same boot with n=0 on both emulators.
# Last, Linux to init on Vanderpool and QEMU TCG and the KVM chain (bench/linux.sh).
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

# bochs_run KERNEL NAME [CMDLINE [TIMEOUT [MODULE...]]]: boot on Bochs, leave NAME.serial,
# NAME.ticks, NAME.secs in $out. A MODULE is "FILE ARGS" (tests/bochs/mkiso.sh).
bochs_run() {
    local kernel=$1 name=$2 cmdline=${3:-} limit=${4:-900} w
    shift $(($# < 4 ? $# : 4))
    w=$(mktemp -d)
    tests/bochs/mkiso.sh "$kernel" "$w/boot.iso" "$cmdline" "$@"
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
# and with EPT; CPUID round trips under the reference hypervisor ----
# One boot per phase of bench/vmxbench.elf; the guest prints what it did ("vmxbench cpuid
# exits=N", "vmxbench cpuid-vpid exits=N", "vmxbench walk walks=N sum=S", "vmxbench
# walk-ept ...") or "vmxbench ept: not offered" / "vmxbench vpid: not offered" when the CPU
# model lacks EPT / VPID. A phase that prints neither is reported as
# failed, with its last line; it never stops the run.
# Phase hv: the reference hypervisor (guest/hv/) with one guest, cpuidloop, that runs
# CPUID hv_n times, each a CPUID exit hv handles and resumes (plus its preemption-timer
# slicing). Its baseline is the same boot with n=0 (BIOS and GRUB on Bochs, hv's setup,
# the guest's start and exit): time and instructions are the n=hv_n boot's less that one's,
# on both emulators.
vmxk=$work/vmxbench.elf
vmx_phases="cpuid cpuid-vpid walk walk-ept"
hvdir=$guest_build/guest/hv
hv_n=1000000
hv_mod() { echo "$hvdir/cpuidloop.bin name=cpuid budget=0 n=$1"; } # budget=0: no slice limit
echo
# Wall-clock figures: say so when other processes compete for the cores.
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n - 0.5) }'; then
    echo "note: load average $load on $(nproc) cores: other processes compete, times run long"
fi
if [ "${BENCH_NO_BOCHS:-0}" != 1 ]; then
    echo "Bochs: booting the VMX benchmark ($vmx_phases), then hv with the CPUID loop (n=0, n=$hv_n)..."
    for p in $vmx_phases; do
        bochs_run "$vmxk" "vmx-$p" "$p" 300
    done
    bochs_run "$hvdir/hv.elf" vmx-hv0 "" 300 "$(hv_mod 0)"
    bochs_run "$hvdir/hv.elf" vmx-hv "" 300 "$(hv_mod $hv_n)"
fi
# vp_vmx NAME ARGS...: one Vanderpool boot, leaving vp-vmx-NAME.{serial,err,secs,icount}.
vp_vmx() {
    local name=$1 t0 t1
    shift
    t0=$(now)
    set +e
    timeout 300 "$vp" -stats -cpu skylake "$@" -serial stdio -no-reboot \
        >"$out/vp-vmx-$name.serial" 2>"$out/vp-vmx-$name.err"
    [ $? = 124 ] && echo "vanderpool: timed out after 300 s" >>"$out/vp-vmx-$name.err"
    set -e
    t1=$(now)
    echo "$t1 - $t0" | bc -l >"$out/vp-vmx-$name.secs"
    sed -n 's/^vanderpool: \([0-9]*\) instructions.*/\1/p' "$out/vp-vmx-$name.err" >"$out/vp-vmx-$name.icount"
}
echo "Vanderpool: running the VMX benchmark ($vmx_phases), then hv with the CPUID loop..."
for p in $vmx_phases; do
    vp_vmx "$p" -kernel "$vmxk" -append "$p"
done
vp_vmx hv0 -kernel "$hvdir/hv.elf" -initrd "$(hv_mod 0)"
vp_vmx hv -kernel "$hvdir/hv.elf" -initrd "$(hv_mod $hv_n)"

# vmx_result SERIAL PHASE: the guest's count for PHASE, "not offered", or "failed".
vmx_result() {
    local f=$1 p=$2 n x
    if [ "$p" = hv ]; then
        # the guest's n, if hv's exit table shows as many CPUID exits and the guest exited
        n=$(sed -n 's/^\[cpuid\] cpuid loop n=\([0-9]*\)$/\1/p' "$f" 2>/dev/null | head -1 || true)
        x=$(sed -n 's/^hv: 10 CPUID  *\([0-9]*\)$/\1/p' "$f" 2>/dev/null | head -1 || true)
        [ -n "$n" ] && [ -z "$x" ] && grep -q '^hv: total' "$f" 2>/dev/null && x=0 # no CPUID row
        if [ -n "$n" ] && [ "$n" = "$x" ] && grep -q '^hv: guest cpuid exited (code 0)' "$f" 2>/dev/null; then
            echo "$n"
        else echo failed
        fi
        return
    fi
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
    line=$(grep -h '^vmxbench\|^FAIL\|^hv: cpuid: \|^hv: guest cpuid' "$1" 2>/dev/null | tail -1)
    [ -n "$line" ] || line=$(grep -hv '^vanderpool:   \|^vanderpool: VMX' "${2:-/dev/null}" 2>/dev/null | tail -1)
    echo "${line:-no output}"
}
# minus A B [FORMAT]: A - B (seconds by default), or nothing when either is missing.
minus() {
    [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" -v f="${3:-%.6f}" 'BEGIN { printf f "\n", a - b }' || true
}
get() { cat "$1" 2>/dev/null || true; }

rows=""
for p in $vmx_phases hv; do
    vr=$(vmx_result "$out/vp-vmx-$p.serial" "$p")
    br=$(vmx_result "$out/vmx-$p.serial" "$p")
    [ -s "$out/vmx-$p.serial" ] || br="not run"
    if [ $p = hv ]; then # its baseline, the n=0 boot, must have run too
        [ "$(vmx_result "$out/vp-vmx-hv0.serial" hv)" = 0 ] || {
            vr=failed
            echo "bench: hv's n=0 boot on Vanderpool failed: $(vmx_why "$out/vp-vmx-hv0.serial" "$out/vp-vmx-hv0.err")"
        }
        [ "$br" = "not run" ] || [ "$(vmx_result "$out/vmx-hv0.serial" hv)" = 0 ] || {
            br=failed
            echo "bench: hv's n=0 boot on Bochs failed: $(vmx_why "$out/vmx-hv0.serial")"
        }
    fi
    [ "$vr" = failed ] && echo "bench: VMX $p on Vanderpool failed: $(vmx_why "$out/vp-vmx-$p.serial" "$out/vp-vmx-$p.err")"
    [ "$br" = failed ] && echo "bench: VMX $p on Bochs failed: $(vmx_why "$out/vmx-$p.serial")"
    pat='^vmxbench'
    [ $p = hv ] && pat='^\[cpuid\]' # hv's own lines (slices, I/O exits) follow each CPU's TSC
    if [[ $vr =~ ^[0-9]+$ && $br =~ ^[0-9]+$ ]] &&
        ! diff -q <(grep "$pat" "$out/vp-vmx-$p.serial") <(grep "$pat" "$out/vmx-$p.serial") >/dev/null; then
        echo "WARNING: VMX $p: Vanderpool's output differs from Bochs':"
        diff <(grep "$pat" "$out/vmx-$p.serial") <(grep "$pat" "$out/vp-vmx-$p.serial") | head -6 || true
    fi
    # the baseline: the empty kernel on Bochs and none on Vanderpool; hv's n=0 boot on both
    if [ $p = hv ]; then
        vs=$(minus "$(get "$out/vp-vmx-$p.secs")" "$(get "$out/vp-vmx-hv0.secs")")
        vi=$(minus "$(get "$out/vp-vmx-$p.icount")" "$(get "$out/vp-vmx-hv0.icount")" %.0f)
        bb=vmx-hv0
    else
        vs=$(get "$out/vp-vmx-$p.secs") vi=$(get "$out/vp-vmx-$p.icount") bb=idle
    fi
    bs=$(minus "$(get "$out/vmx-$p.secs")" "$(get "$out/$bb.secs")")
    bn=$(minus "$(get "$out/vmx-$p.ticks")" "$(get "$out/$bb.ticks")" %.0f)
    # phase|vp result|vp secs|vp instructions|Bochs result|Bochs secs|Bochs instructions
    rows+="$p|$vr|$vs|$vi|$br|${bs:-0}|$bn"$'\n'
done

printf '%s' "$rows" | awk -F'|' -v q="'" -v bi="$(cat "$out/idle.secs" 2>/dev/null || echo 0)" '
function num(s) { return s ~ /^[0-9]+$/ }
function rate(n, t) { return num(n) && t > 0 ? sprintf("%14.0f", n / t) : sprintf("%14s", num(n) ? "n/a" : n) }
function ns(n, t) { return num(n) && t > 0 ? sprintf("%14.0f", t / n * 1e9) : sprintf("%14s", "-") }
function ratio(vn, vt, bn, bt) {
    return num(vn) && num(bn) && vt > 0 && bt > 0 ? sprintf("%8.2fx", (vn / vt) / (bn / bt)) : sprintf("%9s", "-")
}
function per(i, n) { return num(n) && i != "" && n > 0 ? sprintf("%.1f", i / n) : "-" }
function row(label, p) { printf "%-34s%s%s%s\n", label, rate(vn[p], vt[p]), rate(bn[p], bt[p]), ratio(vn[p], vt[p], bn[p], bt[p]) }
{
    p = $1; vn[p] = $2; vt[p] = $3; vi[p] = $4; bn[p] = $5; bt[p] = $6; bic[p] = $7
}
END {
    printf "VMX benchmark (Vanderpool -cpu skylake, Bochs corei7_skylake_x; Bochs%s boot, %.2f s, subtracted)\n", q, bi
    printf "%-34s%14s%14s%12s\n", "", "Vanderpool", "Bochs", "VP/Bochs"
    row("CPUID VM-exit round trips/s", "cpuid")
    printf "%-34s%s%s%12s\n", "  host ns per round trip", ns(vn["cpuid"], vt["cpuid"]), ns(bn["cpuid"], bt["cpuid"]), "(hw ~300)"
    row("CPUID round trips/s, VPID", "cpuid-vpid")
    printf "%-34s%s%s\n", "  host ns per round trip", ns(vn["cpuid-vpid"], vt["cpuid-vpid"]), ns(bn["cpuid-vpid"], bt["cpuid-vpid"])
    row("guest page walks/s, no EPT", "walk")
    row("guest page walks/s, EPT", "walk-ept")
    row("hv CPUID round trips/s", "hv")
    printf "%-34s%s%s\n", "  host ns per round trip", ns(vn["hv"], vt["hv"]), ns(bn["hv"], bt["hv"])
    printf "instructions per round trip / VPID round trip / walk / EPT walk / hv round trip (host\n"
    printf "and guest; vmxbench: the whole boot, hv: less its n=0 boot):\n"
    printf "  Vanderpool %s / %s / %s / %s / %s; Bochs %s / %s / %s / %s / %s (less the empty kernel%ss / hv%ss n=0 boot)\n",
        per(vi["cpuid"], vn["cpuid"]), per(vi["cpuid-vpid"], vn["cpuid-vpid"]), per(vi["walk"], vn["walk"]),
        per(vi["walk-ept"], vn["walk-ept"]), per(vi["hv"], vn["hv"]), per(bic["cpuid"], bn["cpuid"]),
        per(bic["cpuid-vpid"], bn["cpuid-vpid"]), per(bic["walk"], bn["walk"]), per(bic["walk-ept"], bn["walk-ept"]),
        per(bic["hv"], bn["hv"]), q, q
}' | tee "$out/vmx-summary.txt"

# Linux the QEMU way, and KVM on Vanderpool (bench/linux.sh); BENCH_NO_LINUX=1 skips it.
[ "${BENCH_NO_LINUX:-0}" = 1 ] || VP="$vp" BENCH_OUT="$out" "$root/bench/linux.sh"
