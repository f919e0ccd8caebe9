package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

// Message and type names the rules below look at.
const (
	nListener         = "envoy.config.listener.v3.Listener"
	nHCM              = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
	nRds              = "envoy.extensions.filters.network.http_connection_manager.v3.Rds"
	nRouter           = "envoy.extensions.filters.http.router.v3.Router"
	nRouteConfig      = "envoy.config.route.v3.RouteConfiguration"
	nRouteAction      = "envoy.config.route.v3.RouteAction"
	nMirror           = "envoy.config.route.v3.RouteAction.RequestMirrorPolicy"
	nWeighted         = "envoy.config.route.v3.WeightedCluster"
	nClusterWeight    = "envoy.config.route.v3.WeightedCluster.ClusterWeight"
	nFilterConfig     = "envoy.config.route.v3.FilterConfig"
	nTCPProxy         = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
	nTCPClusterWeight = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.WeightedCluster.ClusterWeight"
	nUDPProxy         = "envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig"
	nUDPRoute         = "envoy.extensions.filters.udp.udp_proxy.v3.Route"
	nEnvoyGrpc        = "envoy.config.core.v3.GrpcService.EnvoyGrpc"
	nHTTPURI          = "envoy.config.core.v3.HttpUri"
	nSdsSecretConfig  = "envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig"
	nRegexMatcher     = "envoy.type.matcher.v3.RegexMatcher"
	nSocketAddress    = "envoy.config.core.v3.SocketAddress"
	nCluster          = "envoy.config.cluster.v3.Cluster"
	nTLSInspector     = "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
)

// terminalNetworkFilters are the network filters that must come last in a filter chain.
var terminalNetworkFilters = map[string]bool{
	nHCM:      true,
	nTCPProxy: true,
	"envoy.extensions.filters.network.direct_response.v3.Config":                 true,
	"envoy.extensions.filters.network.echo.v3.Echo":                              true,
	"envoy.extensions.filters.network.redis_proxy.v3.RedisProxy":                 true,
	"envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy":               true,
	"envoy.extensions.filters.network.dubbo_proxy.v3.DubboProxy":                 true,
	"envoy.extensions.filters.network.generic_proxy.v3.GenericProxy":             true,
	"envoy.extensions.filters.network.reverse_tunnel.v3.ReverseTunnel":           true,
	"envoy.extensions.filters.network.set_filter_state.v3.Config":                false,
	"envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig": false,
}

// perRouteTypes maps an HTTP filter's listener-level config type to the type Envoy expects in
// typed_per_filter_config when the two differ: Envoy finds the filter by the type in the map value,
// then fails to unpack it as the filter's per-route type.
var perRouteTypes = map[string]string{
	"envoy.extensions.filters.http.cors.v3.Cors":                        "envoy.extensions.filters.http.cors.v3.CorsPolicy",
	"envoy.extensions.filters.http.stateful_session.v3.StatefulSession": "envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute",
	"envoy.extensions.filters.http.ext_authz.v3.ExtAuthz":               "envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
	"envoy.extensions.filters.http.header_mutation.v3.HeaderMutation":   "envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute",
	"envoy.extensions.filters.http.lua.v3.Lua":                          "envoy.extensions.filters.http.lua.v3.LuaPerRoute",
	"envoy.extensions.filters.http.rbac.v3.RBAC":                        "envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
	"envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication":      "envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig",
	"envoy.extensions.filters.http.buffer.v3.Buffer":                    "envoy.extensions.filters.http.buffer.v3.BufferPerRoute",
	"envoy.extensions.filters.http.compressor.v3.Compressor":            "envoy.extensions.filters.http.compressor.v3.CompressorPerRoute",
	"envoy.extensions.filters.http.basic_auth.v3.BasicAuth":             "envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute",
	"envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor":       "envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
	nRouter: "",
}

// protocolOptionsKeys: Envoy finds a cluster's typed_extension_protocol_options factory by the map
// key, so the key must be exactly this name for these types.
var protocolOptionsKeys = map[string]string{
	"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
	"envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions":   "envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions",
}

// ref is a by-name reference from one resource to another.
type ref struct {
	section, resource, path, name string
}

type perFilterRef struct {
	routeConfig, path, key string
}

// index collects what the cross-reference checks need while the resources are walked.
type index struct {
	names       map[string]map[string]int // section → resource name → count (primary resources)
	addrs       map[string]string         // "TCP 0.0.0.0:80" → listener name
	rdsRefs     []ref
	clusterRefs []ref
	edsRefs     []ref // EDS clusters: name = the ClusterLoadAssignment name they need
	secretRefs  []ref
	// http filter names of the HCMs that use each RDS route config
	rdsFilters map[string]map[string]bool
	perFilter  []perFilterRef
	usesTLSSNI map[string]bool // listener name → a filter chain matches on server names/TLS
	hasTLSInsp map[string]bool
}

func newIndex() *index {
	return &index{
		names:      map[string]map[string]int{},
		addrs:      map[string]string{},
		rdsFilters: map[string]map[string]bool{},
		usesTLSSNI: map[string]bool{},
		hasTLSInsp: map[string]bool{},
	}
}

func has(anc []protoreflect.FullName, name protoreflect.FullName) bool {
	for _, a := range anc {
		if a == name {
			return true
		}
	}
	return false
}

// str returns a string field by proto name ("" if unset or absent).
func str(m protoreflect.Message, name protoreflect.Name) string {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return ""
	}
	return m.Get(fd).String()
}

func msgField(m protoreflect.Message, name protoreflect.Name) (protoreflect.Message, bool) {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || !m.Has(fd) {
		return nil, false
	}
	return m.Get(fd).Message(), true
}

func listField(m protoreflect.Message, name protoreflect.Name) protoreflect.List {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil {
		return nil
	}
	return m.Get(fd).List()
}

// anyTypeName is the full message name in an Any's type URL.
func anyTypeName(a *anypb.Any) string {
	u := a.GetTypeUrl()
	return u[strings.LastIndex(u, "/")+1:]
}

// visit applies the per-message rules.
func (g *gatewayCheck) visit(ctx *walkCtx, m protoreflect.Message, path string, anc []protoreflect.FullName) {
	at := func(p string) string {
		if p == "" {
			return ""
		}
		return p + ": "
	}
	errf := func(format string, args ...any) {
		g.errorf(ctx.section, ctx.resource, "%s%s", at(path), fmt.Sprintf(format, args...))
	}
	addRef := func(list *[]ref, name string) {
		if name != "" && !ctx.secondary {
			*list = append(*list, ref{ctx.section, ctx.resource, path, name})
		}
	}
	underConfigSource := has(anc, configSourceName)

	switch m.Descriptor().FullName() {
	case nListener:
		g.checkListener(ctx, m, path)
	case nHCM:
		g.checkHCM(ctx, m, path)
	case nRds:
		addRef(&g.idx.rdsRefs, str(m, "route_config_name"))
	case nRouteConfig:
		g.checkRouteConfig(ctx, m, path)
	case nRouteAction:
		addRef(&g.idx.clusterRefs, str(m, "cluster"))
	case nMirror, nTCPProxy, nUDPProxy, nUDPRoute:
		addRef(&g.idx.clusterRefs, str(m, "cluster"))
	case nClusterWeight, nTCPClusterWeight:
		addRef(&g.idx.clusterRefs, str(m, "name"))
	case nWeighted:
		var sum uint64
		clusters := listField(m, "clusters")
		for i := 0; i < clusters.Len(); i++ {
			if w, ok := msgField(clusters.Get(i).Message(), "weight"); ok {
				sum += w.Get(w.Descriptor().Fields().ByName("value")).Uint()
			}
		}
		if sum == 0 {
			errf("sum of weights in weighted_clusters must be greater than 0")
		}
		if tw, ok := msgField(m, "total_weight"); ok {
			if t := tw.Get(tw.Descriptor().Fields().ByName("value")).Uint(); t != sum {
				errf("totalWeight is %d but the weights add up to %d", t, sum)
			}
		}
	case nEnvoyGrpc:
		if !underConfigSource {
			addRef(&g.idx.clusterRefs, str(m, "cluster_name"))
		}
	case nHTTPURI:
		if !underConfigSource {
			addRef(&g.idx.clusterRefs, str(m, "cluster"))
		}
	case nSdsSecretConfig:
		addRef(&g.idx.secretRefs, str(m, "name"))
	case nRegexMatcher:
		if re := str(m, "regex"); re != "" {
			if _, err := regexp.Compile(re); err != nil {
				errf("invalid RE2 regex %q: %v", re, err)
			}
		}
	case nSocketAddress:
		g.checkSocketAddress(ctx, m, errf, anc)
	case nCluster:
		g.checkCluster(ctx, m, path)
	}

	// typed_per_filter_config (RouteConfiguration, VirtualHost, Route, ClusterWeight)
	if fd := m.Descriptor().Fields().ByName("typed_per_filter_config"); fd != nil && fd.IsMap() &&
		strings.HasPrefix(string(m.Descriptor().FullName()), "envoy.config.route.v3.") {
		m.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			key := k.String()
			p := fmt.Sprintf("%s[%q]", joinPath(path, fd.JSONName()), key)
			a, _ := v.Message().Interface().(*anypb.Any)
			t := anyTypeName(a)
			if t == nFilterConfig {
				if inner, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{}); err == nil {
					if c, ok := msgField(inner.ProtoReflect(), "config"); ok {
						if ia, ok := c.Interface().(*anypb.Any); ok {
							t = anyTypeName(ia)
						}
					} else {
						t = ""
					}
				}
			}
			if want, ok := perRouteTypes[t]; ok {
				if want == "" {
					g.errorf(ctx.section, ctx.resource, "%s: %s has no per-route configuration", p, t)
				} else {
					g.errorf(ctx.section, ctx.resource, "%s: @type %s is the filter's own config; per route Envoy expects %s", p, t, want)
				}
			}
			if ctx.section == "routes" && !ctx.secondary {
				g.idx.perFilter = append(g.idx.perFilter, perFilterRef{ctx.resource, p, key})
			}
			return true
		})
	}
}

func (g *gatewayCheck) checkSocketAddress(ctx *walkCtx, m protoreflect.Message, errf func(string, ...any), anc []protoreflect.FullName) {
	if str(m, "resolver_name") != "" {
		return
	}
	// Envoy resolves these as IP literals: listener addresses, EDS endpoints and the endpoints of
	// STATIC clusters. DNS clusters (STRICT_DNS, LOGICAL_DNS) take host names.
	switch ctx.section {
	case "listeners", "endpoints":
	case "clusters":
		if !ctx.ipCluster || !has(anc, "envoy.config.endpoint.v3.ClusterLoadAssignment") {
			return
		}
	default:
		return
	}
	addr := str(m, "address")
	if _, err := netip.ParseAddr(addr); err != nil {
		errf("address %q is not an IP address (Envoy: malformed IP address)", addr)
	}
}

func (g *gatewayCheck) checkListener(ctx *walkCtx, m protoreflect.Message, path string) {
	name := str(m, "name")
	udp := false
	if addr, ok := msgField(m, "address"); ok {
		if sa, ok := msgField(addr, "socket_address"); ok {
			proto := "TCP"
			if pfd := sa.Descriptor().Fields().ByName("protocol"); sa.Get(pfd).Enum() == 1 {
				proto, udp = "UDP", true
			}
			port := sa.Get(sa.Descriptor().Fields().ByName("port_value")).Uint()
			key := fmt.Sprintf("%s %s:%d", proto, str(sa, "address"), port)
			if !ctx.secondary {
				if other, dup := g.idx.addrs[key]; dup {
					g.errorf(ctx.section, ctx.resource, "address %s is already used by listener %q (Envoy: duplicate address)", key, other)
				} else {
					g.idx.addrs[key] = name
				}
			}
		}
	}
	chains := listField(m, "filter_chains")
	_, hasDefault := msgField(m, "default_filter_chain")
	if udp {
		if chains.Len() > 0 {
			// connection-less UDP listeners (udp_proxy) take listener filters, not filter chains
			if _, quic := msgField(m, "udp_listener_config"); !quic {
				g.errorf(ctx.section, ctx.resource, "filterChains: a UDP listener without QUIC takes no filter chains (use listenerFilters: udp_proxy)")
			}
		}
	} else if chains.Len() == 0 && !hasDefault {
		if _, matcher := msgField(m, "filter_chain_matcher"); !matcher {
			g.errorf(ctx.section, ctx.resource, "no filter chains specified (Envoy rejects a TCP listener without filterChains or defaultFilterChain)")
		}
	}
	// network filter order and duplicate filter chain matches
	seen := map[string]int{}
	for i := 0; i < chains.Len(); i++ {
		fc := chains.Get(i).Message()
		p := fmt.Sprintf("filterChains[%d]", i)
		g.checkNetworkFilters(ctx, fc, p)
		fcm, _ := msgField(fc, "filter_chain_match")
		for _, k := range expandFilterChainMatch(fcm) {
			if j, dup := seen[k]; dup {
				g.errorf(ctx.section, ctx.resource, "%s: filterChainMatch overlaps filterChains[%d] (Envoy: multiple filter chains with the same matching rules are defined)", p, j)
				break
			}
			seen[k] = i
		}
		if fcm != nil {
			if len(listOfStrings(fcm, "server_names")) > 0 || str(fcm, "transport_protocol") == "tls" {
				g.idx.usesTLSSNI[name] = true
			}
		}
	}
	if dfc, ok := msgField(m, "default_filter_chain"); ok {
		g.checkNetworkFilters(ctx, dfc, "defaultFilterChain")
	}
	lf := listField(m, "listener_filters")
	for i := 0; i < lf.Len(); i++ {
		if tc, ok := msgField(lf.Get(i).Message(), "typed_config"); ok {
			if a, ok := tc.Interface().(*anypb.Any); ok && anyTypeName(a) == nTLSInspector {
				g.idx.hasTLSInsp[name] = true
			}
		}
	}
	if g.idx.usesTLSSNI[name] && !g.idx.hasTLSInsp[name] && !ctx.secondary {
		g.warnf(ctx.section, ctx.resource, "filter chains match on serverNames/transportProtocol but listenerFilters has no tls_inspector (Envoy injects one and warns)")
	}
}

func listOfStrings(m protoreflect.Message, name protoreflect.Name) []string {
	l := listField(m, name)
	var out []string
	for i := 0; l != nil && i < l.Len(); i++ {
		out = append(out, l.Get(i).String())
	}
	return out
}

// expandFilterChainMatch turns a FilterChainMatch into the list of exact match tuples Envoy indexes
// it under: every repeated field contributes one value per tuple.
func expandFilterChainMatch(fcm protoreflect.Message) []string {
	if fcm == nil {
		return []string{"{}"}
	}
	keys := []string{""}
	fields := fcm.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		var vals []string
		if !fcm.Has(fd) {
			vals = []string{""}
		} else if fd.IsList() {
			l := fcm.Get(fd).List()
			for j := 0; j < l.Len(); j++ {
				vals = append(vals, valueString(fd, l.Get(j)))
			}
		} else {
			vals = []string{valueString(fd, fcm.Get(fd))}
		}
		var next []string
		for _, k := range keys {
			for _, v := range vals {
				next = append(next, k+"|"+string(fd.Name())+"="+v)
			}
		}
		keys = next
	}
	return keys
}

func valueString(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	if fd.Kind() == protoreflect.MessageKind {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(v.Message().Interface())
		return fmt.Sprintf("%x", b)
	}
	return strings.ToLower(fmt.Sprint(v.Interface()))
}

func (g *gatewayCheck) checkNetworkFilters(ctx *walkCtx, fc protoreflect.Message, path string) {
	filters := listField(fc, "filters")
	n := filters.Len()
	for i := 0; i < n; i++ {
		f := filters.Get(i).Message()
		tc, ok := msgField(f, "typed_config")
		if !ok {
			continue
		}
		a, _ := tc.Interface().(*anypb.Any)
		t := anyTypeName(a)
		terminal, known := terminalNetworkFilters[t]
		p := fmt.Sprintf("%s.filters[%d]", path, i)
		if terminal && i != n-1 {
			g.errorf(ctx.section, ctx.resource, "%s: terminal filter %q (%s) must be the last filter in the filter chain", p, str(f, "name"), t)
		}
		if i == n-1 && known && !terminal {
			g.errorf(ctx.section, ctx.resource, "%s: non-terminal filter %q (%s) is the last filter in the filter chain", p, str(f, "name"), t)
		}
	}
	if n == 0 {
		g.errorf(ctx.section, ctx.resource, "%s.filters: empty filter chain (no terminal network filter)", path)
	}
}

func (g *gatewayCheck) checkHCM(ctx *walkCtx, m protoreflect.Message, path string) {
	filters := listField(m, "http_filters")
	n := filters.Len()
	names := map[string]bool{}
	for i := 0; i < n; i++ {
		f := filters.Get(i).Message()
		names[str(f, "name")] = true
		p := joinPath(path, fmt.Sprintf("httpFilters[%d]", i))
		tc, ok := msgField(f, "typed_config")
		if !ok {
			continue // config_discovery: type only known at run time
		}
		a, _ := tc.Interface().(*anypb.Any)
		isRouter := anyTypeName(a) == nRouter
		if isRouter && i != n-1 {
			g.errorf(ctx.section, ctx.resource, "%s: terminal filter %q (router) must be the last filter in the http filter chain", p, str(f, "name"))
		}
		if !isRouter && i == n-1 {
			g.errorf(ctx.section, ctx.resource, "%s: non-terminal filter %q (%s) is the last filter in the http filter chain; the router must be last", p, str(f, "name"), anyTypeName(a))
		}
	}
	if rds, ok := msgField(m, "rds"); ok && !ctx.secondary {
		rc := str(rds, "route_config_name")
		if g.idx.rdsFilters[rc] == nil {
			g.idx.rdsFilters[rc] = map[string]bool{}
		}
		for k := range names {
			g.idx.rdsFilters[rc][k] = true
		}
		if n == 0 {
			g.idx.rdsFilters[rc]["envoy.filters.http.router"] = true
		}
	}
}

func (g *gatewayCheck) checkRouteConfig(ctx *walkCtx, m protoreflect.Message, path string) {
	vhosts := listField(m, "virtual_hosts")
	seen := map[string]int{}
	names := map[string]int{}
	for i := 0; i < vhosts.Len(); i++ {
		vh := vhosts.Get(i).Message()
		p := joinPath(path, fmt.Sprintf("virtualHosts[%d]", i))
		if j, dup := names[str(vh, "name")]; dup {
			g.errorf(ctx.section, ctx.resource, "%s: virtual host name %q is also used by virtualHosts[%d]", p, str(vh, "name"), j)
		} else {
			names[str(vh, "name")] = i
		}
		for _, d := range listOfStrings(vh, "domains") {
			d = strings.ToLower(d)
			if j, dup := seen[d]; dup {
				if d == "*" {
					g.errorf(ctx.section, ctx.resource, "%s: only a single wildcard domain is permitted in a route config (also in virtualHosts[%d])", p, j)
				} else {
					g.errorf(ctx.section, ctx.resource, "%s: only unique values for domains are permitted; duplicate domain %q (also in virtualHosts[%d])", p, d, j)
				}
				continue
			}
			seen[d] = i
		}
	}
}

func (g *gatewayCheck) checkCluster(ctx *walkCtx, m protoreflect.Message, path string) {
	typ := ""
	if fd := m.Descriptor().Fields().ByName("type"); m.Has(fd) {
		typ = string(fd.Enum().Values().ByNumber(m.Get(fd).Enum()).Name())
	} else if _, custom := msgField(m, "cluster_type"); !custom {
		typ = "STATIC" // the default of the `type` oneof member
	}
	ctx.ipCluster = typ == "STATIC" || typ == "EDS"
	name := str(m, "name")
	switch typ {
	case "EDS":
		ecc, ok := msgField(m, "eds_cluster_config")
		if !ok {
			g.errorf(ctx.section, ctx.resource, "type EDS needs edsClusterConfig (with edsConfig: {ads: {}, resourceApiVersion: V3})")
			break
		}
		if _, ok := msgField(ecc, "eds_config"); !ok {
			g.errorf(ctx.section, ctx.resource, "edsClusterConfig.edsConfig is missing")
		}
		svc := str(ecc, "service_name")
		if svc == "" {
			svc = name
		}
		if !ctx.secondary {
			g.idx.edsRefs = append(g.idx.edsRefs, ref{ctx.section, ctx.resource, "edsClusterConfig", svc})
		}
		if _, ok := msgField(m, "load_assignment"); ok {
			g.warnf(ctx.section, ctx.resource, "loadAssignment is ignored for an EDS cluster")
		}
	case "LOGICAL_DNS":
		la, ok := msgField(m, "load_assignment")
		n := 0
		if ok {
			eps := listField(la, "endpoints")
			for i := 0; i < eps.Len(); i++ {
				n += listField(eps.Get(i).Message(), "lb_endpoints").Len()
			}
		}
		if n != 1 {
			g.errorf(ctx.section, ctx.resource, "LOGICAL_DNS clusters must have a single lb endpoint (has %d)", n)
		}
	case "STRICT_DNS", "STATIC":
		if _, ok := msgField(m, "load_assignment"); !ok && typ == "STRICT_DNS" {
			g.errorf(ctx.section, ctx.resource, "STRICT_DNS cluster without loadAssignment")
		}
	}
	if fd := m.Descriptor().Fields().ByName("typed_extension_protocol_options"); fd != nil {
		m.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			a, _ := v.Message().Interface().(*anypb.Any)
			if want, ok := protocolOptionsKeys[anyTypeName(a)]; ok && k.String() != want {
				g.errorf(ctx.section, ctx.resource, "typedExtensionProtocolOptions[%q]: Envoy finds the factory by this key; for %s it must be %q", k.String(), anyTypeName(a), want)
			}
			return true
		})
	}
}

// crossCheck checks names and references across the gateway's resources.
func (g *gatewayCheck) crossCheck() {
	for _, r := range g.resources {
		if r.secondary {
			continue
		}
		if g.idx.names[r.section] == nil {
			g.idx.names[r.section] = map[string]int{}
		}
		g.idx.names[r.section][r.name]++
		if g.idx.names[r.section][r.name] == 2 {
			g.errorf(r.section, r.name, "duplicate name: %s names must be unique", kindNames[r.section])
		}
		if r.name == "" {
			g.errorf(r.section, r.name, "resource has no name")
		}
	}
	exists := func(section, name string) bool {
		return g.idx.names[section][name] > 0 || g.broken[section][name]
	}
	for _, r := range g.idx.rdsRefs {
		if !exists("routes", r.name) {
			g.errorf(r.section, r.resource, "%s: RDS route config %q not found in routes", r.path, r.name)
		}
	}
	for _, r := range g.idx.clusterRefs {
		if !exists("clusters", r.name) && !extraClusters[r.name] {
			g.errorf(r.section, r.resource, "%s: cluster %q not found in clusters", r.path, r.name)
		}
	}
	edsNeeded := map[string]bool{}
	for _, r := range g.idx.edsRefs {
		edsNeeded[r.name] = true
		if !exists("endpoints", r.name) {
			g.errorf(r.section, r.resource, "%s: EDS cluster has no ClusterLoadAssignment with clusterName %q in endpoints", r.path, r.name)
		}
	}
	for _, r := range g.idx.secretRefs {
		if !exists("secrets", r.name) {
			g.errorf(r.section, r.resource, "%s: SDS secret %q not found in secrets", r.path, r.name)
		}
	}
	rdsUsed := map[string]bool{}
	for _, r := range g.idx.rdsRefs {
		rdsUsed[r.name] = true
	}
	for _, r := range g.resources {
		if r.secondary || len(g.broken) > 0 {
			continue
		}
		switch {
		case r.section == "routes" && !rdsUsed[r.name]:
			g.warnf(r.section, r.name, "no listener's HCM references this route config over RDS")
		case r.section == "endpoints" && !edsNeeded[r.name]:
			g.warnf(r.section, r.name, "no EDS cluster uses this ClusterLoadAssignment")
		}
	}
	for _, p := range g.idx.perFilter {
		filters, ok := g.idx.rdsFilters[p.routeConfig]
		if !ok || filters[p.key] {
			continue
		}
		var names []string
		for n := range filters {
			names = append(names, n)
		}
		sort.Strings(names)
		g.errorf("routes", p.routeConfig, "%s: no HTTP filter named %q in the HCMs that use this route config (they have %s); Envoy would ignore this config", p.path, p.key, strings.Join(names, ", "))
	}
}

var kindNames = map[string]string{
	"listeners": "listener", "routes": "route config", "clusters": "cluster",
	"endpoints": "ClusterLoadAssignment cluster", "secrets": "secret",
}

// extraClusters are cluster names that exist outside the dump (bootstrap static clusters), set by
// the -extra-clusters flag.
var extraClusters = map[string]bool{}
