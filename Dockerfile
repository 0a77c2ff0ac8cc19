# Everything from Debian 12's archive and the npm registry; no other downloads.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nodejs npm ca-certificates openssl redis-server ffmpeg nginx-light libnginx-mod-rtmp \
      meson ninja-build pkg-config g++ make python3 \
      libuv1-dev libsrtp2-dev libabsl-dev libssl-dev libusrsctp-dev nlohmann-json3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN bash scripts/build-mediasoup-worker.sh && npm run build
ENV HTTP_HOST=0.0.0.0 DATA_DIR=/data
VOLUME /data
EXPOSE 8080 8443 1935
CMD ["node", "dist/server/main.js"]
