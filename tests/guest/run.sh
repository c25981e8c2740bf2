#!/usr/bin/env bash
# run.sh [options] [TEST...]: build the guest tests, run them on Vanderpool and/or Bochs
# and compare. Prints one "PASS x" / "FAIL x: why" line per (emulator, test) and ends
# with "guest: N passed, N failed". Exit status 1 if anything failed.
#   --vp LABEL=PATH   run on this Vanderpool binary (repeatable; default rel=build/rel/vanderpool)
#   --no-vp           only Bochs
#   --no-bochs        skip Bochs (no comparison, only "no FAIL and END")
#   -j N              parallel jobs (default: number of CPUs)
#   --all-pending     also run tests marked `pending` (options.txt) on Vanderpool
# A pending test runs only on Bochs (its PASS line is Bochs'), unless named on the
# command line or --all-pending is given: it tests an emulator feature still being built.
# A vp-only test (options.txt) never runs on Bochs (one SKIP line says why) and is judged
# on Vanderpool alone.
# A test with models= in options.txt also runs as TEST@MODEL per CPU model (on both
# emulators); TEST names all its runs, TEST@MODEL one of them.
# Bochs results are cached in build/bochs-cache keyed by the kernel's hash and run options.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/guest
cd "$root"

vps=() bochs=1 novp=0 jobs=$(nproc) tests=() allpending=0
while [ $# -gt 0 ]; do
    case $1 in
    --vp) vps+=("$2"); shift ;;
    --no-vp) novp=1 ;;
    --no-bochs) bochs=0 ;;
    -j) jobs=$2; shift ;;
    --all-pending) allpending=1 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) tests+=("$1") ;;
    esac
    shift
done
[ ${#vps[@]} -eq 0 ] && [ $novp -eq 0 ] && vps=("rel=build/rel/vanderpool")
[ $novp -eq 1 ] && vps=()

GUEST_BUILD=${GUEST_BUILD:-build/guest} # separate trees let several builds run side by side
make -s BUILD=$GUEST_BUILD guest-tests >/dev/null || { echo "FAIL guest/build: make guest-tests"; echo "guest: 0 passed, 1 failed"; exit 1; }
kdir=$GUEST_BUILD/guest/tests
[ ${#tests[@]} -gt 0 ] && allpending=1 # named tests run everywhere, pending or not
if [ ${#tests[@]} -eq 0 ]; then
    for k in "$kdir"/*.elf; do tests+=("$(basename "$k" .elf)"); done
fi
# Runs: a test with models= in options.txt runs once per model as TEST@MODEL besides
# TEST itself; naming TEST runs all of them, naming TEST@MODEL only that one.
runs=()
for t in "${tests[@]}"; do
    if [[ $t == *@* ]]; then runs+=("$t"); else mapfile -t -O ${#runs[@]} runs < <("$here/test-smp.sh" "$t" variants); fi
done
kernel_of() { echo "$kdir/${1%%@*}.elf"; }
# The runs Vanderpool makes: all of them, less the pending ones unless allowed.
pending=$(awk '{ for (k = 2; k <= NF; k++) if ($k == "pending") print $1 }' "$here/options.txt")
# vp-only tests: Bochs lacks what they test (vp-only=REASON in options.txt).
vponly_reason() { "$here/test-smp.sh" "${1%%@*}" vp-only; }
bochsruns=()
for r in "${runs[@]}"; do [ -z "$(vponly_reason "$r")" ] && bochsruns+=("$r"); done
vpruns=()
for r in "${runs[@]}"; do
    if [ $allpending -eq 0 ] && printf '%s\n' $pending | grep -qxF -- "${r%%@*}"; then continue; fi
    vpruns+=("$r")
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
report() { tee -a "$results"; }

if [ $bochs -eq 1 ]; then
    if ! command -v bochs >/dev/null; then
        echo "FAIL bochs/setup: bochs not installed (scripts/deps.sh)" | report
        bochs=0
    else
        [ ${#bochsruns[@]} -gt 0 ] && for r in "${bochsruns[@]}"; do echo "$(kernel_of "$r") $r"; done |
            xargs -P "$jobs" -n2 "$here/bochs-cached.sh" >/dev/null
        for r in "${runs[@]}"; do
            why=$(vponly_reason "$r")
            if [ -n "$why" ]; then
                echo "SKIP bochs/$r: Vanderpool only: ${why//_/ }" | report
                continue
            fi
            "$here/compare.sh" bochs "$r" "$("$here/bochs-cached.sh" "$(kernel_of "$r")" "$r")" | report
        done
    fi
fi

for spec in "${vps[@]}"; do
    label=${spec%%=*} vp=${spec#*=}
    if [ ! -x "$vp" ]; then
        echo "FAIL $label/setup: $vp not built" | report
        continue
    fi
    outdir=build/guest-results/$label
    rm -rf "$outdir"
    [ ${#vpruns[@]} -gt 0 ] && for r in "${vpruns[@]}"; do echo "$(kernel_of "$r") $r"; done |
        xargs -P "$jobs" -n2 bash -c '"$0" "$1" "$3" "$2" "$4"' "$here/vp-one.sh" "$vp" "$outdir"
    for r in "${vpruns[@]}"; do
        b=""
        [ $bochs -eq 1 ] && [ -z "$(vponly_reason "$r")" ] && b=$("$here/bochs-cached.sh" "$(kernel_of "$r")" "$r")
        "$here/compare.sh" "$label" "$r" "$outdir/$r.txt" "$b" | report
    done
done

p=$(grep -c '^PASS ' "$results")
f=$(grep -c '^FAIL ' "$results")
echo "guest: $p passed, $f failed"
[ "$f" -eq 0 ]
