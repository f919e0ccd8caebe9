//go:build tools

// Package tools records the binaries this module builds, so `go mod tidy` keeps their requirements.
package tools

import (
	_ "sigs.k8s.io/gateway-api-conformance-images/echo-basic"
)
