#!/usr/bin/env bash
# Checks that Envoy would accept the xDS configuration Portico produces, with the Go checker in
# e2e/xds-checker (go-control-plane types: strict proto3 JSON, ValidateAll on every resource and every
# nested Any, cross-references).
#
#   bash scripts/xds-check.sh              # testdata/xds/*.out.yaml + the dumps npm test leaves in .cache/
#                                          # (every translator case, random samples) + the Envoy
#                                          # bootstraps in deploy/envoy/
#   bash scripts/xds-check.sh FILE...      # just these files (YAML or JSON, '-' for stdin)
#
# The checker is built once into .cache/xds-checker/ and rebuilt when its sources change. Needs Go
# (and, on a cold module cache, the Go module proxy); nothing else.
# Environment: XDS_CHECKER_FLAGS (extra checker flags, e.g. -strict or -q).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
src=e2e/xds-checker
cache=.cache/xds-checker
bin=$cache/xds-checker

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
command -v go >/dev/null 2>&1 || { echo "xds-check: Go is not installed" >&2; exit 1; }

# --- build (once per source change) -------------------------------------------------------------
stamp=$( (cd "$src" && cat go.mod go.sum ./*.go; go version) | sha256sum | cut -c1-16)
if [ ! -x "$bin" ] || [ "$(cat "$cache/stamp" 2>/dev/null)" != "$stamp" ]; then
  mkdir -p "$cache"
  echo "xds-check: building $src ($(go version | cut -d' ' -f3))" >&2
  start=$SECONDS
  # a private temporary name, then an atomic rename: concurrent runs must not see half a binary
  (cd "$src" && go build -o "$root/$bin.tmp.$$" .)
  mv -f "$bin.tmp.$$" "$bin"
  echo "$stamp" >"$cache/stamp"
  echo "xds-check: built in $((SECONDS - start))s" >&2
fi

if [ $# -gt 0 ]; then
  exec "$bin" ${XDS_CHECKER_FLAGS:-} "$@"
fi

# --- default inputs ----------------------------------------------------------------------------
# The golden outputs, plus what `npm test` wrote under .cache/ in one process each:
#   .cache/xds-from-translator/  `--to xds` of every testdata/translator case (xds-translator-cases.test.ts)
#   .cache/xds-samples/          a sample of the random inputs of xds-property.test.ts
files=()
shopt -s nullglob
for f in testdata/xds/*.out.yaml .cache/xds-from-translator/*.yaml .cache/xds-samples/*.yaml; do files+=("$f"); done
# The bootstraps docker-compose.yml runs Envoy with (`portico bootstrap` output, kept in sync by
# e2e/test/docker-compose.test.ts).
# Flags go before the dump files: Go's flag parsing stops at the first file name.
bootstraps=()
for f in deploy/envoy/*.yaml; do bootstraps+=(-bootstrap "$f"); done
if [ ! -d .cache/xds-from-translator ]; then
  echo "xds-check: no .cache/xds-from-translator/: run npm test first to check the translator cases too" >&2
fi

if [ $((${#files[@]} + ${#bootstraps[@]})) -eq 0 ]; then
  echo "xds-check: nothing to check" >&2
  exit 0
fi
exec "$bin" ${XDS_CHECKER_FLAGS:-} ${bootstraps[@]+"${bootstraps[@]}"} ${files[@]+"${files[@]}"}
