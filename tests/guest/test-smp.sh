#!/usr/bin/env bash
# test-smp.sh TEST [KEY]: the value tests/guest/options.txt gives KEY (default smp) for
# TEST: the processor count (default 1), or with KEY=cpu the -cpu SPEC (default none).
root=$(cd "$(dirname "$0")/../.." && pwd)
key=${2:-smp}
awk -v t="$1" -v key="$key" '$1 == t { for (k = 2; k <= NF; k++) if (index($k, key "=") == 1) v = substr($k, length(key) + 2) }
    END { print v != "" ? v : (key == "smp" ? 1 : "") }' "$root/tests/guest/options.txt"
