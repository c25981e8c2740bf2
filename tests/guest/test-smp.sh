#!/usr/bin/env bash
# test-smp.sh TEST: the processor count tests/guest/options.txt gives TEST (default 1).
root=$(cd "$(dirname "$0")/../.." && pwd)
awk -v t="$1" '$1 == t { for (k = 2; k <= NF; k++) if ($k ~ /^smp=/) { sub(/^smp=/, "", $k); n = $k } }
    END { print n ? n : 1 }' "$root/tests/guest/options.txt"
