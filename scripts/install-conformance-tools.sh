#!/usr/bin/env bash
# Builds the Gateway API conformance backends the e2e cluster runs as pods (the node agent maps the
# echo-basic image to this binary: e2e/cluster/node-agent/containers/images.ts). Cached like install-kube-tools.sh,
# by the version e2e/conformance-tools/go.mod requires, in a folder that outlives the clone:
#   ${PORTICO_TOOLS_CACHE:-$HOME/.cache/portico/kube-tools}/echo-basic-<version>/echo-basic
# Prints `export ECHO_BASIC_BIN=…` on stdout (progress goes to stderr):
#   eval "$(bash scripts/install-conformance-tools.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PORTICO_TOOLS_CACHE:-$HOME/.cache/portico/kube-tools}
# Gateway API v1.7.0's modules declare a Go newer than many installed toolchains; the go command
# fetches this one from the module proxy when the local one is older.
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}

IMAGES_MODULE=sigs.k8s.io/gateway-api-conformance-images
IMAGES_VERSION=$(awk -v module="$IMAGES_MODULE" '$1 == module && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == module { print $3; exit }' e2e/conformance-tools/go.mod)
if [ -z "$IMAGES_VERSION" ]; then
  echo "install-conformance-tools: cannot read the pinned $IMAGES_MODULE version from e2e/conformance-tools/go.mod" >&2
  exit 1
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock-conformance"
flock 9

dir="$CACHE/echo-basic-$IMAGES_VERSION"
if [ -x "$dir/echo-basic" ]; then
  echo "install-conformance-tools: echo-basic $IMAGES_VERSION cached in $dir" >&2
else
  echo "install-conformance-tools: building echo-basic $IMAGES_VERSION…" >&2
  started=$SECONDS
  tmp=$(mktemp -d "$CACHE/.build-echo-basic.XXXXXX")
  # Static, as upstream's Dockerfile builds it (CGO_ENABLED=0, distroless/static).
  (cd "$ROOT/e2e/conformance-tools" && CGO_ENABLED=0 go build -trimpath -o "$tmp/echo-basic" "$IMAGES_MODULE/echo-basic") >&2
  mkdir -p "$dir"
  mv "$tmp/echo-basic" "$dir/echo-basic"
  rm -rf "$tmp"
  echo "install-conformance-tools: built echo-basic $IMAGES_VERSION in $((SECONDS - started)) s" >&2
fi

echo "export ECHO_BASIC_BIN=$dir/echo-basic"
