// Pins the Gateway API conformance backends the e2e cluster's node agent runs as pods: echo-basic
// (the image registry.k8s.io/gateway-api/conformance/echo-basic:<tag> every conformance test routes to).
// Built by scripts/install-conformance-tools.sh, cached by the version required here.
// Since Gateway API v1.7.0 the echo servers live in their own module, gateway-api-conformance-images.
module github.com/portico/e2e/conformance-tools

go 1.26.4

require sigs.k8s.io/gateway-api-conformance-images v0.1.0

require (
	golang.org/x/net v0.57.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.40.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260523011958-0a33c5d7ca68 // indirect
	google.golang.org/grpc v1.82.1 // indirect
	google.golang.org/protobuf v1.36.12-0.20260120151049-f2248ac996af // indirect
)
