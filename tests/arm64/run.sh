#!/usr/bin/env bash
# tests/arm64/run.sh [-j N] [--native DIR] [--build DIR] [--no-unit] [TEST...]: cross-build
# the emulator and its unit tests for arm64 (Debian's gcc-aarch64-linux-gnu), run them under
# qemu-user beside the native build in DIR (default build/rel, with `make unit` done), and
# print one line per guest run and per unit-test binary: "PASS arm64/...: outputs equal" or
# "FAIL arm64/...: why" with the first differing lines. Guest runs (tests/guest/run.sh
# --no-bochs, each test's options.txt options) compare serial output, stderr and exit
# status; unit tests compare output and exit status. A unit binary that prints only SKIP
# lines on arm64 (the differential tests, which run x86 code natively) gives one SKIP line.
# Without the cross tools: one SKIP line. Ends with "arm64: N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
jobs=$(nproc) native=build/rel a64=build/arm64 unit=1 tests=()
while [ $# -gt 0 ]; do
    case $1 in
    -j) jobs=$2; shift ;;
    --native) native=$2; shift ;;
    --build) a64=$2; shift ;;
    --no-unit) unit=0 ;;
    -*) echo "arm64/run.sh: unknown option $1" >&2; exit 2 ;;
    *) tests+=("$1") ;;
    esac
    shift
done
sysroot=/usr/aarch64-linux-gnu
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null ||
    [ ! -e $sysroot/lib/ld-linux-aarch64.so.1 ]; then
    echo "SKIP arm64: no cross tools (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user: scripts/deps.sh)"
    exit 0
fi
results=$(mktemp)
trap 'rm -f "$results"' EXIT
report() { tee -a "$results"; }
finish() {
    echo "arm64: $(grep -c '^PASS ' "$results") passed, $(grep -c '^FAIL ' "$results") failed"
    ! grep -q '^FAIL ' "$results"
    exit
}
export VP_ARM64=$root/$a64/vanderpool # for qemu-vp.sh

# Build with the project's warning flags; a warning here is a portability problem.
mkdir -p "$a64"
blog=$a64/make.log
targets=("$a64/vanderpool")
[ $unit -eq 1 ] && targets+=(unit)
if ! make -j"$jobs" CC=aarch64-linux-gnu-gcc BUILD="$a64" "${targets[@]}" >"$blog" 2>&1; then
    { echo "FAIL arm64/build: see $blog"; tail -15 "$blog" | sed 's/^/    /'; } | report
    finish
fi
if grep -q 'warning:' "$blog"; then
    { echo "FAIL arm64/build: $(grep -c 'warning:' "$blog") warnings (see $blog)"
      grep 'warning:' "$blog" | sort -u | head -5 | sed 's/^/    /'; } | report
else
    echo "PASS arm64/build: no warnings" | report
fi

# differ LABEL A B WHAT: one line saying whether files A (native) and B (arm64) are equal.
differ() {
    if [ ! -e "$3" ]; then echo "FAIL $1: no arm64 output"
    elif cmp -s "$2" "$3"; then echo "PASS $1: outputs equal ($4)"
    else
        echo "FAIL $1: outputs differ (< native, > arm64)"
        diff "$2" "$3" | head -8 | sed 's/^/    /'
    fi
}

# Guest tests: both builds through run.sh, which keeps each run's serial output (.txt),
# stderr (.err) and status (.status) in build/guest-results/LABEL/. qemu-user is slower:
# a longer time limit, so a slow run is not taken for a difference.
ln=arm64-native la=arm64
VP_TIMEOUT=${VP_TIMEOUT:-300} tests/guest/run.sh --no-bochs -j "$jobs" \
    --vp "$ln=$native/vanderpool" --vp "$la=tests/arm64/qemu-vp.sh" "${tests[@]}" >"$a64/guest.log" 2>&1
grep -E '^FAIL (guest/build|[^ ]*/setup)' "$a64/guest.log" | report
dn=build/guest-results/$ln da=build/guest-results/$la
for f in "$dn"/*.txt; do
    [ -e "$f" ] || continue
    r=$(basename "$f" .txt) t=$(mktemp) u=$(mktemp)
    # One comparison per run: serial output, then stderr and exit status.
    for k in txt err status; do { echo "== $k"; cat "$dn/$r.$k"; } >>"$t"; done
    if [ -e "$da/$r.txt" ]; then
        for k in txt err status; do { echo "== $k"; cat "$da/$r.$k"; } >>"$u"; done
    else rm -f "$u"; fi
    differ "arm64/guest/$r" "$t" "$u" "$(wc -l <"$dn/$r.txt") serial lines, status $(cat "$dn/$r.status")" | report
    rm -f "$t" "$u"
done

# Unit tests: every binary both builds have, run natively and under qemu-user.
if [ $unit -eq 1 ]; then
    for n in "$native"/tests/unit/test_*; do
        [ -x "$n" ] || continue
        name=$(basename "$n") a=$a64/tests/unit/$name
        [ -x "$a" ] || { echo "FAIL arm64/unit/$name: not built for arm64" | report; continue; }
        t=$(mktemp) u=$(mktemp)
        timeout "${UNIT_TIMEOUT:-300}" qemu-aarch64 -L $sysroot "$a" >"$u" 2>&1
        echo "== status $?" >>"$u"
        if [ "$(grep -v '^SKIP ' "$u")" = "== status 0" ]; then
            echo "SKIP arm64/unit/$name: $(sed -n 's/^SKIP //p' "$u" | head -1)" | report
        else
            timeout "${UNIT_TIMEOUT:-300}" "$n" >"$t" 2>&1
            echo "== status $?" >>"$t"
            # A binary that compares with the host where it can and also checks the
            # emulator alone skips, on arm64, the host comparison (a SKIP line the native
            # run does not print): its other lines must be the native run's lines of the
            # same text, in the same order.
            if grep '^SKIP ' "$u" | grep -qvxFf "$t"; then
                grep -v '^SKIP ' "$u" >"$u.mine"
                grep -xFf "$u.mine" "$t" >"$t.common"
                mv "$u.mine" "$u"
                mv "$t.common" "$t"
            fi
            differ "arm64/unit/$name" "$t" "$u" "$(($(wc -l <"$t") - 1)) lines, $(tail -1 "$t" | sed "s/^== //")" | report
        fi
        rm -f "$t" "$u"
    done
fi
finish
