#!/usr/bin/env bash
# Installs what voxoz needs from the system before `npm start` / `npm test`:
# redis-server, dockerd (docker.io), git, caddy (the front door every app environment is
# served through; voxoz starts its own, Debian's package does not run it without systemd) and a
# static busybox (the base of `FROM busybox` images, since no registry can be reached), the
# DejaVu fonts (the status chart's labels), plus the npm dependencies.
# On Debian as root it installs them with apt-get; elsewhere it says what to install.
set -euo pipefail
purpose="${1:-start}"
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || [ -n "${REDIS_URL:-}" ] || missing+=(redis-server)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
if [ -z "${DOCKER_HOST:-}" ] && ! command -v dockerd >/dev/null 2>&1; then missing+=(docker.io); fi
# The status chart's text: the renderer loads this file itself (no fontconfig), see src/schedule/chart/chart-font.ts.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if ! { [ -f /etc/debian_version ] && dpkg -s busybox-static >/dev/null 2>&1; } && ! { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }; then
  missing+=(busybox-static)
fi

# The LING tests: a Xen lab in QEMU (built with debootstrap), Erlang for the erlang-pv builder, ssh for the lab.
if [ "$purpose" = test ]; then
  command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
  command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
  command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
  # The many-machines tests: Redis Sentinel failover, a registry the Swarm nodes pull from.
  command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  # The web console's browser tests: Debian's Chromium, driven by playwright-core.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
# The erlang-pv builder puts the machine's Erlang runtime into each image.
command -v erlc >/dev/null 2>&1 || missing+=(erlang-base)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "voxoz bootstrap: installing ${missing[*]} with apt-get (needed for 'npm ${purpose}')" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  else
    echo "voxoz bootstrap: missing system packages: ${missing[*]}" >&2
    echo "  on Debian/Ubuntu, as root: apt-get install ${missing[*]}" >&2
    echo "  elsewhere install: Redis >= 7 (redis-server), Docker Engine (dockerd), git, Caddy >= 2.6 (caddy), a statically linked busybox at /bin/busybox, DejaVu Sans at /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "voxoz bootstrap: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
