#!/usr/bin/env bash
# tests/linux/run.sh [--vp VANDERPOOL] [--label vp] [--qemu QEMU|--no-qemu] [--smp "1 4"]
#                    [--reboot-smp 2|""] [--pvh-smp "1 2"|""]
# Boot Debian 12's own kernel (scripts/fetch-linux.sh, cached outside the checkout) the
# QEMU way, -kernel vmlinuz -initrd initrd.img, to a busybox /init (tests/linux/init) that
# prints marker lines and powers off, once per processor count; then once more (on 2
# processors) rebooting instead (vp_action=reboot), which -no-reboot ends with status 4;
# then the same kernel uncompressed, -kernel vmlinux, through the PVH entry (no XZ
# decompressor) once per --pvh-smp count. One "PASS name" / "FAIL name: why" line per
# check, names linux/LABEL-smpN/... and linux/LABEL-pvh-smpN/... (LABEL tells builds apart,
# e.g. asan); "SKIP" when the packages cannot be fetched. Then the bzImage and the PVH
# boot on one processor under QEMU's TCG, for comparison: the wall times are printed,
# nothing is asserted about them.
#
# Kernel parameters beyond the console, and why (remove each when its reason goes):
#   panic=-1   a panic reboots at once, which -no-reboot turns into the end of the run
#              (a failing boot then fails fast instead of waiting for the time limit).
#   nokaslr    the same physical and virtual layout every run, for comparable traces.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
vp=$root/build/rel/vanderpool
qemu=${QEMU:-qemu-system-x86_64}
smps="1 4"
reboot_smp=2 # empty: no reboot run
pvh_smps="1 2" # empty: no PVH boot
label=vp
while [ $# -gt 0 ]; do
    case $1 in
    --vp) vp=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --reboot-smp) reboot_smp=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --no-qemu) qemu=""; shift ;;
    --smp) smps=$2; shift 2 ;;
    --pvh-smp) pvh_smps=$2; shift 2 ;;
    *) echo "usage: $0 [--vp VANDERPOOL] [--label L] [--qemu QEMU|--no-qemu] [--smp \"N ...\"] [--reboot-smp N] [--pvh-smp \"N ...\"]" >&2
        exit 2 ;;
    esac
done
limit=${VP_LINUX_TIMEOUT:-300}            # seconds; generous: a test, not a benchmark
icount=${VP_LINUX_ICOUNT:-60000000000}   # guest instructions, the same bound for a hung boot
append="console=ttyS0 panic=-1 nokaslr ${VP_LINUX_APPEND:-}"

cache=$("$root/scripts/fetch-linux.sh") || { echo "SKIP linux: kernel and busybox not available"; exit 0; }
[ -x "$vp" ] || { echo "FAIL linux/setup: $vp not built"; exit 1; }
tmp=$(mktemp -d /tmp/vp-linux-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The initramfs: busybox, its /init, the directories it mounts on (newc cpio, gzip).
mkdir -p "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev"
cp "$cache/busybox" "$tmp/root/bin/busybox"
cp "$root/tests/linux/init" "$tmp/root/init"
chmod 755 "$tmp/root/init" "$tmp/root/bin/busybox"
"$root/scripts/mkcpio.sh" "$tmp/root" | gzip -9 -n >"$tmp/initrd.img" ||
    { echo "FAIL linux/initramfs: cpio failed"; exit 1; }
echo "linux: kernel $(cat "$cache/version"), initramfs $(stat -c %s "$tmp/initrd.img") bytes"

failures=0
pass() { echo "PASS $1"; }
fail() {
    echo "FAIL $1: $2"
    failures=$((failures + 1))
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
logs=$root/build/linux
mkdir -p "$logs"

# boot_vp N [reboot|pvh]: Vanderpool with N processors (pvh: from vmlinux through the PVH
# entry); its checks; one line of figures.
boot_vp() {
    local smp=$1 action=${2:-poweroff} kernel=$cache/vmlinuz run=$label-smp$1 figs=$label
    [ "$action" = reboot ] && run=$run-reboot
    [ "$action" = pvh ] && action=poweroff kernel=$cache/vmlinux run=$label-pvh-smp$1 figs="$label pvh"
    local name=linux/$run out=$tmp/vp.out log=$logs/$run.log
    local before=$failures t0 t1 status insns extra=""
    [ "$action" = reboot ] && extra=" vp_action=reboot"
    : >"$out" # empty first: a run that never opens it must not leave an old console
    t0=$(now)
    timeout "$limit" "$vp" -kernel "$kernel" -initrd "$tmp/initrd.img" -append "$append$extra" \
        -m 512M -smp "$smp" -serial "file:$out" -no-reboot -icount-limit "$icount" -stats \
        >"$tmp/vp.stdout" 2>"$tmp/vp.err"
    status=$?
    t1=$(now)
    # The console ends lines with CR LF; the whole console stays in build/linux/ for reading.
    tr -d '\r' <"$out" >"$log"
    grep -q '^VP-LINUX: init started' "$log" && pass "$name/init" ||
        fail "$name/init" "no init marker (status $status); last lines: $(tail -3 "$log" | tr '\n' '|')"
    grep -q "^VP-LINUX: nproc $smp\$" "$log" && pass "$name/nproc" ||
        fail "$name/nproc" "$(grep '^VP-LINUX: nproc' "$log" || echo 'no nproc line'), want $smp"
    grep -q '^VP-LINUX: flags .*sse2' "$log" && pass "$name/cpuinfo" ||
        fail "$name/cpuinfo" "no flags line with sse2"
    # H(1000) = 1 + 1/2 + ... + 1/1000 = 7.4854708605..., summed by busybox awk with SSE2
    # doubles in user space.
    grep -q '^VP-LINUX: float 7.485471$' "$log" && pass "$name/float" ||
        fail "$name/float" "$(grep '^VP-LINUX: float' "$log" || echo 'no float line'), want 7.485471"
    # The same work on the host's coreutils is the oracle.
    local want
    want=$(echo vanderpool | sha256sum | cut -d' ' -f1)
    grep -q "^VP-LINUX: sha256 $want\$" "$log" && pass "$name/sha256" ||
        fail "$name/sha256" "$(grep '^VP-LINUX: sha256' "$log" || echo 'no sha256 line'), want $want"
    want=$(seq 1 20000 | md5sum | cut -d' ' -f1)
    grep -q "^VP-LINUX: gzip $want\$" "$log" && pass "$name/gzip" ||
        fail "$name/gzip" "$(grep '^VP-LINUX: gzip' "$log" || echo 'no gzip line'), want $want"
    grep -q '^VP-LINUX: done' "$log" && pass "$name/done" || fail "$name/done" "no done marker"
    # poweroff -f: ACPI S5 through the PM block ends the run with status 0; reboot -f: the
    # reset register, which -no-reboot turns into the end of the run with status 4.
    if [ "$action" = reboot ]; then
        [ $status -eq 4 ] && grep -q 'reboot: Restarting system' "$log" && pass "$name/reboot" ||
            fail "$name/reboot" "exit status $status (want 4), $(grep -c 'reboot: Restarting system' "$log") 'Restarting system' lines"
    else
        [ $status -eq 0 ] && grep -q 'reboot: Power down' "$log" && pass "$name/poweroff" ||
            fail "$name/poweroff" "exit status $status, $(grep -c 'reboot: Power down' "$log") 'Power down' lines"
    fi
    # Nothing the kernel complains about that a PC would not make it say.
    local bad
    bad=$(grep -E 'WARNING:|BUG:|Call Trace|TSC unstable|Oops|segfault|invalid opcode' "$log" |
        grep -v 'RETBleed: WARNING' | head -3)
    [ -z "$bad" ] && pass "$name/no-kernel-warnings" || fail "$name/no-kernel-warnings" "$(tr '\n' '|' <<<"$bad")"
    # An ASan/UBSan build reports on stderr.
    bad=$(grep -E 'runtime error|Sanitizer' "$tmp/vp.err" | head -3)
    [ -z "$bad" ] && pass "$name/no-sanitizer-report" || fail "$name/no-sanitizer-report" "$(tr '\n' '|' <<<"$bad")"
    if [ $failures -gt $before ]; then
        echo "    --- serial (last 15 lines; all in $log) ---"
        tail -15 "$log" | sed 's/^/    /'
        echo "    --- stderr ---"
        tail -5 "$tmp/vp.err" | sed 's/^/    /'
    fi
    insns=$(sed -n 's/.* \([0-9][0-9]*\) instructions.*/\1/p' "$tmp/vp.err" | head -1)
    local to=power-off
    [ "$action" = reboot ] && to=reset
    echo "linux: $figs -smp $smp: $(elapsed "$t0" "$t1") s to $to (status $status), ${insns:-?} guest instructions"
}

for n in $smps; do boot_vp "$n"; done
[ -n "$reboot_smp" ] && boot_vp "$reboot_smp" reboot
for n in $pvh_smps; do boot_vp "$n" pvh; done

# QEMU's TCG, the same kernel, initramfs and command line, one processor: the bzImage, and
# vmlinux (QEMU boots an ELF without a multiboot header through its PVH entry) when PVH
# boots ran here.
# boot_qemu KERNEL WHAT LOG: one line of figures, "linux: qemu tcg[ pvh] -smp 1: ...".
boot_qemu() {
    local t0 t1 qstatus qres
    : >"$tmp/qemu.out"
    t0=$(now)
    timeout "$limit" "$qemu" -accel tcg -kernel "$1" -initrd "$tmp/initrd.img" \
        -append "$append" -m 512M -smp 1 -display none -serial "file:$tmp/qemu.out" \
        -no-reboot -monitor none >/dev/null 2>&1
    qstatus=$?
    t1=$(now)
    tr -d '\r' <"$tmp/qemu.out" >"$logs/$3"
    grep -q '^VP-LINUX: done' "$logs/$3" && qres="reached the done marker" || qres="no done marker"
    echo "linux: qemu tcg$2 -smp 1: $(elapsed "$t0" "$t1") s to power-off (status $qstatus), $qres"
}
if [ -n "$qemu" ] && command -v "$qemu" >/dev/null; then
    boot_qemu "$cache/vmlinuz" "" qemu-smp1.log
    [ -n "$pvh_smps" ] && boot_qemu "$cache/vmlinux" " pvh" qemu-pvh-smp1.log
elif [ -n "$qemu" ]; then
    echo "linux: $qemu not found, no comparison"
fi
[ $failures -eq 0 ]
