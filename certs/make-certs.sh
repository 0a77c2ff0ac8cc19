#!/usr/bin/env bash
# Makes a local certificate authority (once) and a server certificate signed by it whose subject
# alternative names cover localhost, this host's name and every LAN address it has, so phones on the
# LAN that trust ca.crt get a secure context (camera, microphone, geolocation need one).
# Usage: certs/make-certs.sh [extra-name-or-ip ...]   Output: certs/out/{ca.crt,server.crt,server.key}
set -euo pipefail
out="${CERTS_OUT:-$(cd "$(dirname "$0")" && pwd)/out}"
mkdir -p "$out"
cd "$out"

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -sha256 \
    -subj "/O=Emergency Command/CN=Emergency Command Local CA" \
    -keyout ca.key -out ca.crt 2>/dev/null
  chmod 600 ca.key
fi

sans="DNS:localhost,DNS:$(hostname),IP:127.0.0.1,IP:::1"
for ip in $(hostname -I 2>/dev/null || true); do sans="$sans,IP:$ip"; done
for extra in "$@"; do
  if [[ "$extra" =~ ^[0-9.]+$|: ]]; then sans="$sans,IP:$extra"; else sans="$sans,DNS:$extra"; fi
done

openssl req -newkey rsa:2048 -nodes -sha256 -subj "/O=Emergency Command/CN=$(hostname)" \
  -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$sans" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile server.ext -out server.crt 2>/dev/null
chmod 600 server.key
rm -f server.csr server.ext
echo "certs: server certificate for $sans"
echo "certs: install $out/ca.crt on phones and browsers that should trust this server"
