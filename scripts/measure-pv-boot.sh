#!/usr/bin/env bash
# Boots an erlang-pv image (initramfs) with Debian's kernel under plain QEMU TCG (no Xen) and
# times QEMU start -> the app's ready line on the serial console, to size the Xen tests.
#   scripts/measure-pv-boot.sh <image.img> [kernel] [ready-regex] [memory MiB] [timeout s]
# kernel: a vmlinux (PVH entry, no decompression: closest to xl with a raw vmlinux) or vmlinuz.
# QEMU runs daemonized, is killed by its PID on every exit path, and nothing is left running.
set -euo pipefail
img=${1:?usage: measure-pv-boot.sh <image.img> [kernel] [ready-regex] [memory] [timeout]}
kernel=${2:-$(ls /var/cache/voxoz/kernel/vmlinux-* 2>/dev/null | sort -V | tail -1)}
ready=${3:-'^hello ready'}
mem=${4:-128}
limit=${5:-120}
[ -n "$kernel" ] || { echo "no kernel: run scripts/get-pv-kernel.sh" >&2; exit 1; }
work=$(mktemp -d)
pid=
stop() { if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; sleep 0.5; kill -0 "$pid" 2>/dev/null && kill -9 "$pid"; fi; rm -rf "$work"; }
trap stop EXIT
start=$(date +%s.%N)
qemu-system-x86_64 -machine pc -accel tcg -cpu qemu64 -smp 1 -m "$mem" -no-reboot -display none -monitor none \
  -kernel "$kernel" -initrd "$img" -append "console=ttyS0 loglevel=4" \
  -serial "file:$work/serial.log" -pidfile "$work/qemu.pid" -daemonize
pid=$(cat "$work/qemu.pid")
since() { awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.2f", n - s }'; }
took=
for _ in $(seq $((limit * 5))); do
  if grep -qE "$ready" "$work/serial.log" 2>/dev/null; then took=$(since); break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
tr -d '\r' < "$work/serial.log" | tail -n 20
echo "kernel $(basename "$kernel"), image $(stat -c %s "$img") bytes, ${mem} MiB: QEMU start -> ready line: ${took:-not seen within ${limit}s}${took:+ s}"
[ -n "$took" ]
