#!/usr/bin/env bash
# test-smp.sh RUN [KEY]: the value tests/guest/options.txt gives KEY for RUN, where RUN is a
# test name or a per-model variant TEST@MODEL (see options.txt, models=):
#   smp       processor count (default 1)
#   cpu       Vanderpool -cpu SPEC (default none); for TEST@MODEL the base spec with its
#             model replaced by MODEL ("skylake,+vmx" -> "core2,+vmx")
#   bochs     Bochs cpu model (default: the one in tests/bochs/bochsrc.in)
#   device    Vanderpool -device NAME (default none)
#   vp-only   why the test cannot run on Bochs (empty: it can)
#   variants  the runs of TEST: TEST itself, then TEST@MODEL for each models= entry
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$1 key=${2:-smp}
test=${run%%@*} variant=""
[ "$run" != "$test" ] && variant=${run#*@}
awk -v t="$test" -v key="$key" -v variant="$variant" '
    $1 == t {
        for (k = 2; k <= NF; k++) {
            eq = index($k, "=")
            if (eq) opt[substr($k, 1, eq - 1)] = substr($k, eq + 1)
        }
    }
    END {
        n = split(opt["models"], ms, ",")
        if (key == "variants") {
            print t
            for (k = 1; k <= n; k++) { split(ms[k], p, ":"); print t "@" p[1] }
            exit
        }
        v = opt[key]
        if (variant != "") {
            found = 0
            for (k = 1; k <= n; k++) {
                split(ms[k], p, ":")
                if (p[1] != variant) continue
                found = 1
                if (key == "bochs") v = p[2]
                if (key == "cpu") { c = index(v, ","); v = variant (c ? substr(v, c) : "") }
            }
            if (!found) { print "test-smp.sh: no variant " variant " of " t > "/dev/stderr"; exit 1 }
        }
        if (v == "" && key == "smp") v = 1
        print v
    }' "$root/tests/guest/options.txt"
