# voxoz in a container. It drives the Docker engine whose socket is mounted at
# /var/run/docker.sock and needs a Redis (REDIS_URL); see docker-compose.yml.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/voxoz
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
COPY examples ./examples
COPY voxoz.yml voxoz.example.yml ./
ENV HOST=0.0.0.0 PORT=3000 VOXOZ_CONFIG=/opt/voxoz/voxoz.yml VOXOZ_DATA_DIR=/var/lib/voxoz
EXPOSE 3000
CMD ["node", "bin/voxoz.js", "start"]
