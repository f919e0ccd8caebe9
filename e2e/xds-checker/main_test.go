package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

var update = flag.Bool("update", false, "rewrite testdata/*.want")

func problemLines(r Result) string {
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestValidFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	r := CheckFile("valid.json", data)
	if len(r.Problems) != 0 {
		t.Fatalf("valid.json: want no problems (not even warnings), got:\n%s", problemLines(r))
	}
	if r.Resources != 9 {
		t.Errorf("valid.json: %d resources, want 9 (2 listeners, 2 route configs, 2 clusters, 2 assignments, 1 secret)", r.Resources)
	}
}

// TestInvalidFixtures compares the checker's output on testdata/invalid-* with testdata/*.want
// (go test -run TestInvalidFixtures -update rewrites them).
func TestInvalidFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*")
	var inputs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".want") {
			inputs = append(inputs, f)
		}
	}
	if len(inputs) < 3 {
		t.Fatalf("expected at least 3 invalid fixtures, found %v", inputs)
	}
	for _, f := range inputs {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := CheckFile(filepath.Base(f), data)
			if r.Errors() == 0 {
				t.Fatalf("no errors reported")
			}
			got := problemLines(r)
			want := strings.TrimSuffix(f, filepath.Ext(f)) + ".want"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(exp) {
				t.Errorf("output differs from %s\n--- got ---\n%s--- want ---\n%s", want, got, exp)
			}
		})
	}
}

// mutate decodes valid.json, applies fn to the gateway's map and checks the result.
func mutate(t *testing.T, fn func(gw map[string]any)) Result {
	t.Helper()
	data, err := os.ReadFile("testdata/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	fn(doc["xds"].(map[string]any)["default/eg"].(map[string]any))
	out, _ := json.Marshal(doc)
	return CheckFile("mutated.json", out)
}

// at walks a decoded JSON value: string keys for maps, ints for lists.
func at(v any, path ...any) map[string]any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v.(map[string]any)
}

func httpListener(gw map[string]any) map[string]any {
	return at(gw, "listeners", "dynamicListeners", 0, "activeState", "listener")
}
func httpHCM(gw map[string]any) map[string]any {
	return at(httpListener(gw), "filterChains", 0, "filters", 0, "typedConfig")
}
func httpRoute(gw map[string]any, i int) map[string]any {
	return at(gw, "routes", "dynamicRouteConfigs", 0, "routeConfig", "virtualHosts", 0, "routes", i)
}

func TestMutations(t *testing.T) {
	cases := []struct {
		name string
		fn   func(gw map[string]any)
		want string // a substring of one error line
	}{
		{"misspelled field in nested Any", func(gw map[string]any) {
			h := httpHCM(gw)
			h["stat_prefixx"] = h["statPrefix"]
		}, `listeners default/eg/http: dynamicListeners[0]: unknown field "stat_prefixx" (at activeState.listener.filterChains[0].filters[0].typedConfig.stat_prefixx)`},
		{"Duration spelled as an object", func(gw map[string]any) {
			at(gw, "clusters", "dynamicActiveClusters", 0, "cluster")["connectTimeout"] = map[string]any{"seconds": 10}
		}, `(at cluster.connectTimeout; connectTimeout is a google.protobuf.Duration: write a string like "5s"`},
		{"wrapper spelled as an object", func(gw map[string]any) {
			at(httpRoute(gw, 0), "route", "weightedClusters", "clusters", 0)["weight"] = map[string]any{"value": 80}
		}, `weight is a google.protobuf.UInt32Value wrapper: write the bare value`},
		{"empty Any", func(gw map[string]any) {
			at(httpHCM(gw), "httpFilters", 0)["typedConfig"] = map[string]any{}
		}, `httpFilters[0].typedConfig: empty google.protobuf.Any (no "@type")`},
		{"unknown @type", func(gw map[string]any) {
			at(httpHCM(gw), "httpFilters", 1, "typedConfig")["@type"] = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr"
		}, `unknown type "type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr"`},
		{"ValidateAll inside an Any", func(gw map[string]any) {
			httpHCM(gw)["statPrefix"] = ""
		}, `listeners default/eg/http: filterChains[0].filters[0].typedConfig(HttpConnectionManager).statPrefix: value length must be at least 1 runes`},
		{"ValidateAll two Anys deep", func(gw map[string]any) {
			at(httpHCM(gw), "httpFilters", 0)["typedConfig"] = map[string]any{
				"@type":      "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
				"statPrefix": "",
			}
		}, `typedConfig(HttpConnectionManager).httpFilters[0].typedConfig(LocalRateLimit).statPrefix: value length must be at least 1 runes`},
		{"invalid regex", func(gw map[string]any) {
			at(httpRoute(gw, 1), "match", "safeRegex")["regex"] = "(("
		}, `routes default/eg/http: virtualHosts[0].routes[1].match.safeRegex: invalid RE2 regex "(("`},
		{"dangling weighted cluster", func(gw map[string]any) {
			at(httpRoute(gw, 0), "route", "weightedClusters", "clusters", 1)["name"] = "nope"
		}, `routes default/eg/http: virtualHosts[0].routes[0].route.weightedClusters.clusters[1]: cluster "nope" not found in clusters`},
		{"zero weights", func(gw map[string]any) {
			at(httpRoute(gw, 0), "route", "weightedClusters", "clusters", 0)["weight"] = 0
			at(httpRoute(gw, 0), "route", "weightedClusters", "clusters", 1)["weight"] = 0
		}, `sum of weights in weighted_clusters must be greater than 0`},
		{"dangling RDS", func(gw map[string]any) {
			at(httpHCM(gw), "rds")["routeConfigName"] = "nope"
		}, `RDS route config "nope" not found in routes`},
		{"EDS cluster without assignment", func(gw map[string]any) {
			e := at(gw, "endpoints")
			e["dynamicEndpointConfigs"] = e["dynamicEndpointConfigs"].([]any)[1:]
		}, `EDS cluster has no ClusterLoadAssignment with clusterName "httproute/default/backend/rule/0/backend/0"`},
		{"missing SDS secret", func(gw map[string]any) {
			delete(at(gw, "secrets"), "dynamicActiveSecrets")
		}, `SDS secret "default/example.com-tls" not found in secrets`},
		{"duplicate listener", func(gw map[string]any) {
			l := at(gw, "listeners")
			l["dynamicListeners"] = append(l["dynamicListeners"].([]any), l["dynamicListeners"].([]any)[0])
		}, `listeners default/eg/http: duplicate name: listener names must be unique`},
		{"duplicate route config", func(gw map[string]any) {
			r := at(gw, "routes")
			r["dynamicRouteConfigs"] = append(r["dynamicRouteConfigs"].([]any), r["dynamicRouteConfigs"].([]any)[1])
		}, `routes default/eg/https: duplicate name: route config names must be unique`},
		{"router not last", func(gw map[string]any) {
			h := httpHCM(gw)
			f := h["httpFilters"].([]any)
			h["httpFilters"] = []any{f[1], f[0]}
		}, `terminal filter "envoy.filters.http.router" (router) must be the last filter in the http filter chain`},
		{"duplicate domain", func(gw map[string]any) {
			rc := at(gw, "routes", "dynamicRouteConfigs", 0, "routeConfig")
			rc["virtualHosts"] = append(rc["virtualHosts"].([]any), map[string]any{"name": "other", "domains": []any{"WWW.example.com"}})
		}, `only unique values for domains are permitted; duplicate domain "www.example.com"`},
		{"listener filter config as per-route config", func(gw map[string]any) {
			httpRoute(gw, 0)["typedPerFilterConfig"] = map[string]any{
				"envoy.filters.http.cors": map[string]any{"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"},
			}
		}, `per route Envoy expects envoy.extensions.filters.http.cors.v3.CorsPolicy`},
		{"per-route config for a filter the HCM lacks", func(gw map[string]any) {
			pf := httpRoute(gw, 0)["typedPerFilterConfig"].(map[string]any)
			pf["envoy.filters.http.corz"] = pf["envoy.filters.http.cors"]
			delete(pf, "envoy.filters.http.cors")
		}, `no HTTP filter named "envoy.filters.http.corz"`},
		{"hostname as EDS endpoint", func(gw map[string]any) {
			at(gw, "endpoints", "dynamicEndpointConfigs", 0, "endpointConfig", "endpoints", 0, "lbEndpoints", 0, "endpoint", "address", "socketAddress")["address"] = "backend.default.svc"
		}, `address "backend.default.svc" is not an IP address`},
		{"duplicate filter chain match", func(gw map[string]any) {
			l := at(gw, "listeners", "dynamicListeners", 1, "activeState", "listener")
			l["filterChains"] = append(l["filterChains"].([]any), l["filterChains"].([]any)[0])
		}, `filterChains[1]: filterChainMatch overlaps filterChains[0]`},
		{"TCP listener without filter chains", func(gw map[string]any) {
			delete(httpListener(gw), "filterChains")
		}, `no filter chains specified`},
		{"wrong section @type", func(gw map[string]any) {
			at(gw, "routes")["@type"] = "type.googleapis.com/envoy.admin.v3.RouteConfigDump"
		}, `routes -: @type is "type.googleapis.com/envoy.admin.v3.RouteConfigDump", want "type.googleapis.com/envoy.admin.v3.RoutesConfigDump"`},
		{"missing section", func(gw map[string]any) {
			delete(gw, "endpoints")
		}, `endpoints -: section missing`},
		{"wrong resource type in a section", func(gw map[string]any) {
			at(gw, "clusters", "dynamicActiveClusters", 0)["cluster"] = map[string]any{
				"@type":       "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
				"clusterName": "x",
			}
		}, `dynamicActiveClusters: @type is "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", want "type.googleapis.com/envoy.config.cluster.v3.Cluster"`},
		{"protocol options under the wrong key", func(gw map[string]any) {
			c := at(gw, "clusters", "dynamicActiveClusters", 1, "cluster")
			c["typedExtensionProtocolOptions"] = map[string]any{"envoy.upstreams.http": at(c, "typedExtensionProtocolOptions")["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]}
		}, `typedExtensionProtocolOptions["envoy.upstreams.http"]: Envoy finds the factory by this key`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mutate(t, c.fn)
			got := problemLines(r)
			if r.Errors() == 0 || !strings.Contains(got, c.want) {
				t.Errorf("want an error containing\n  %s\ngot:\n%s", c.want, got)
			}
		})
	}
}

func TestDeprecatedFieldIsAWarning(t *testing.T) {
	r := mutate(t, func(gw map[string]any) {
		at(gw, "clusters", "dynamicActiveClusters", 0, "cluster")["http2ProtocolOptions"] = map[string]any{}
	})
	if r.Errors() != 0 || len(r.Problems) != 1 || !r.Problems[0].Warning ||
		!strings.Contains(r.Problems[0].Msg, "envoy.config.cluster.v3.Cluster.http2_protocol_options is deprecated") {
		t.Errorf("want one deprecation warning, got:\n%s", problemLines(r))
	}
}

func TestSnakeCaseAndYAML(t *testing.T) {
	// protojson accepts the proto field names too; YAML is read with exact integers.
	in := `
other: [1, 2]
xds:
  ns/gw:
    listeners: {'@type': type.googleapis.com/envoy.admin.v3.ListenersConfigDump}
    routes: {'@type': type.googleapis.com/envoy.admin.v3.RoutesConfigDump}
    clusters:
      '@type': type.googleapis.com/envoy.admin.v3.ClustersConfigDump
      dynamic_active_clusters:
      - cluster:
          '@type': type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: c
          connect_timeout: 1.5s
          per_connection_buffer_limit_bytes: 4294967295
          load_assignment: {cluster_name: c}
    endpoints: {'@type': type.googleapis.com/envoy.admin.v3.EndpointsConfigDump}
    secrets: {'@type': type.googleapis.com/envoy.admin.v3.SecretsConfigDump}
`
	r := CheckFile("in.yaml", []byte(in))
	if len(r.Problems) != 0 || r.Resources != 1 {
		t.Fatalf("want 1 valid resource, got %d and:\n%s", r.Resources, problemLines(r))
	}
}

func TestEmptyAndMissingXDS(t *testing.T) {
	if r := CheckFile("a.yaml", []byte("xds: {}\n")); len(r.Problems) != 0 || r.Resources != 0 {
		t.Errorf("xds: {} should be valid and empty, got %v", r.Problems)
	}
	if r := CheckFile("b.yaml", []byte("gateways: {}\n")); r.Errors() != 1 || !strings.Contains(r.Problems[0].String(), "b.yaml: no top-level `xds` key") {
		t.Errorf("want a missing-xds error, got %v", r.Problems)
	}
	if r := CheckFile("d.yaml", []byte("xds: {}\nxds: {}\n")); r.Errors() != 1 || !strings.Contains(r.Problems[0].Msg, `line 2: duplicate key "xds"`) {
		t.Errorf("want a duplicate key error, got %v", r.Problems)
	}
	if r := CheckFile("c.json", []byte(`{"xds": {`)); r.Errors() != 1 || !strings.Contains(r.Problems[0].Msg, "invalid JSON") {
		t.Errorf("want an invalid JSON error, got %v", r.Problems)
	}
}

func TestJSONPathAt(t *testing.T) {
	data := []byte(`{"a":[{"b":1},{"c":{"d":"x","e":[1,2]}}]}`)
	for _, c := range []struct {
		tok, want string
	}{{`"d"`, "a[1].c.d"}, {`"x"`, "a[1].c.d"}, {`2]`, "a[1].c.e[1]"}, {`"b"`, "a[0].b"}} {
		off := strings.Index(string(data), c.tok)
		if got := jsonPathAt(data, off); got != c.want {
			t.Errorf("at %s: got %q, want %q", c.tok, got, c.want)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	devnull, _ := os.Open(os.DevNull)
	stdout := os.Stdout
	os.Stdout = devnull
	defer func() { os.Stdout = stdout }()
	if got := run([]string{"testdata/valid.json"}); got != 0 {
		t.Errorf("valid: exit %d", got)
	}
	if got := run([]string{"testdata/valid.json", "testdata/invalid-dangling.json"}); got != 1 {
		t.Errorf("invalid: exit %d", got)
	}
	if got := run([]string{"testdata/does-not-exist.json"}); got != 1 {
		t.Errorf("missing file: exit %d", got)
	}
}

// TestRuleTypeNamesExist guards the rules against renames when go-control-plane is upgraded.
func TestRuleTypeNamesExist(t *testing.T) {
	names := []string{nListener, nHCM, nRds, nRouter, nRouteConfig, nRouteAction, nMirror, nWeighted,
		nClusterWeight, nFilterConfig, nTCPProxy, nTCPClusterWeight, nUDPProxy, nUDPRoute, nEnvoyGrpc,
		nHTTPURI, nSdsSecretConfig, nRegexMatcher, nSocketAddress, nCluster, nTLSInspector,
		anyName, typedStructXDS, typedStructUDPA, configSourceName}
	for k, v := range perRouteTypes {
		names = append(names, k)
		if v != "" {
			names = append(names, v)
		}
	}
	for k := range terminalNetworkFilters {
		names = append(names, k)
	}
	for k := range protocolOptionsKeys {
		names = append(names, k)
	}
	for _, s := range sections {
		names = append(names, s.dumpType, s.resType)
	}
	for _, n := range names {
		if _, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}
