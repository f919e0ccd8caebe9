#!/usr/bin/env bash
# Makes node_modules/re2's compiled addon the one for the Node installed at <prefix> (bin/node,
# include/node): `bash scripts/re2-for-node.sh <prefix>`. re2 is built with nan against one Node ABI
# (NODE_MODULE_VERSION), so testing on two Nodes (.ci/run) means switching it between them. Each
# build is kept in ~/.cache/portico/re2/<re2 version>/node-<version>-<arch>/ (PORTICO_TOOLS_CACHE
# moves the parent folder), so a switch is a copy and only a Node never seen before compiles
# (node-gyp, about 2 minutes on 2 cores, against <prefix>/include/node: no header download).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: re2-for-node.sh <node prefix>}
node=$prefix/bin/node
addon=node_modules/re2/build/Release/re2.node
re2_version=$("$node" -p "require('./node_modules/re2/package.json').version")
cache=${PORTICO_TOOLS_CACHE:-$HOME/.cache/portico}/re2/$re2_version/node-$("$node" --version)-$("$node" -p process.arch)
# Loading is the test: a build for another ABI throws "compiled against a different Node.js version".
loads() { "$node" -e "if (!new (require('re2'))('^a+\$').test('aa')) process.exit(1)" 2>/dev/null; }
keep() { mkdir -p "$cache" && cp "$addon" "$cache/re2.node.tmp" && mv "$cache/re2.node.tmp" "$cache/re2.node"; }

if [ -f "$addon" ] && loads; then
  [ -f "$cache/re2.node" ] || keep
  exit 0
fi
if [ -f "$cache/re2.node" ]; then
  cp "$cache/re2.node" "$addon"
  loads && exit 0
fi
echo "re2-for-node: compiling re2 $re2_version for Node $("$node" --version)" >&2
PATH="$prefix/bin:$PATH" npm_config_nodedir=$prefix npm rebuild re2 --no-audit --no-fund >&2
if ! loads; then
  echo "re2-for-node: re2 built for $prefix does not load under $node" >&2
  exit 1
fi
keep
