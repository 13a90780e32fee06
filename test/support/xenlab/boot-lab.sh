#!/bin/bash
# Boots the cached Xen lab (xen-lab.ts's startXenLab runs this; by hand too): Xen 4.17 + the Debian
# dom0 under QEMU TCG, daemonized, disk.img behind a throw-away overlay in <run-dir>.
#   boot-lab.sh <image-dir> <run-dir> [port]      prints "port <n>" and "pid <n>" on stdout
# <run-dir> gets qemu.pid, serial.log (Xen + dom0 console), known_hosts (the pinned host key) and
# the overlay; stop-lab.sh <run-dir> kills QEMU by that pid and removes the folder.
# WAIT_SSH=<seconds> also waits (bounded) until dom0 answers `xl list` over SSH with the admin key.
# Pitfalls (../shared/xenlab/NOTES.md): -cpu max kills the PV dom0 under TCG (SMAP), the KVM here
# cannot run Xen, QEMU's multiboot loader needs the uncompressed Xen, ',' separates modules.
set -euo pipefail
IMG=$(cd "${1:?usage: boot-lab.sh <image-dir> <run-dir> [port]}" && pwd)
RUN=${2:?usage: boot-lab.sh <image-dir> <run-dir> [port]}
[ -f "$IMG/.complete" ] || { echo "boot-lab: $IMG has no complete lab image (run build-lab.sh)" >&2; exit 1; }
mkdir -p "$RUN"; RUN=$(cd "$RUN" && pwd)
# A free loopback port from the kernel unless one is given (racy by nature; QEMU fails loudly on a clash).
PORT=${3:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 loglvl=all guest_loglvl=all noreboot"
DOM0_ARGS="root=/dev/vda rw console=hvc0 earlyprintk=xen net.ifnames=1"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$IMG/host_ed25519.pub")" > "$RUN/known_hosts"
rm -f "$RUN/qemu.pid" "$RUN/serial.log"
# snapshot=on puts its overlay in $TMPDIR: this boot's folder, so disk.img stays pristine.
# User network on a documentation range; restrict=on: dom0 reaches nothing, only the SSH forward comes in.
TMPDIR=$RUN timeout 60 qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu qemu64 -smp 2 -m 3072 \
  -display none -monitor none -serial "file:$RUN/serial.log" -no-reboot \
  -drive "file=$IMG/disk.img,if=virtio,format=raw,cache=unsafe,snapshot=on" \
  -netdev "user,id=n0,net=198.51.100.0/24,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:22" \
  -device virtio-net-pci,netdev=n0 \
  -kernel "$IMG/boot/xen" -append "$XEN_ARGS" \
  -initrd "$IMG/boot/vmlinuz $DOM0_ARGS,$IMG/boot/initrd.img" \
  -pidfile "$RUN/qemu.pid" -daemonize
PID=$(cat "$RUN/qemu.pid")
echo "port $PORT"
echo "pid $PID"
[ -n "${WAIT_SSH:-}" ] || exit 0
S=$(date +%s)
while ! ssh -i "$IMG/admin_ed25519" -p "$PORT" -o BatchMode=yes -o StrictHostKeyChecking=yes \
  -o "UserKnownHostsFile=$RUN/known_hosts" -o ConnectTimeout=10 -o LogLevel=ERROR root@127.0.0.1 'xl list >/dev/null' 2>/dev/null; do
  kill -0 "$PID" 2>/dev/null || { echo "boot-lab: QEMU exited; serial log:" >&2; tail -40 "$RUN/serial.log" >&2; exit 1; }
  if [ $(( $(date +%s) - S )) -ge "$WAIT_SSH" ]; then
    echo "boot-lab: no SSH within $WAIT_SSH s; serial log:" >&2; tail -40 "$RUN/serial.log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' >&2; exit 1
  fi
  sleep 3
done
echo "boot-lab: dom0 answers on 127.0.0.1:$PORT after $(( $(date +%s) - S )) s" >&2
