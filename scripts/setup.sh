#!/usr/bin/env bash
# Installs everything the server (and, with --test, the test suite) needs on Debian 12, offline from
# the Debian archive and the npm registry only. Idempotent: a second run with nothing changed only checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# ffmpeg pulls and transcodes camera feeds; nginx with its RTMP module receives drone pushes;
# Kamailio is the SIP edge (its WebSocket module carries the server's own user agent, TLS for SIPS).
runtime_pkgs=(redis-server openssl ca-certificates ffmpeg nginx-light libnginx-mod-rtmp
  kamailio kamailio-websocket-modules kamailio-tls-modules kamailio-extra-modules)
build_pkgs=(meson ninja-build pkg-config g++ make python3 dpkg-dev libuv1-dev libsrtp2-dev libabsl-dev libssl-dev libusrsctp-dev nlohmann-json3-dev)
# GStreamer's RTSP server (driven by Debian's python3-gi) plays the cameras in tests and benchmarks;
# nftables and iproute2 (tc) make the bad networks of the network tests; SIPp (sip-tester) and
# baresip are the real SIP peers of the SIP tests and benchmark.
test_pkgs=(chromium fonts-noto-cjk nftables iproute2 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav sip-tester baresip)

pkgs=("${runtime_pkgs[@]}" "${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when package-lock.json changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.setup-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "setup: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.setup-lock-hash
fi

bash scripts/build-mediasoup-worker.sh
npm run --silent build
