#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, builds, then every test against real components.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh --test
npx vitest run "$@"
