#!/usr/bin/env bash
# Side by side: `egctl x translate` (Envoy Gateway's offline translator) and `portico translate`, timed
# on the same generated objects (`npm run bench -- --emit-yaml`). Not part of CI: it needs an egctl
# binary, given as EGCTL=/path/to/egctl (a release tarball, or `go install
# github.com/envoyproxy/gateway/cmd/egctl@<version>`).
#
#   EGCTL=/path/to/egctl bench/compare-eg.sh [--routes 100,1000,10000] [--scenario http|mixed] [--runs 3]
#
# Prints one JSON line per size: each tool's wall time (median of the runs, a fresh process per run,
# so process start-up and proto/schema loading are included for both) and peak RSS, and the ratio
# egctl / portico (above 1: Portico is faster). Both read the same YAML; the GatewayClasses name each
# tool's own controller (egctl translates only gateway.envoyproxy.io/gatewayclass-controller's).
set -euo pipefail
cd "$(dirname "$0")/.."

routes=100,1000,10000
scenario=http
runs=3
while [ $# -gt 0 ]; do
  case $1 in
    --routes) routes=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "compare-eg: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
if [ -z "${EGCTL:-}" ] || [ ! -x "$EGCTL" ]; then
  echo "compare-eg: set EGCTL to an egctl binary (got '${EGCTL:-}')" >&2
  exit 2
fi
[ -x /usr/bin/time ] || { echo "compare-eg: needs GNU time (apt-get install time) for peak RSS" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm run build --silent

# Runs "$@" $runs times; prints "<median seconds> <max peak RSS KiB>". A failed run stops the script
# (its stderr is shown): a ratio against a translator that refused the input would mean nothing.
measure() {
  local out=$work/out times=() peak=0
  for _ in $(seq "$runs"); do
    if ! /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$out" 2>"$work/err"; then
      echo "compare-eg: failed: $*" >&2
      tail -20 "$work/err" >&2
      exit 1
    fi
    read -r seconds kib <"$work/time"
    times+=("$seconds")
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  echo "$median $peak $(wc -c <"$out")"
}

for n in ${routes//,/ }; do
  portico_yaml=$work/portico-$n.yaml
  eg_yaml=$work/eg-$n.yaml
  npm run bench --silent -- --routes "$n" --scenario "$scenario" --emit-yaml "$portico_yaml" >/dev/null
  sed -E 's#^(  controllerName: ).*#\1gateway.envoyproxy.io/gatewayclass-controller#' "$portico_yaml" >"$eg_yaml"
  read -r p_s p_kib p_bytes < <(measure node packages/cli/bin/portico.js translate -f "$portico_yaml" --to xds -o json)
  read -r e_s e_kib e_bytes < <(measure "$EGCTL" x translate --from gateway-api --to xds -f "$eg_yaml" -o json)
  node -e '
    const [n, scenario, runs, ps, pk, pb, es, ek, eb] = process.argv.slice(1);
    const ms = (s) => Math.round(Number(s) * 1000);
    const mib = (k) => Math.round(Number(k) / 1024);
    console.log(JSON.stringify({
      scenario, routes: Number(n), runs: Number(runs),
      portico: { ms: ms(ps), peakRssMiB: mib(pk), outputBytes: Number(pb) },
      egctl: { ms: ms(es), peakRssMiB: mib(ek), outputBytes: Number(eb) },
      egctlOverPortico: Math.round((Number(es) / Number(ps)) * 100) / 100,
    }));
  ' "$n" "$scenario" "$runs" "$p_s" "$p_kib" "$p_bytes" "$e_s" "$e_kib" "$e_bytes"
done
