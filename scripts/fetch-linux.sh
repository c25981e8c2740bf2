#!/usr/bin/env bash
# fetch-linux.sh: Debian 12's own kernel (the vmlinuz of the package linux-image-amd64
# depends on) and busybox-static, fetched with `apt-get download` and kept in a cache
# outside the checkout (VP_CACHE, default ~/.cache/vanderpool), so they are downloaded
# once. Prints the cache directory holding `vmlinuz`, `vmlinux` (the same kernel
# uncompressed, an ELF with a PVH entry), `busybox`, `version` (the kernel package; its
# config beside them) and modules/ (kvm, kvm-intel, irqbypass) on stdout. Exits 1 with one
# line on stderr if they cannot be had (no apt-get, no network): callers print SKIP.
set -euo pipefail
dir=${VP_CACHE:-$HOME/.cache/vanderpool}/linux

# vmlinux from vmlinuz, once: the bzImage's payload is an XZ stream holding the ELF
# vmlinux. Written under a name of its own and renamed, so neither a cut-short run nor
# two runs at once leave a partial file.
extract_vmlinux() {
    command -v xz >/dev/null || { echo "fetch-linux.sh: xz not found (apt-get install xz-utils)" >&2; return 1; }
    local off
    off=$(grep -abo -m1 $'\xfd7zXZ' "$dir/vmlinuz" | head -1 | cut -d: -f1)
    [ -n "$off" ] && tail -c +$((off + 1)) "$dir/vmlinuz" | xz -dc >"$dir/vmlinux.tmp.$$" 2>/dev/null
    [ "$(head -c 4 "$dir/vmlinux.tmp.$$" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || {
        rm -f "$dir/vmlinux.tmp.$$"
        echo "fetch-linux.sh: no XZ-compressed ELF vmlinux in $dir/vmlinuz" >&2
        return 1
    }
    mv "$dir/vmlinux.tmp.$$" "$dir/vmlinux"
}

if [ -s "$dir/vmlinuz" ] && [ -x "$dir/busybox" ] && [ -s "$dir/version" ] &&
    [ -s "$dir/modules/kvm-intel.ko" ]; then
    [ -s "$dir/vmlinux" ] || extract_vmlinux || exit 1
    echo "$dir"
    exit 0
fi
for t in apt-get dpkg-deb; do
    command -v $t >/dev/null || { echo "fetch-linux.sh: $t not found (Debian or Ubuntu needed)" >&2; exit 1; }
done
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# apt-get download leaves the .deb in the current directory; the _apt sandbox user may not
# write here, which apt reports as a warning only.
get() { apt-get download "$@" >download.log 2>&1 || { tail -3 download.log >&2; return 1; }; }
if ! get linux-image-amd64 busybox-static; then
    echo "fetch-linux.sh: apt-get download linux-image-amd64 busybox-static failed" >&2
    exit 1
fi
# The metapackage holds no kernel: its Depends names the versioned package that does.
kpkg=$(dpkg-deb -f linux-image-amd64_*.deb Depends | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' |
    grep -m1 '^linux-image-[0-9].*-amd64$' || true)
[ -n "$kpkg" ] || { echo "fetch-linux.sh: linux-image-amd64 names no kernel package" >&2; exit 1; }
get "$kpkg" || { echo "fetch-linux.sh: apt-get download $kpkg failed" >&2; exit 1; }
mkdir x
for d in "$kpkg"_*.deb busybox-static_*.deb; do dpkg-deb -x "$d" x; done
k=$(ls x/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$k" ] && [ -x x/bin/busybox ] || { echo "fetch-linux.sh: no vmlinuz or busybox in the packages" >&2; exit 1; }
cp "$k" "$dir/vmlinuz"
# What the kernel was built with (Debian's System.map is a stub: symbols are in -dbg).
cp x/boot/config-* "$dir/config" 2>/dev/null || true
cp x/bin/busybox "$dir/busybox"
# KVM for tests/linux/kvm.sh: kvm-intel.ko needs kvm.ko, which needs irqbypass.ko.
mkdir -p "$dir/modules"
for m in arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-intel.ko virt/lib/irqbypass.ko; do
    cp x/lib/modules/*/kernel/$m "$dir/modules/" ||
        { echo "fetch-linux.sh: no $m in $kpkg" >&2; exit 1; }
done
extract_vmlinux || exit 1
echo "$kpkg $(dpkg-deb -f "$kpkg"_*.deb Version)" >"$dir/version"
echo "$dir"
