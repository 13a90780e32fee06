#!/usr/bin/env bash
# Fetches Debian's PV-capable Linux kernel for erlang-pv domains and unpacks an uncompressed
# vmlinux beside it: xl loads a raw ELF kernel in ~2.5 s under emulation, where it spends ~11 s
# xz-decompressing the bzImage (see ../shared/xenlab/NOTES.md).
#   scripts/get-pv-kernel.sh [dest]      dest defaults to /var/cache/voxoz/kernel
# Prints the vmlinux path last; point the erlang-pv builder's kernelPath at it.
# Needs: apt-get (Debian 12 sources), dpkg-deb, python3. Runs again as a no-op.
set -euo pipefail
dest="${1:-/var/cache/voxoz/kernel}"
# linux-image-amd64 is the metapackage; it depends on the current versioned image package
pkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || { echo "get-pv-kernel: no linux-image-<version>-amd64 behind linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kver=${pkg#linux-image-}
vmlinux="$dest/vmlinux-$kver"
if [ -s "$vmlinux" ]; then echo "$vmlinux"; exit 0; fi
mkdir -p "$dest"
work=$(mktemp -d "$dest/.get-XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2)
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/root"
cp "$work/root/boot/vmlinuz-$kver" "$work/root/boot/config-$kver" "$dest/"
# Debian's 6.1 kernels are CONFIG_KERNEL_XZ: the ELF is the xz stream inside the bzImage
python3 - "$dest/vmlinuz-$kver" "$work/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], 'rb').read()
at = data.find(b'\xfd7zXZ\x00')
if at < 0: sys.exit('no xz stream in ' + sys.argv[1])
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:]))
PY
head -c 4 "$work/vmlinux" | grep -q 'ELF' || { echo "get-pv-kernel: the unpacked kernel is not an ELF file" >&2; exit 1; }
mv "$work/vmlinux" "$vmlinux"
echo "get-pv-kernel: $pkg: $(stat -c %s "$vmlinux") bytes, sha256 $(sha256sum "$vmlinux" | cut -d' ' -f1)" >&2
echo "$vmlinux"
