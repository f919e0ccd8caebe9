#!/usr/bin/env bash
# Checks that Envoy would accept the xDS configuration Portico produces, with the Go checker in
# e2e/xds-checker (go-control-plane types: strict proto3 JSON, ValidateAll on every resource and every
# nested Any, cross-references).
#
#   bash scripts/xds-check.sh              # testdata/xds/*.out.yaml + `portico translate --to xds`
#                                          # of every testdata/translator/*.in.yaml
#   bash scripts/xds-check.sh FILE...      # just these files (YAML or JSON, '-' for stdin)
#
# The checker is built once into .cache/xds-checker/ and rebuilt when its sources change. Needs Go
# (and, on a cold module cache, the Go module proxy); nothing else.
# Environment: XDS_CHECK_JOBS (parallel translate runs, default: number of CPUs),
#              XDS_CHECKER_FLAGS (extra checker flags, e.g. -strict or -q).
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
files=()
shopt -s nullglob
for f in testdata/xds/*.out.yaml; do files+=("$f"); done

cli=packages/cli/bin/portico.js
inputs=(testdata/translator/*.in.yaml)
if [ ${#inputs[@]} -gt 0 ]; then
  if [ ! -f packages/cli/dist/main.js ]; then
    echo "xds-check: building the CLI (npm run build)" >&2
    npm run build --silent
  fi
  # The CLI translates to xds once `translate --to xds` prints an `xds:` document.
  # one directory per run, removed when the check passes and kept when it fails, so that a
  # reported file can be opened
  out=$(mktemp -d "$cache/translated.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  help=$(node "$cli" translate --help 2>/dev/null || true)
  if [[ $help == *xds* ]] &&
     node "$cli" translate -f "${inputs[0]}" --to xds -o json >"$out/probe" 2>/dev/null &&
     grep -q '"xds"' "$out/probe"; then
    rm -f "$out/probe"
    start=$SECONDS
    # One process per case (each case is its own world). A case the CLI rejects is listed and
    # skipped: which inputs are invalid is the golden tests' business, not this check's.
    printf '%s\n' "${inputs[@]}" | xargs -P "${XDS_CHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}" -I{} \
      sh -c 'b=$(basename "$1" .in.yaml)
             node "$2" translate -f "$1" --to xds -o json >"$3/$b.xds.json" 2>"$3/$b.err" ||
               { echo "xds-check: $1: portico translate exited $?, skipped: $(head -c 300 "$3/$b.err")" >&2
                 rm -f "$3/$b.xds.json"; }
             rm -f "$3/$b.err"' \
      _ {} "$cli" "$out"
    echo "xds-check: translated ${#inputs[@]} cases with portico translate --to xds in $((SECONDS - start))s" >&2
    for f in "$out"/*.xds.json; do files+=("$f"); done
  else
    rm -f "$out/probe"
    echo "xds-check: portico translate does not support --to xds yet; checking golden files only" >&2
  fi
fi

if [ ${#files[@]} -eq 0 ]; then
  echo "xds-check: nothing to check (no testdata/xds/*.out.yaml, no translator output)" >&2
  exit 0
fi
status=0
"$bin" ${XDS_CHECKER_FLAGS:-} "${files[@]}" || status=$?
if [ $status -ne 0 ] && [ -n "${out:-}" ]; then
  trap - EXIT
  echo "xds-check: translator output kept in $out" >&2
fi
exit $status
