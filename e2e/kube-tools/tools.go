//go:build tools

// Package tools pins kube-apiserver; etcd and helm are installed by version in scripts/install-kube-tools.sh.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
