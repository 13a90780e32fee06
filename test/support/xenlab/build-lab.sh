#!/bin/bash
# Builds the Xen 4.17 test lab (a Debian bookworm dom0 under QEMU) into $OUT, from scratch.
# Recipe and measured timings: ../shared/xenlab/NOTES.md. Needs root, debootstrap, qemu-utils, python3.
# Output (all under $OUT; the caller caches it, keyed by this file's hash):
#   disk.img            raw ext4 root filesystem of dom0 (no partition table, root=/dev/vda)
#   boot/xen            uncompressed Xen (ELF32 multiboot image for QEMU -kernel)
#   boot/vmlinuz        dom0 kernel, boot/initrd.img its initramfs
#   domu-vmlinux        the same kernel uncompressed: what erlang-pv domains boot (xl loads it in ~2 s under TCG)
#   admin_ed25519       an unrestricted root key, for the test harness only
#   host_ed25519.pub    dom0's sshd host key, host-fingerprint its SHA256 fingerprint (tests pin it)
#   .complete           written last
set -euo pipefail
OUT=${1:?usage: build-lab.sh <out-dir>}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
R=$OUT/rootfs
# The machine's own apt sources name the mirror (deb822 .sources or the classic list); nothing is hard-coded.
apt_uris() { cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -E '^(URIs:|deb )' | awk '{print $2}' || true; }
src_uri() { apt_uris | grep -v -- '-security' | head -1 || true; }
sec_uri() { apt_uris | grep -- '-security' | head -1 || true; }
MIRROR=${MIRROR:-$(src_uri)}
SECMIRROR=${SECMIRROR:-$(sec_uri)}
[ -n "$MIRROR" ] || { echo "build-lab: no Debian mirror in /etc/apt/sources*" >&2; exit 1; }
ts() { echo "[$(date +%T)] build-lab: $*" >&2; }
umount_all() { for m in dev/pts dev sys proc; do mountpoint -q "$R/$m" && umount "$R/$m" || true; done; }
trap umount_all EXIT

umount_all
rm -rf "$R" "$OUT/domu-initrd" "$OUT/.complete" "$OUT/disk.img"
T0=$(date +%s)
ts "debootstrap from $MIRROR"
debootstrap --variant=minbase \
  --include=systemd-sysv,udev,kmod,iproute2,procps,openssh-server,ca-certificates \
  bookworm "$R" "$MIRROR" >&2
{
  echo "deb $MIRROR bookworm main"
  echo "deb $MIRROR bookworm-updates main"
  [ -n "$SECMIRROR" ] && echo "deb $SECMIRROR bookworm-security main"
} > "$R/etc/apt/sources.list"
mount -t proc proc "$R/proc"; mount -t sysfs sys "$R/sys"
mount --bind /dev "$R/dev"; mount --bind /dev/pts "$R/dev/pts"
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod +x "$R/usr/sbin/policy-rc.d"
ts "apt in the chroot: upgrade, kernel, Xen"
chroot "$R" apt-get -q update >&2
chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get -q -y upgrade >&2
chroot "$R" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 apt-get -q install -y --no-install-recommends \
  linux-image-amd64 xen-system-amd64 initramfs-tools zstd python3 >&2
chroot "$R" apt-get clean
rm -f "$R/usr/sbin/policy-rc.d"

ts "configure dom0"
echo xenlab > "$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 xenlab\n' > "$R/etc/hosts"
echo '/dev/vda / ext4 rw,noatime,errors=remount-ro 0 1' > "$R/etc/fstab"
rm -f "$OUT/admin_ed25519" "$OUT/admin_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C voxoz-lab-admin -f "$OUT/admin_ed25519"
install -d -m 700 "$R/root/.ssh"
install -m 600 "$OUT/admin_ed25519.pub" "$R/root/.ssh/authorized_keys"
printf 'UseDNS no\nPasswordAuthentication no\n' > "$R/etc/ssh/sshd_config.d/voxoz-lab.conf"
# One host key, made here, so the tests can pin it.
rm -f "$R"/etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C xenlab -f "$R/etc/ssh/ssh_host_ed25519_key"
cp "$R/etc/ssh/ssh_host_ed25519_key.pub" "$OUT/host_ed25519.pub"
ssh-keygen -lf "$OUT/host_ed25519.pub" | awk '{print $2}' > "$OUT/host-fingerprint"
# QEMU's user network on a documentation range (198.51.100.0/24); nothing but the SSH forward is reachable.
cat > "$R/etc/systemd/network/10-qemu.network" <<'EOF'
[Match]
Name=en* eth*
[Network]
Address=198.51.100.15/24
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
chroot "$R" systemctl enable systemd-networkd.service >&2
chroot "$R" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer 2>/dev/null || true
# xenconsoled logs every guest console to /var/log/xen/console/guest-<name>.log; it does not create the directory.
echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' >> "$R/etc/default/xen"
mkdir -p "$R/var/log/xen/console" "$R/var/lib/voxoz-xl/images" "$R/var/lib/voxoz-xl/configs"
KVER=$(ls "$R/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
# Uncompressed ELF kernel for domains: xl's own xz decompression costs ~11 s per create under TCG.
python3 - "$R/boot/vmlinuz-$KVER" "$OUT/domu-vmlinux" <<'PY'
import lzma, sys
d = open(sys.argv[1], 'rb').read(); off = d.find(b'\xfd7zXZ\x00')
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[off:]))
PY

ts "boot files and disk image"
mkdir -p "$OUT/boot"
zcat "$R/boot/xen-4.17-amd64.gz" > "$OUT/boot/xen"
cp "$R/boot/vmlinuz-$KVER" "$OUT/boot/vmlinuz"
cp "$R/boot/initrd.img-$KVER" "$OUT/boot/initrd.img"
chroot "$R" dpkg-query -W linux-image-amd64 "linux-image-$KVER" xen-hypervisor-4.17-amd64 xen-utils-4.17 openssh-server > "$OUT/versions"
umount_all
mkfs.ext4 -q -F -L xenroot -d "$R" "$OUT/disk.img" 3G
rm -rf "$R"
touch "$OUT/.complete"
ts "done in $(( $(date +%s) - T0 )) s"
