#!/usr/bin/env bash
# Builds mediasoup-worker from the installed mediasoup package against Debian 12's own libraries,
# with no network access (see docs/INTERNALS.md "Offline build"). The binary is cached outside
# the work tree keyed by mediasoup version, so a second run only copies it.
#
# SRTP: Debian's libsrtp2 encrypts through NSS, which costs about 15 µs more per forwarded packet than
# OpenSSL (bench/results/load.json). The server's worker links libsrtp2 2.5.0 built from Debian's own
# source package against OpenSSL, statically. `--stock` builds the worker as Debian's libraries make
# it (dynamic NSS libsrtp2) into a cache of its own and prints its path: the load benchmark's baseline.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
variant=openssl-srtp
[ "${1:-}" = "--stock" ] && variant=stock
version=$(node -p "require('$root/node_modules/mediasoup/package.json').version")
cache_root=${MEDIASOUP_WORKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/emergency-command}
cache_dir=$cache_root/mediasoup-worker-$version-$variant
# Earlier setups cached the stock build under the plain name.
[ "$variant" = stock ] && cache_dir=$cache_root/mediasoup-worker-$version
target="$root/node_modules/mediasoup/worker/out/Release/mediasoup-worker"

install_worker() {
  if [ "$variant" = stock ]; then
    echo "$cache_dir/mediasoup-worker"
  else
    mkdir -p "$(dirname "$target")"
    cp -f "$cache_dir/mediasoup-worker" "$target"
  fi
}

if [ -x "$cache_dir/mediasoup-worker" ]; then
  install_worker
  echo "mediasoup-worker $version ($variant): cached ($cache_dir)" >&2
  exit 0
fi

src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$root/node_modules/mediasoup/worker" "$src/worker"

# libsrtp2 from Debian's source package (deb-src of the same archive the machine installs from),
# with Debian's patches, configured for OpenSSL's crypto instead of NSS.
build_srtp() {
  if ! apt-get source --print-uris -qq libsrtp2 >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || { echo "build-mediasoup-worker: needs root once to add Debian's deb-src entry" >&2; exit 1; }
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/emergency-command-src.sources
    else
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/emergency-command-src.list
    fi
    apt-get update -qq
  fi
  mkdir -p "$src/srtp" && cd "$src/srtp"
  apt-get source -qq libsrtp2 >/dev/null 2>&1
  cd "$src/srtp"/libsrtp2-*/
  ./configure -q --enable-openssl --prefix="$src/srtp/prefix" CFLAGS="-O2 -fPIC" >/dev/null
  make -s -j"$(nproc)" libsrtp2.a >/dev/null
  make -s install >/dev/null
}

if [ "$variant" = stock ]; then
  srtp_stub="libsrtp2_dep = declare_dependency(
  dependencies: dependency('libsrtp2'),
  compile_args: ['-I' + dependency('libsrtp2').get_variable(pkgconfig: 'includedir') + '/srtp2'])"
else
  build_srtp
  srtp_stub="libsrtp2_dep = declare_dependency(
  compile_args: ['-I$src/srtp/prefix/include/srtp2'],
  link_args: ['$src/srtp/prefix/lib/libsrtp2.a', '-lcrypto'])"
fi
cd "$src/worker"

# Debian 12 ships meson 1.0.1; the worker builds with it, it only asks for newer.
sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" meson.build

stub() { # stub <wrap directory> <meson_options.txt body> <meson.build body>
  mkdir -p "subprojects/$1"
  printf '%s\n' "$2" > "subprojects/$1/meson_options.txt"
  printf '%s\n' "$3" > "subprojects/$1/meson.build"
}

stub openssl-3.0.8 "" "project('openssl', 'c')
openssl_dep = dependency('openssl')
libcrypto_lib = static_library('crypto_stub', [])
libssl_lib = static_library('ssl_stub', [])"

stub nlohmann_json-3.10.5 "" "project('nlohmann_json', 'cpp')
nlohmann_json_dep = dependency('nlohmann_json')"

stub libuv-v1.44.2 "option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)" "project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = static_library('uv_stub', [])"

stub libsrtp-2.5.0 "option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')" "project('libsrtp2', 'c')
$srtp_stub
libsrtp2 = static_library('srtp2_stub', [])"

stub usrsctp-4e06feb01cadcd127d119486b98a4bd3d64aa1e7 "option('sctp_build_programs', type: 'boolean', value: false)" "project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp = static_library('usrsctp_stub', [])"

stub abseil-cpp-20220623.0 "" "project('abseil-cpp', 'cpp')
absl_container_dep = declare_dependency(dependencies: [dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'), dependency('absl_inlined_vector')])
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [dependency('absl_optional'), dependency('absl_variant')])
absl_container_lib = static_library('absl_stub', [])"

stub Catch2-2.13.7 "" "project('catch2', 'cpp')
catch2_dep = declare_dependency()"

meson setup --buildtype=release -Db_ndebug=true --wrap-mode=nodownload build >/dev/null
ninja -C build -j"$(nproc)" mediasoup-worker >&2
mkdir -p "$cache_dir"
cp build/mediasoup-worker "$cache_dir/mediasoup-worker"
install_worker
echo "mediasoup-worker $version ($variant): built ($cache_dir)" >&2
