#!/bin/bash
# Stops a lab booted by boot-lab.sh: kills QEMU by the pid it wrote (never by name), waits until it is
# gone (bounded), then removes <run-dir> with its overlay. Safe to run twice; snapshot=on loses nothing.
set -uo pipefail
RUN=${1:?usage: stop-lab.sh <run-dir>}
[ -d "$RUN" ] || exit 0
if [ -s "$RUN/qemu.pid" ]; then
  P=$(cat "$RUN/qemu.pid")
  # Only QEMU's own pid: check it still is a qemu-system process before signalling (pids get reused).
  if kill -0 "$P" 2>/dev/null && grep -q qemu-system "/proc/$P/comm" 2>/dev/null; then
    kill "$P"
    for _ in $(seq 40); do kill -0 "$P" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$P" 2>/dev/null && kill -9 "$P"
    for _ in $(seq 40); do kill -0 "$P" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$P" 2>/dev/null && { echo "stop-lab: QEMU $P still running" >&2; exit 1; }
  fi
fi
rm -rf "$RUN"
