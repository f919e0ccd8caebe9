#!/usr/bin/env bash
# The real Envoy rate-limit service and Redis for the global rate limit e2e test
# (e2e/test/envoy/envoy-rate-limit-global.test.ts):
# - envoyproxy/ratelimit, built with Go from the pinned pseudo-version (its main is src/service_cmd;
#   its go.mod has no replace directives, so `go install module/pkg@version` builds it as released),
#   once per version into a cache folder that outlives the clone (CI keeps $HOME/.cache):
#     ${PORTICO_RATELIMIT_CACHE:-$HOME/.cache/portico/ratelimit}/ratelimit-<version>/ratelimit
#   A cold build (empty module and build caches, toolchain download included) took 3 min 7 s on 2
#   shared cores; a cached run takes well under a second.
# - redis-server from Debian (apt-get) when none is on PATH.
# Prints `export RATELIMIT_BIN=… REDIS_BIN=…` on stdout (progress goes to stderr):
#   eval "$(bash scripts/install-ratelimit.sh)"
set -euo pipefail
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
# github.com/envoyproxy/ratelimit publishes no tags past v1.4.0; this is main at 2026-01-22 (3fb70258).
RATELIMIT_VERSION=v1.4.1-0.20260122083618-3fb702589d36
CACHE=${PORTICO_RATELIMIT_CACHE:-$HOME/.cache/portico/ratelimit}
DIR="$CACHE/ratelimit-$RATELIMIT_VERSION"

mkdir -p "$CACHE"
# Two runs at once (parallel CI jobs sharing a cache) must not build into the same folder.
exec 9>"$CACHE/.lock"
flock 9
if [ -x "$DIR/ratelimit" ]; then
  echo "install-ratelimit: ratelimit $RATELIMIT_VERSION cached in $DIR" >&2
else
  echo "install-ratelimit: building ratelimit $RATELIMIT_VERSION…" >&2
  started=$SECONDS
  # Built into a temp folder and moved into place, so an interrupted build never looks cached.
  tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
  GOBIN=$tmp go install "github.com/envoyproxy/ratelimit/src/service_cmd@$RATELIMIT_VERSION" >&2
  mkdir -p "$DIR"
  mv "$tmp/service_cmd" "$DIR/ratelimit"
  rm -rf "$tmp"
  echo "install-ratelimit: built ratelimit $RATELIMIT_VERSION in $((SECONDS - started)) s" >&2
fi

if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-ratelimit: redis-server is not on PATH and cannot be installed here (needs root and apt-get)" >&2
    exit 1
  fi
  echo "install-ratelimit: installing redis-server from Debian…" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends redis-server || { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server; }; } >&2
fi

echo "export RATELIMIT_BIN=$DIR/ratelimit"
echo "export REDIS_BIN=$(command -v redis-server)"
