#!/usr/bin/env bash
# Starts the server on the embedded defaults (its own redis-server, data in ./data, HTTP on
# 127.0.0.1:8080, HTTPS for the LAN on :8443 with a certificate made by certs/make-certs.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
[ -f certs/out/server.crt ] || bash certs/make-certs.sh
exec node dist/server/main.js
