#!/usr/bin/env bash
# compare.sh LABEL TEST OUT [BOCHS_OUT]: judge one guest test run and print one line,
# "PASS LABEL/TEST" or "FAIL LABEL/TEST: why", followed by indented details.
# A run passes when it printed END, no FAIL line, and (given BOCHS_OUT) the same
# PASS/FAIL lines as Bochs, except the checks bochs-departures.txt lists for TEST
# (those must still PASS on our side).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
label=$1 test=$2 out=$3 bochs=${4:-}
departures=$here/bochs-departures.txt

# Checks of this test that Bochs gets wrong (column 2 of the table, a name or a shell
# pattern such as *_true_*): rows for TEST apply to all its per-model runs, rows for
# TEST@MODEL to that run only.
mapfile -t skip < <(awk -v t="$test" -v base="${test%%@*}" '$1 == t || $1 == base { print $2 }' "$departures" 2>/dev/null)
departed() {
    local pat
    for pat in "${skip[@]}"; do
        # shellcheck disable=SC2053 # the pattern is meant to match as a glob
        [[ $1 == $pat ]] && return 0
    done
    return 1
}
filter() {
    # Keep only protocol lines; drop checks listed as Bochs departures.
    tr -d '\r' <"$1" | grep -E '^(PASS|FAIL) ' | while read -r verdict name rest; do
        name=${name%:}
        departed "$name" && continue
        echo "$verdict $name${rest:+ $rest}"
    done
}

if [ ! -s "$out" ]; then
    echo "FAIL $label/$test: no output"
    exit 0
fi
# Bochs itself may fail the checks listed as its departures; nobody else may.
if [ "$label" = bochs ]; then fails=$(filter "$out" | grep '^FAIL ')
else fails=$(grep '^FAIL ' "$out"); fi
if [ -n "$fails" ]; then
    echo "FAIL $label/$test: $(echo "$fails" | wc -l) failing checks"
    echo "$fails" | head -5 | sed 's/^/    /'
    exit 0
fi
if ! grep -qx 'END' <(tr -d '\r' <"$out"); then
    echo "FAIL $label/$test: no END line (crashed or timed out?)"
    tail -3 "$out" | sed 's/^/    /'
    exit 0
fi
if [ -n "$bochs" ]; then
    if ! diff <(filter "$bochs") <(filter "$out") >/dev/null; then
        echo "FAIL $label/$test: differs from Bochs (< bochs, > $label)"
        diff <(filter "$bochs") <(filter "$out") | grep '^[<>]' | head -8 | sed 's/^/    /'
        exit 0
    fi
fi
echo "PASS $label/$test ($(grep -c '^PASS ' "$out") checks)"
