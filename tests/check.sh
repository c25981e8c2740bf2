#!/usr/bin/env bash
# check.sh: the whole test suite (`make check`). Installs missing Debian packages, builds
# the emulator in rel and asan modes, runs the host unit tests, the command-line tests,
# and every guest test on Vanderpool (rel and asan) and on Bochs, comparing the two, then
# the same guest and unit tests on an arm64 build under qemu-user against rel.
# Every check prints one "PASS name" / "FAIL name: why" line (all of them go to
# build/check.log; the console shows failures and section totals). The last line is
# "N passed, N failed"; the exit status is non-zero when anything failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# CHECK_BUILD moves the rel/asan/arm64 build trees (default build/rel, build/asan, ...).
B=${CHECK_BUILD:-build}
mkdir -p build "$B"
log=build/check.log
: >"$log"
jobs=$(nproc)

# section NAME: run the rest of the arguments, keep their PASS/FAIL lines in the log,
# show failures and a per-section count.
section() {
    local name=$1
    shift
    local out
    out=$("$@" 2>&1)
    local p f s skipped=""
    p=$(grep -c '^PASS ' <<<"$out")
    f=$(grep -c '^FAIL ' <<<"$out")
    s=$(grep -c '^SKIP ' <<<"$out")
    # SKIP: a check this host cannot make (an Intel-only behaviour on an AMD host, say);
    # each names what it left out, in the log.
    [ "$s" -gt 0 ] && skipped=", $s skipped (see $log)"
    { echo "== $name"; echo "$out"; } >>"$log"
    grep -A4 '^FAIL ' <<<"$out" | grep -v '^PASS ' | head -40
    printf '%-28s %6d passed, %d failed%s\n' "$name" "$p" "$f" "$skipped"
}

# build MODE: the emulator and the unit-test binaries for MODE.
build() {
    local mode=$1
    if make -j"$jobs" BUILD=$B/$mode MODE=$mode >build/make-$mode.log 2>&1 &&
        make -j"$jobs" BUILD=$B/$mode MODE=$mode unit >>build/make-$mode.log 2>&1; then
        echo "PASS build/$mode"
    else
        echo "FAIL build/$mode: see build/make-$mode.log"
        tail -15 build/make-$mode.log | sed 's/^/    /'
    fi
}

# unit MODE: every tests/unit binary; a binary that dies without saying FAIL counts
# as one failure of its own.
unit() {
    local mode=$1 t name status out
    for t in $B/$mode/tests/unit/test_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        out=$(timeout "${UNIT_TIMEOUT:-300}" "$t" 2>&1) # bounded: keeps make check under ~15 min
        status=$?
        sed "s/^\(PASS\|FAIL\|SKIP\) /\1 unit\/$mode\/$name\//" <<<"$out" | grep -E '^(PASS|FAIL|SKIP) '
        if [ $status -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
            echo "FAIL unit/$mode/$name: exit status $status without a FAIL line"
            tail -5 <<<"$out" | sed 's/^/    /'
        fi
    done
}

# cli MODE: tests/cli/*.sh, each given the emulator binary.
cli() {
    local mode=$1 s
    for s in tests/cli/*.sh; do
        [ -x "$s" ] || continue
        "$s" "$B/$mode/vanderpool" 2>&1 | sed "s/^\(PASS\|FAIL\) /\1 cli\/$mode\/$(basename "$s" .sh)\//"
    done
}

deps() {
    if scripts/deps.sh >build/deps.log 2>&1; then echo "PASS deps"; else
        echo "FAIL deps: scripts/deps.sh failed (build/deps.log)"
        tail -5 build/deps.log | sed 's/^/    /'
    fi
}

# fuzz_smoke NAME TIME: the libFuzzer target fuzz_NAME (tests/fuzz/fuzz_NAME.c) for TIME
# seconds with a fixed seed through `make fuzz-NAME`; needs clang (scripts/deps.sh).
# vmentry: VM entry with fuzzed VMCS contents and EPT; gdb: the gdb stub's packets.
fuzz_smoke() {
    local name=$1 time=$2 out status var
    if ! command -v clang >/dev/null; then
        echo "SKIP fuzz/$name: no clang"
        return
    fi
    if ! make -j"$jobs" FUZZ_BUILD=$B/libfuzzer $B/libfuzzer/fuzz_$name >build/make-fuzz-$name.log 2>&1; then
        echo "FAIL fuzz/$name/build: see build/make-fuzz-$name.log"
        tail -15 build/make-fuzz-$name.log | sed 's/^/    /'
        return
    fi
    var="FUZZ_$(tr a-z A-Z <<<"$name")_TIME"
    out=$(make -s FUZZ_BUILD=$B/libfuzzer "$var=$time" fuzz-$name 2>&1)
    status=$?
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<<"$out")
    if [ $status -eq 0 ] && [ -n "$runs" ]; then
        echo "PASS fuzz/$name: $runs inputs, no finding"
    else
        echo "FAIL fuzz/$name: status $status (artifacts in $B/libfuzzer/smoke/$name)"
        grep -E 'ERROR|invariant|SUMMARY|^    #[0-9]' <<<"$out" | head -20 | sed 's/^/    /'
    fi
}

section deps deps
section build/rel build rel
section build/asan build asan
section unit/rel unit rel
section unit/asan unit asan
section cli/rel cli rel
section cli/asan cli asan
# ASan/UBSan builds run guests several times slower.
section guest env VP_TIMEOUT=300 tests/guest/run.sh -j "$jobs" \
    --vp rel=$B/rel/vanderpool --vp asan=$B/asan/vanderpool
# The reference hypervisor (guest/hv/) with its guests on every CPU model and on Bochs.
section hv env GUEST_BUILD=build/guest tests/hv/run.sh --vp $B/rel/vanderpool
section gdb env GUEST_BUILD=build/guest tests/gdb/run.sh --vp $B/rel/vanderpool
# Debian 12's kernel booted with -kernel/-initrd to a busybox init (fetched once into
# ~/.cache/vanderpool; SKIP without network), then the same on QEMU TCG for the wall time.
section linux tests/linux/run.sh --vp $B/rel/vanderpool
# One boot on the ASan/UBSan build (about twice as slow): the emulator's memory safety under
# a whole operating system.
section linux/asan env VP_LINUX_TIMEOUT=600 tests/linux/run.sh --vp $B/asan/vanderpool --label asan --smp 2 \
    --reboot-smp "" --no-qemu
# KVM on Vanderpool's VT-x: Debian's kvm-intel in that kernel runs L2 guests (a flat one
# and the same kernel to its init) with EPT and without, with and without unrestricted
# guest, on skylake, westmere and core2.
section kvm tests/linux/kvm-all.sh --vp $B/rel/vanderpool -j "$jobs"
section fuzz/vmentry fuzz_smoke vmentry "${FUZZ_VMENTRY_TIME:-60}"
section fuzz/gdb fuzz_smoke gdb "${FUZZ_GDB_TIME:-20}"
# arm64: the emulator cross-built for arm64 and run under qemu-user must print what rel
# prints, line for line, on every guest test and unit test (tests/arm64/run.sh).
section arm64 tests/arm64/run.sh -j "$jobs" --native $B/rel --build $B/arm64

p=$(grep -c '^PASS ' "$log")
f=$(grep -c '^FAIL ' "$log")
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
