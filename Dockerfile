# voxoz in a container: the bot (or a worker) plus the caddy it starts as every app
# environment's front door. It drives the Docker engine whose socket is mounted at
# /var/run/docker.sock and needs a Redis (REDIS_URL); see docker-compose.yml and README
# "Running voxoz in Docker".
#
# Runs as the unprivileged user voxoz (uid/gid 10001). Driving the host's Docker needs the
# mounted socket's group: pass its group id, e.g.
#   docker run --group-add "$(stat -c %g /var/run/docker.sock)" -v /var/run/docker.sock:/var/run/docker.sock …
# (compose: `group_add`). Whoever can use that socket is root on the host.
#
# The base image is an ARG so that a build without a registry can use a locally made one
# (test/integration/packaging.test.ts does).
ARG NODE_IMAGE=node:20-bookworm-slim

# Build stage: production dependencies only. A context holding npm-offline.tar (an npm cache,
# as the offline test provides) installs from it with no network; otherwise from the registry.
FROM ${NODE_IMAGE} AS build
WORKDIR /opt/voxoz
COPY package.json package-lock.json npm-offline.tar* ./
RUN set -e; \
    if [ -f npm-offline.tar ]; then \
      mkdir -p /tmp/npm-offline && tar -xf npm-offline.tar -C /tmp/npm-offline; \
      npm ci --omit=dev --no-audit --no-fund --offline --cache /tmp/npm-offline; \
    else \
      npm ci --omit=dev --no-audit --no-fund; \
    fi; \
    rm -rf npm-offline.tar /tmp/npm-offline /root/.npm

# Final stage: node, the runtime's system programs, the app and its production node_modules;
# no npm cache, no dev dependencies.
FROM ${NODE_IMAGE}
# What voxoz runs besides node: caddy (its own front door, started by voxoz itself, see
# src/services/caddy.ts), git (checkouts of app sources), busybox-static (imported as
# busybox:latest and used in the front door image for remote engines), the DejaVu font (status
# charts), CA certificates (Slack, Discord, git over HTTPS), setcap: caddy gets
# cap_net_bind_service so the front door may listen below 1024 (frontDoor.httpsPort 443)
# while voxoz is not root. An empty
# SYSTEM_PACKAGES installs nothing (a base that holds them already, as the offline test's).
ARG SYSTEM_PACKAGES="caddy git busybox-static ca-certificates fonts-dejavu-core libcap2-bin"
RUN set -e; \
    if [ -n "$SYSTEM_PACKAGES" ]; then \
      apt-get update; \
      apt-get install -y --no-install-recommends $SYSTEM_PACKAGES; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    for p in caddy git busybox; do command -v "$p" >/dev/null || { echo "the image lacks $p" >&2; exit 1; }; done; \
    setcap cap_net_bind_service=+ep "$(command -v caddy)"; \
    echo 'voxoz:x:10001:10001:voxoz:/var/lib/voxoz:/usr/sbin/nologin' >> /etc/passwd; \
    echo 'voxoz:x:10001:' >> /etc/group; \
    mkdir -p /var/lib/voxoz; \
    chown 10001:10001 /var/lib/voxoz; \
    chmod 0700 /var/lib/voxoz
WORKDIR /opt/voxoz
COPY --from=build /opt/voxoz/node_modules ./node_modules
COPY package.json package-lock.json voxoz.yml voxoz.example.yml ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
COPY examples ./examples
ENV NODE_ENV=production HOST=127.0.0.1 PORT=3000 VOXOZ_CONFIG=/opt/voxoz/voxoz.yml VOXOZ_DATA_DIR=/var/lib/voxoz
# The data dir (own services' pid files and sockets, the local API token, job logs); a named
# volume mounted here starts out owned by voxoz.
VOLUME /var/lib/voxoz
USER 10001:10001
EXPOSE 3000
# `voxoz worker` runs only workers (REDIS_URL needed); see README "Production: many machines".
CMD ["node", "bin/voxoz.js", "start"]
