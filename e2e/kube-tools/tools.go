//go:build tools

// Package tools pins the Kubernetes control-plane binaries the e2e tests and the cluster harness
// (e2e/cluster) run; they are built together in one `go build` by scripts/install-kube-tools.sh.
// etcd, CoreDNS and helm are installed by version there too.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
