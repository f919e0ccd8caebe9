// Command coredns is CoreDNS (github.com/coredns/coredns, pinned in go.mod) with only the plugins the
// cluster harness's Corefile (e2e/cluster) uses. Upstream's main imports every plugin, which pulls in
// the Azure, AWS and Google Cloud SDKs; leaving them out keeps a cold CI build short.
package main

import (
	"github.com/coredns/coredns/coremain"

	// Registered by import, as upstream's core/plugin does for its full set.
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
