#!/usr/bin/env bash
# test-smp.sh RUN [KEY]: the value tests/guest/options.txt gives KEY for RUN, where RUN is a
# test name, a per-model variant TEST@MODEL (see options.txt, models=) or a per-TLB-mode
# variant TEST@tlb-MODE (tlb=):
#   smp       processor count (default 1)
#   cpu       Vanderpool -cpu SPEC (default none); for TEST@MODEL the base spec with its
#             model replaced by MODEL ("skylake,+vmx" -> "core2,+vmx")
#   bochs     Bochs cpu model (default: the one in tests/bochs/bochsrc.in)
#   device    Vanderpool -device NAME (default none)
#   tlb       Vanderpool -tlb MODE (default none): tlb=A,B... gives A to TEST, B to TEST@tlb-B
#   vp-only   why the test cannot run on Bochs (empty: it can)
#   variants  the runs of TEST: TEST itself, then TEST@MODEL for each models= entry, then
#             TEST@tlb-MODE for each tlb= mode after the first
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
        nt = split(opt["tlb"], ts, ",")
        if (key == "variants") {
            print t
            for (k = 1; k <= n; k++) { split(ms[k], p, ":"); print t "@" p[1] }
            for (k = 2; k <= nt; k++) print t "@tlb-" ts[k]
            exit
        }
        v = opt[key]
        if (key == "tlb") v = ts[1]
        if (variant ~ /^tlb-/) {
            # A TLB-mode run differs from TEST only in its -tlb mode.
            found = 0
            for (k = 2; k <= nt; k++) if ("tlb-" ts[k] == variant) found = 1
            if (key == "tlb") v = substr(variant, 5)
            if (!found) { print "test-smp.sh: no variant " variant " of " t > "/dev/stderr"; exit 1 }
        } else if (variant != "") {
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
