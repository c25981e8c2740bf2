#!/usr/bin/env bash
# run.sh [--vp PATH] [--no-bochs] [--no-vp] [MODEL...]: the reference hypervisor
# (guest/hv/) with its guests on Vanderpool, per CPU model (default skylake westmere
# icelake core2), and on Bochs (corei7_skylake_x, corei7_icelake_u, corei5_arrandale_m520
# (Westmere), core2_penryn_t9600), which must print the same guest lines. One "PASS x" / "FAIL x: why" line per
# check, then "hv: N passed, N failed"; exit status 1 if anything failed.
#   - each guest's own lines (those starting "[name] ", so the order between guests does
#     not matter) equal tests/hv/expect/NAME.txt;
#   - every line of tests/hv/expect/hv-lines.txt starts some line of the output (guests
#     ending, misbehaving guests stopped with their reason, the exit table);
#   - Vanderpool runs are deterministic: a second skylake run prints the same bytes;
#   - every configuration runs every guest with the same guest lines (expect/NAME.txt):
#     without EPT on shadow page tables, without unrestricted guest the real-mode guest in
#     virtual-8086 mode. Only the hypervisor's own lines differ where the technique
#     inherently shows: tests/hv/expect/no-ept/hv-lines.txt (core2, -ept: the banner, the
#     wild write caught as a page fault, not an EPT violation; #PF and INVLPG exits in
#     the table) and tests/hv/expect/no-ug/hv-lines.txt (-unrestricted-guest: the
#     banner, virtual-8086 mode's #GP exits). core2 also lacks the preemption timer and
#     slices with the host PIT; no expected line depends on it.
# GUEST_BUILD (default build/guest) is where the hypervisor and guests are built; output
# goes to HV_RESULTS (default build/hv-results).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/hv
cd "$root"
vp=build/rel/vanderpool bochs=1 novp=0 models=()
while [ $# -gt 0 ]; do
    case $1 in
    --vp) vp=$2; shift ;;
    --no-bochs) bochs=0 ;;
    --no-vp) novp=1 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) models+=("$1") ;;
    esac
    shift
done
[ ${#models[@]} -eq 0 ] && models=(skylake westmere icelake core2 skylake,-ept
    skylake,-unrestricted-guest skylake,-preemption-timer skylake,-true-ctls)
gb=${GUEST_BUILD:-build/guest}
out=${HV_RESULTS:-build/hv-results}
mkdir -p "$out"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
report() { tee -a "$results"; }

h=$gb/guest/hv
guests=(rm pm32 lm64 triple wild garbage loop)
mods=("$h/rm.bin name=rm" "$h/pm32.bin name=pm32" "$h/lm64.bin name=lm64"
    "$h/bad.bin name=triple bad=triple" "$h/bad.bin name=wild bad=wild"
    "$h/bad.bin name=garbage bad=garbage" "$h/bad.bin name=loop bad=loop budget=20")
initrd=$(IFS=,; echo "${mods[*]}")

if ! make -s BUILD="$gb" hv >"$out/make.log" 2>&1; then
    echo "FAIL hv/build: make hv (see $out/make.log)" | report
    tail -5 "$out/make.log"
    echo "hv: 0 passed, 1 failed"
    exit 1
fi
echo "PASS hv/build" | report

# expect MODEL NAME: the expectation file for what MODEL offers.
expect() {
    local set=
    case $1 in
    core2 | *-ept*) set=no-ept/ ;;
    *-unrestricted-guest*) set=no-ug/ ;;
    esac
    if [ -f "$here/expect/$set$2" ]; then echo "$here/expect/$set$2"; else echo "$here/expect/$2"; fi
}

# judge LABEL MODEL FILE: the per-guest lines and the hypervisor's own lines.
judge() {
    local label=$1 model=$2 file=$3 g line miss=0
    for g in "${guests[@]}"; do
        if diff -u "$(expect "$model" "$g.txt")" <(grep -a "^\[$g\] " "$file") >"$out/$label.$g.diff"; then
            echo "PASS hv/$label/guest-$g"
        else
            echo "FAIL hv/$label/guest-$g: output differs from $(expect "$model" "$g.txt") ($out/$label.$g.diff)"
            head -8 "$out/$label.$g.diff" | sed 's/^/    /'
        fi
    done
    while IFS= read -r line; do
        if ! awk -v l="$line" 'index($0, l) == 1 { f = 1 } END { exit !f }' "$file"; then
            echo "FAIL hv/$label/hv-lines: no line starting \"$line\" ($file)"
            miss=1
        fi
    done <"$(expect "$model" hv-lines.txt)"
    [ $miss -eq 0 ] && echo "PASS hv/$label/hv-lines"
}

run_vp() { # MODEL OUTFILE
    timeout "${VP_TIMEOUT:-120}" "$vp" -cpu "$1" -kernel "$h/hv.elf" -initrd "$initrd" \
        -serial stdio -no-reboot >"$2" 2>&1
}

if [ $novp -eq 0 ]; then
    if [ ! -x "$vp" ]; then
        echo "FAIL hv/setup: $vp not built" | report
    else
        for m in "${models[@]}"; do
            f=$out/vp-$m.txt
            run_vp "$m" "$f"
            st=$?
            if [ $st -ne 1 ]; then
                echo "FAIL hv/vp-$m/exit: vanderpool status $st, not 1 (debug-exit 0) ($f)" | report
                tail -5 "$f" | sed 's/^/    /'
            else
                echo "PASS hv/vp-$m/exit" | report
            fi
            judge "vp-$m" "$m" "$f" | report
            if [ "$m" = skylake ]; then
                run_vp "$m" "$out/vp-$m.again.txt"
                if cmp -s "$f" "$out/vp-$m.again.txt"; then
                    echo "PASS hv/vp-skylake/deterministic" | report
                else
                    echo "FAIL hv/vp-skylake/deterministic: two runs differ ($out/vp-$m.again.txt)" | report
                fi
            fi
        done
    fi
fi

# run_bochs BOCHS_MODEL OUTFILE: as tests/bochs/run.sh does, with the guests as GRUB
# modules. Returns 1 when Bochs did not reach the shutdown port.
run_bochs() {
    local work st=0
    work=$(mktemp -d)
    "$root/tests/bochs/mkiso.sh" "$h/hv.elf" "$work/boot.iso" "" "${mods[@]}"
    sed -e "s|@ISO@|$work/boot.iso|" -e "s|@SERIAL@|$work/serial.txt|" \
        -e "s|@LOG@|$work/bochs.log|" -e "s|model=[a-z0-9_]*,|model=$1,|" \
        "$root/tests/bochs/bochsrc.in" >"$work/bochsrc"
    echo c >"$work/cmds" # Bochs is built with its debugger: "c" = continue at start
    : >"$work/serial.txt"
    (cd "$work" && timeout "${BOCHS_TIMEOUT:-300}" script -q -e -c \
        "bochs -q -f $work/bochsrc -rc $work/cmds" /dev/null >/dev/null 2>&1 </dev/null) || true
    tr -d '\r' <"$work/serial.txt" >"$2"
    cp "$work/bochs.log" "${2%.txt}.log" 2>/dev/null
    grep -q 'Shutdown port' "$work/bochs.log" 2>/dev/null || st=1
    rm -rf "$work"
    return $st
}

# Bochs models and the Vanderpool model whose expectations they share.
bochs_models=("corei7_skylake_x skylake" "corei7_icelake_u icelake" "corei5_arrandale_m520 westmere"
    "core2_penryn_t9600 core2")
if [ $bochs -eq 1 ]; then
    if ! command -v bochs >/dev/null || ! command -v grub-mkrescue >/dev/null; then
        echo "FAIL hv/bochs/setup: bochs or grub-mkrescue missing (scripts/deps.sh)" | report
    else
        for bm in "${bochs_models[@]}"; do
            b=${bm% *} m=${bm#* }
            f=$out/bochs-$b.txt
            (run_bochs "$b" "$f"; echo $? >"$f.status") &
        done
        wait
        for bm in "${bochs_models[@]}"; do
            b=${bm% *} m=${bm#* }
            f=$out/bochs-$b.txt
            if [ "$(cat "$f.status")" = 0 ]; then
                echo "PASS hv/bochs-$b/shutdown" | report
            else
                echo "FAIL hv/bochs-$b/shutdown: Bochs did not shut down cleanly (${f%.txt}.log)" | report
            fi
            judge "bochs-$b" "$m" "$f" | report
        done
    fi
fi

p=$(grep -c '^PASS ' "$results")
f=$(grep -c '^FAIL ' "$results")
echo "hv: $p passed, $f failed"
[ "$f" -eq 0 ]
