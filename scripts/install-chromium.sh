#!/usr/bin/env bash
# Makes Debian's Chromium available for the real-browser test of the dashboard (e2e/test/
# dashboard-browser.test.ts, driven by playwright-core, which downloads no browser of its own) and prints
# the binary's path; tests find it through CHROMIUM_BIN. An executable CHROMIUM_BIN already set is kept.
# Installs the `chromium` package when it is missing and this runs as root with apt-get (a cold install
# is ~100 packages, a few hundred MB); `apt-get update` only when the install fails first, as .ci/run
# does for nftables. Everything but the path goes to stderr.
set -euo pipefail

find_chromium() {
  if [ -n "${CHROMIUM_BIN:-}" ] && [ -x "$CHROMIUM_BIN" ]; then
    echo "$CHROMIUM_BIN"
    return
  fi
  # Debian's /usr/bin/chromium is a wrapper script that reads /etc/chromium.d, then runs /usr/lib/chromium/chromium.
  command -v chromium || command -v chromium-browser || true
}

bin=$(find_chromium)
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-chromium: no chromium on PATH; install Debian's package as root (apt-get install --no-install-recommends chromium) or set CHROMIUM_BIN" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends chromium ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }; } >&2
  bin=$(find_chromium)
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "install-chromium: chromium still missing after the install" >&2
  exit 1
fi
echo "install-chromium: $("$bin" --version 2>/dev/null || echo 'chromium (version unknown)') at $bin" >&2
echo "$bin"
