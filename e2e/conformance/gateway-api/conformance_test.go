// Runs the upstream Gateway API conformance suite against the cluster in KUBECONFIG, where Portico is
// installed with its Helm chart (e2e/conformance/run.ts sets that up: `npm run conformance`).
//
// Options come from portico-options.yaml (the implementation, the profiles) and the suite's own flags
// (-run-test, -report-output, …). The features are not listed here: the suite reads them from the
// GatewayClass's status.supportedFeatures, which Portico writes from its own list
// (packages/translator/src/supported-features.ts), so the report claims exactly what the product claims.
package gatewayapi

import (
	"testing"

	"sigs.k8s.io/gateway-api/conformance"
)

func TestGatewayAPIConformance(t *testing.T) {
	conformance.RunConformance(t)
}
