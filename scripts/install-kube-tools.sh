#!/usr/bin/env bash
# Builds the real Kubernetes binaries the e2e tests run (e2e/test/support/kube/kube-apiserver.ts and the
# cluster harness e2e/cluster): etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kube-proxy, CoreDNS, and helm for the chart tests. Each is built once per version into a cache folder
# that outlives the clone (CI keeps $HOME/.cache between runs of fresh clones):
#   ${PORTICO_TOOLS_CACHE:-$HOME/.cache/portico/kube-tools}/<tool>-<version>/<tool>
# Versions come from the pinning go.mod files, so bumping one there rebuilds here.
# Prints `export ETCD_BIN=… KUBE_APISERVER_BIN=… HELM_BIN=… KUBE_CONTROLLER_MANAGER_BIN=… KUBE_SCHEDULER_BIN=…
# KUBE_PROXY_BIN=… COREDNS_BIN=…` on stdout (progress goes to stderr):
#   eval "$(bash scripts/install-kube-tools.sh)"
# Needs Go only on a cache miss; a cold build of kube-apiserver takes several minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${PORTICO_TOOLS_CACHE:-$HOME/.cache/portico/kube-tools}
HELM_VERSION=v3.19.5

# The version a go.mod requires a module at: `require <module> vX.Y.Z`, single-line or in a block.
required_version() {
  awk -v module="$2" '$1 == module && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == module { print $3; exit }' "$1"
}
KUBERNETES_VERSION=$(required_version e2e/kube-tools/go.mod k8s.io/kubernetes)
ETCD_VERSION=$(required_version e2e/kube-tools/etcd/go.mod go.etcd.io/etcd/server/v3)
COREDNS_VERSION=$(required_version e2e/kube-tools/coredns/go.mod github.com/coredns/coredns)
if [ -z "$KUBERNETES_VERSION" ] || [ -z "$ETCD_VERSION" ] || [ -z "$COREDNS_VERSION" ]; then
  echo "install-kube-tools: cannot read the pinned versions from e2e/kube-tools/**/go.mod" >&2
  exit 1
fi

mkdir -p "$CACHE"
# Two runs at once (parallel CI jobs sharing a cache) must not build into the same folder.
exec 9>"$CACHE/.lock"
flock 9

# build <tool> <version> <command…>: runs the command with $OUT set to a temp binary path unless
# <tool>-<version>/<tool> is cached, then moves the binary into place, so an interrupted build
# never leaves a half-written binary that looks cached.
build() {
  local tool=$1 version=$2
  shift 2
  local dir="$CACHE/$tool-$version"
  if [ -x "$dir/$tool" ]; then
    echo "install-kube-tools: $tool $version cached in $dir" >&2
    return
  fi
  echo "install-kube-tools: building $tool $version…" >&2
  local started=$SECONDS tmp
  tmp=$(mktemp -d "$CACHE/.build-$tool.XXXXXX")
  OUT="$tmp/$tool" "$@" >&2
  mkdir -p "$dir"
  mv "$tmp/$tool" "$dir/$tool"
  rm -rf "$tmp"
  echo "install-kube-tools: built $tool $version in $((SECONDS - started)) s" >&2
}

# The Kubernetes binaries share one module graph (e2e/kube-tools/go.mod), so the missing ones are
# built in ONE `go build` (one dependency analysis, shared compiled packages); each lands in its own
# <tool>-<version>/ folder like the other tools, so a cached one is never rebuilt.
KUBERNETES_TOOLS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy)
build_kubernetes() {
  local missing=() tool
  for tool in "${KUBERNETES_TOOLS[@]}"; do
    if [ -x "$CACHE/$tool-$KUBERNETES_VERSION/$tool" ]; then
      echo "install-kube-tools: $tool $KUBERNETES_VERSION cached in $CACHE/$tool-$KUBERNETES_VERSION" >&2
    else
      missing+=("$tool")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "install-kube-tools: building ${missing[*]} $KUBERNETES_VERSION…" >&2
  # Stamped as release builds are (hack/lib/version.sh): /version reports v1.35.4 rather than
  # v0.0.0-master, which clients such as helm compare against charts' kubeVersion.
  local minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  local pkg=k8s.io/component-base/version started=$SECONDS tmp packages=()
  for tool in "${missing[@]}"; do packages+=("k8s.io/kubernetes/cmd/$tool"); done
  tmp=$(mktemp -d "$CACHE/.build-kubernetes.XXXXXX")
  (cd "$ROOT/e2e/kube-tools" && go build -o "$tmp/" \
    -ldflags "-X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
    "${packages[@]}") >&2
  for tool in "${missing[@]}"; do
    mkdir -p "$CACHE/$tool-$KUBERNETES_VERSION"
    mv "$tmp/$tool" "$CACHE/$tool-$KUBERNETES_VERSION/$tool"
  done
  rm -rf "$tmp"
  echo "install-kube-tools: built ${missing[*]} $KUBERNETES_VERSION in $((SECONDS - started)) s" >&2
}

build_etcd() {
  (cd "$ROOT/e2e/kube-tools/etcd" && go build -o "$OUT" go.etcd.io/etcd/server/v3)
}

build_coredns() {
  # main.go there is CoreDNS's main with only the plugins the cluster harness uses.
  (cd "$ROOT/e2e/kube-tools/coredns" && go build -o "$OUT" .)
}

build_helm() {
  # helm's own module has no replace directives, so `go install module@version` works. Its Makefile
  # stamps the version and the default Kubernetes version `helm template` assumes (from its client-go,
  # v0.34 → 1.34; unstamped it would be 1.20 and fail charts' kubeVersion); stamp them the same way.
  local v=helm.sh/helm/v3
  GOBIN=$(dirname "$OUT") go install \
    -ldflags "-X $v/internal/version.version=$HELM_VERSION -X $v/internal/version.metadata= -X $v/internal/version.gitTreeState=clean \
      -X $v/pkg/chartutil.k8sVersionMajor=1 -X $v/pkg/chartutil.k8sVersionMinor=34 \
      -X $v/pkg/lint/rules.k8sVersionMajor=1 -X $v/pkg/lint/rules.k8sVersionMinor=34" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

build_kubernetes
build etcd "$ETCD_VERSION" build_etcd
build helm "$HELM_VERSION" build_helm
build coredns "$COREDNS_VERSION" build_coredns

echo "export ETCD_BIN=$CACHE/etcd-$ETCD_VERSION/etcd"
echo "export KUBE_APISERVER_BIN=$CACHE/kube-apiserver-$KUBERNETES_VERSION/kube-apiserver"
echo "export HELM_BIN=$CACHE/helm-$HELM_VERSION/helm"
echo "export KUBE_CONTROLLER_MANAGER_BIN=$CACHE/kube-controller-manager-$KUBERNETES_VERSION/kube-controller-manager"
echo "export KUBE_SCHEDULER_BIN=$CACHE/kube-scheduler-$KUBERNETES_VERSION/kube-scheduler"
echo "export KUBE_PROXY_BIN=$CACHE/kube-proxy-$KUBERNETES_VERSION/kube-proxy"
echo "export COREDNS_BIN=$CACHE/coredns-$COREDNS_VERSION/coredns"
