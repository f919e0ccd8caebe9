package main

import (
	"bytes"
	"fmt"
	"net/netip"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// sectionBootstrap names the bootstrap itself (everything but its static resources) in problems.
const sectionBootstrap = "bootstrap"

// CheckBootstrap checks an Envoy bootstrap (`envoy -c FILE`: one JSON or YAML document) the way
// CheckFile checks a dump: strict protojson into envoy.config.bootstrap.v3.Bootstrap, ValidateAll on
// it and on every nested Any, the per-resource rules on its static listeners, clusters and secrets,
// references between them (an `envoyGrpc` ADS service must name a static cluster), and what Envoy
// checks when it loads a bootstrap (ADS needs node id and cluster, every overload trigger names a
// configured resource monitor, the admin address is an IP).
func CheckBootstrap(file string, data []byte) Result {
	var res Result
	fail := func(format string, args ...any) Result {
		res.Problems = append(res.Problems, Problem{File: file, Section: sectionBootstrap, Msg: fmt.Sprintf(format, args...)})
		return res
	}
	docs, err := toJSONDocs(data)
	if err != nil {
		return fail("%v", err)
	}
	var doc []byte
	for _, d := range docs {
		if bytes.Equal(bytes.TrimSpace(d), []byte("null")) {
			continue // an empty YAML document (a trailing `---`)
		}
		if doc != nil {
			return fail("more than one document: Envoy reads one bootstrap per file")
		}
		doc = d
	}
	if doc == nil {
		return fail("empty file")
	}
	compact := compactJSON(doc)
	b := &bootstrapv3.Bootstrap{}
	if err := (protojson.UnmarshalOptions{}).Unmarshal(compact, b); err != nil {
		return fail("%s", explainProtojsonError(err, compact, b.ProtoReflect().Descriptor()))
	}

	g := newGatewayCheck(file, "")
	g.validate(sectionBootstrap, "", "", b)
	// The static resources are walked as the resources of a dump are, so that the per-kind rules
	// (cluster types, IP literals, filter order, …) and the reference checks apply to them.
	static := b.GetStaticResources()
	for _, l := range static.GetListeners() {
		g.resources = append(g.resources, resource{section: "listeners", name: l.GetName(), msg: l})
	}
	for _, c := range static.GetClusters() {
		g.resources = append(g.resources, resource{section: "clusters", name: c.GetName(), msg: c})
	}
	for _, s := range static.GetSecrets() {
		g.resources = append(g.resources, resource{section: "secrets", name: s.GetName(), msg: s})
	}
	for _, r := range g.resources {
		g.walk(&walkCtx{section: r.section, resource: r.name}, r.msg.ProtoReflect(), "", nil)
	}
	rest := proto.Clone(b).(*bootstrapv3.Bootstrap)
	rest.StaticResources = nil
	g.walk(&walkCtx{section: sectionBootstrap}, rest.ProtoReflect(), "", nil)
	g.checkBootstrap(b)
	g.crossCheck()

	res.Problems = g.problems
	res.Resources = 1 + len(g.resources)
	return res
}

// checkBootstrap holds the rules Envoy applies to a bootstrap beyond its field rules.
func (g *gatewayCheck) checkBootstrap(b *bootstrapv3.Bootstrap) {
	errf := func(format string, args ...any) { g.errorf(sectionBootstrap, "", format, args...) }
	dyn := b.GetDynamicResources()
	usesADS := false
	for name, cs := range map[string]*corev3.ConfigSource{"ldsConfig": dyn.GetLdsConfig(), "cdsConfig": dyn.GetCdsConfig()} {
		if cs.GetAds() != nil {
			usesADS = true
			if dyn.GetAdsConfig() == nil {
				errf("dynamicResources.%s: ads is set but dynamicResources.adsConfig is missing", name)
			}
		}
	}
	if ads := dyn.GetAdsConfig(); ads != nil {
		usesADS = true
		switch ads.GetApiType() {
		case corev3.ApiConfigSource_GRPC, corev3.ApiConfigSource_DELTA_GRPC,
			corev3.ApiConfigSource_AGGREGATED_GRPC, corev3.ApiConfigSource_AGGREGATED_DELTA_GRPC:
			if n := len(ads.GetGrpcServices()); n != 1 {
				errf("dynamicResources.adsConfig: a gRPC API config source needs exactly one grpcServices entry (has %d)", n)
			}
		default:
			errf("dynamicResources.adsConfig.apiType: ADS needs GRPC or DELTA_GRPC, not %s", ads.GetApiType())
		}
	}
	// Envoy's checkLocalInfo("ads", …): without both, the xDS server cannot tell who is asking.
	if usesADS && (b.GetNode().GetId() == "" || b.GetNode().GetCluster() == "") {
		errf("node: ADS needs node.id and node.cluster (or Envoy's --service-node and --service-cluster flags)")
	}
	if sa := b.GetAdmin().GetAddress().GetSocketAddress(); sa != nil {
		if _, err := netip.ParseAddr(sa.GetAddress()); err != nil {
			errf("admin.address.socketAddress.address: %q is not an IP address (Envoy: malformed IP address)", sa.GetAddress())
		}
	}
	// OverloadManagerImpl: "Unknown trigger resource" / "Duplicate resource monitor".
	om := b.GetOverloadManager()
	monitors := map[string]bool{}
	for i, m := range om.GetResourceMonitors() {
		if monitors[m.GetName()] {
			errf("overloadManager.resourceMonitors[%d]: duplicate resource monitor %q", i, m.GetName())
		}
		monitors[m.GetName()] = true
	}
	for i, a := range om.GetActions() {
		for j, t := range a.GetTriggers() {
			if !monitors[t.GetName()] {
				errf("overloadManager.actions[%d].triggers[%d]: unknown trigger resource %q (not in resourceMonitors)", i, j, t.GetName())
			}
		}
	}
}
