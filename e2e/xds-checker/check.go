package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
)

const typePrefix = "type.googleapis.com/"

// section describes one key of a gateway's dump: the admin ConfigDump type it holds and the type of
// the resources inside it.
type section struct {
	key      string
	dumpType string // full name of the envoy.admin.v3 *ConfigDump message
	resType  string // full name of the xDS resource
}

var sections = []section{
	{"listeners", "envoy.admin.v3.ListenersConfigDump", "envoy.config.listener.v3.Listener"},
	{"routes", "envoy.admin.v3.RoutesConfigDump", "envoy.config.route.v3.RouteConfiguration"},
	{"clusters", "envoy.admin.v3.ClustersConfigDump", "envoy.config.cluster.v3.Cluster"},
	{"endpoints", "envoy.admin.v3.EndpointsConfigDump", "envoy.config.endpoint.v3.ClusterLoadAssignment"},
	{"secrets", "envoy.admin.v3.SecretsConfigDump", "envoy.extensions.transport_sockets.tls.v3.Secret"},
}

// Problem is one line of output.
type Problem struct {
	File, Gateway, Section, Resource string
	Msg                              string
	Warning                          bool
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Gateway != "" {
		b.WriteString(p.Gateway)
		b.WriteString(": ")
	}
	if p.Section != "" {
		b.WriteString(p.Section)
		b.WriteString(" ")
		if p.Resource == "" {
			b.WriteString("-")
		} else {
			b.WriteString(p.Resource)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Result of checking one input.
type Result struct {
	Problems  []Problem // errors and warnings, in output order
	Resources int       // top-level xDS resources read (listeners, route configs, clusters, …)
}

func (r Result) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if !p.Warning {
			n++
		}
	}
	return n
}

// resource is one top-level xDS resource after unmarshalling.
type resource struct {
	section string
	name    string
	msg     proto.Message
	// secondary resources (a listener's warming or draining state, a warming cluster or secret) are
	// validated but are not what references resolve to.
	secondary bool
}

// CheckFile checks the xDS dump in data; file is only used in messages.
func CheckFile(file string, data []byte) Result {
	var res Result
	gws, err := loadXDS(data)
	if err != nil {
		res.Problems = append(res.Problems, Problem{File: file, Msg: err.Error()})
		return res
	}
	for _, gw := range gws {
		g := newGatewayCheck(file, gw.name)
		g.run(gw)
		res.Problems = append(res.Problems, g.problems...)
		res.Resources += len(g.resources)
	}
	return res
}

// gatewayCheck holds the state of checking one gateway's five sections.
type gatewayCheck struct {
	file, gateway string
	problems      []Problem
	resources     []resource
	idx           *index
	// broken holds the names of resources that failed to unmarshal: references to them are not
	// reported again, and unreferenced-resource warnings are skipped for a gateway with any.
	broken map[string]map[string]bool
}

func newGatewayCheck(file, gateway string) *gatewayCheck {
	return &gatewayCheck{file: file, gateway: gateway, idx: newIndex(), broken: map[string]map[string]bool{}}
}

func (g *gatewayCheck) errorf(sec, res, format string, args ...any) {
	g.problems = append(g.problems, Problem{File: g.file, Gateway: g.gateway, Section: sec, Resource: res, Msg: fmt.Sprintf(format, args...)})
}

func (g *gatewayCheck) warnf(sec, res, format string, args ...any) {
	g.problems = append(g.problems, Problem{File: g.file, Gateway: g.gateway, Section: sec, Resource: res, Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (g *gatewayCheck) run(gw gatewayDump) {
	known := map[string]bool{}
	for _, s := range sections {
		known[s.key] = true
	}
	for _, k := range gw.keys {
		if !known[k] {
			g.errorf("", "", "unknown section %q (want listeners, routes, clusters, endpoints, secrets)", k)
		}
	}
	for _, s := range sections {
		raw, ok := gw.sections[s.key]
		if !ok {
			g.errorf(s.key, "", "section missing (an empty dump is {\"@type\": %q})", typePrefix+s.dumpType)
			continue
		}
		dump := g.loadSection(s, raw)
		if dump == nil {
			continue
		}
		g.extract(s, dump)
	}
	// Validate every resource and walk it (and every Any inside it).
	for _, r := range g.resources {
		g.validate(r.section, r.name, "", r.msg)
		g.walk(&walkCtx{section: r.section, resource: r.name, secondary: r.secondary}, r.msg.ProtoReflect(), "", nil)
	}
	g.crossCheck()
}

// loadSection unmarshals one section into its admin ConfigDump type, element by element so that each
// problem names the resource it is in.
func (g *gatewayCheck) loadSection(s section, raw json.RawMessage) proto.Message {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		g.errorf(s.key, "", "not a JSON object: %v", err)
		return nil
	}
	var typeURL string
	if t, ok := obj["@type"]; !ok {
		g.errorf(s.key, "", `missing "@type" (want %q)`, typePrefix+s.dumpType)
		return nil
	} else if err := json.Unmarshal(t, &typeURL); err != nil {
		g.errorf(s.key, "", `"@type" is not a string`)
		return nil
	}
	if typeURL != typePrefix+s.dumpType {
		g.errorf(s.key, "", "@type is %q, want %q", typeURL, typePrefix+s.dumpType)
		return nil
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(s.dumpType))
	if err != nil {
		g.errorf(s.key, "", "internal: %v", err)
		return nil
	}
	dump := mt.New()
	desc := dump.Descriptor()
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "@type" {
			continue
		}
		fd := desc.Fields().ByJSONName(k)
		if fd == nil {
			fd = desc.Fields().ByTextName(k)
		}
		if fd == nil {
			g.errorf(s.key, "", "unknown field %q in %s", k, s.dumpType)
			continue
		}
		if fd.IsList() && fd.Kind() == protoreflect.MessageKind {
			var elems []json.RawMessage
			if err := json.Unmarshal(obj[k], &elems); err != nil {
				g.errorf(s.key, "", "%s: not a list", k)
				continue
			}
			list := dump.Mutable(fd).List()
			for i, e := range elems {
				compact := compactJSON(e)
				elem := list.NewElement()
				if err := (protojson.UnmarshalOptions{}).Unmarshal(compact, elem.Message().Interface()); err != nil {
					name := guessName(s.key, compact)
					if g.broken[s.key] == nil {
						g.broken[s.key] = map[string]bool{}
					}
					g.broken[s.key][name] = true
					g.errorf(s.key, name, "%s[%d]: %s", k, i, explainProtojsonError(err, compact, fd.Message()))
					continue
				}
				list.Append(elem)
			}
			continue
		}
		// a scalar or single message field of the dump (e.g. ClustersConfigDump.versionInfo)
		one := append(append([]byte(`{"`), k...), `":`...)
		one = append(append(one, compactJSON(obj[k])...), '}')
		part := mt.New()
		if err := (protojson.UnmarshalOptions{}).Unmarshal(one, part.Interface()); err != nil {
			g.errorf(s.key, "", "%s", explainProtojsonError(err, one, desc))
			continue
		}
		proto.Merge(dump.Interface(), part.Interface())
	}
	return dump.Interface()
}

func compactJSON(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// guessName finds the resource name in an element that failed to unmarshal.
func guessName(section string, elem []byte) string {
	var m map[string]any
	if json.Unmarshal(elem, &m) != nil {
		return ""
	}
	get := func(m any, keys ...string) string {
		cur := m
		for _, k := range keys {
			obj, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			v, ok := obj[k]
			if !ok {
				v, ok = obj[snake(k)]
			}
			if !ok {
				return ""
			}
			cur = v
		}
		s, _ := cur.(string)
		return s
	}
	candidates := map[string][][]string{
		"listeners": {{"name"}, {"activeState", "listener", "name"}, {"listener", "name"}},
		"routes":    {{"routeConfig", "name"}},
		"clusters":  {{"cluster", "name"}},
		"endpoints": {{"endpointConfig", "clusterName"}},
		"secrets":   {{"name"}, {"secret", "name"}},
	}
	for _, c := range candidates[section] {
		if s := get(m, c...); s != "" {
			return s
		}
	}
	return ""
}

func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// extract pulls the xDS resources out of a ConfigDump.
func (g *gatewayCheck) extract(s section, dump proto.Message) {
	add := func(wrapperName, state string, a *anypb.Any) {
		if a == nil {
			g.errorf(s.key, wrapperName, "%s: no resource", state)
			return
		}
		want := typePrefix + s.resType
		if a.GetTypeUrl() != want {
			g.errorf(s.key, wrapperName, "%s: @type is %q, want %q", state, a.GetTypeUrl(), want)
			return
		}
		m, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{})
		if err != nil {
			g.errorf(s.key, wrapperName, "%s: %v", state, err)
			return
		}
		name := resourceName(m)
		if wrapperName != "" && name != wrapperName {
			g.errorf(s.key, name, "%s: the dump entry is named %q but the resource %q", state, wrapperName, name)
		}
		secondary := strings.HasPrefix(state, "dynamicWarming") || state == "warmingState" || state == "drainingState"
		g.resources = append(g.resources, resource{section: s.key, name: name, msg: m, secondary: secondary})
	}
	switch d := dump.(type) {
	case *adminv3.ListenersConfigDump:
		for _, l := range d.GetStaticListeners() {
			add("", "staticListeners", l.GetListener())
		}
		for _, l := range d.GetDynamicListeners() {
			states := 0
			for _, st := range []struct {
				name string
				s    *adminv3.ListenersConfigDump_DynamicListenerState
			}{{"activeState", l.GetActiveState()}, {"warmingState", l.GetWarmingState()}, {"drainingState", l.GetDrainingState()}} {
				if st.s != nil {
					states++
					add(l.GetName(), st.name, st.s.GetListener())
				}
			}
			if states == 0 {
				g.errorf(s.key, l.GetName(), "dynamic listener has no activeState (nor warming/draining state)")
			}
			if l.GetErrorState() != nil {
				g.errorf(s.key, l.GetName(), "errorState: %s", l.GetErrorState().GetDetails())
			}
		}
	case *adminv3.RoutesConfigDump:
		for _, r := range d.GetStaticRouteConfigs() {
			add("", "staticRouteConfigs", r.GetRouteConfig())
		}
		for _, r := range d.GetDynamicRouteConfigs() {
			add("", "dynamicRouteConfigs", r.GetRouteConfig())
		}
	case *adminv3.ClustersConfigDump:
		for _, c := range d.GetStaticClusters() {
			add("", "staticClusters", c.GetCluster())
		}
		for _, c := range d.GetDynamicActiveClusters() {
			add("", "dynamicActiveClusters", c.GetCluster())
		}
		for _, c := range d.GetDynamicWarmingClusters() {
			add("", "dynamicWarmingClusters", c.GetCluster())
		}
	case *adminv3.EndpointsConfigDump:
		for _, e := range d.GetStaticEndpointConfigs() {
			add("", "staticEndpointConfigs", e.GetEndpointConfig())
		}
		for _, e := range d.GetDynamicEndpointConfigs() {
			add("", "dynamicEndpointConfigs", e.GetEndpointConfig())
		}
	case *adminv3.SecretsConfigDump:
		for _, sc := range d.GetStaticSecrets() {
			add(sc.GetName(), "staticSecrets", sc.GetSecret())
		}
		for _, sc := range d.GetDynamicActiveSecrets() {
			add(sc.GetName(), "dynamicActiveSecrets", sc.GetSecret())
		}
		for _, sc := range d.GetDynamicWarmingSecrets() {
			add(sc.GetName(), "dynamicWarmingSecrets", sc.GetSecret())
		}
	}
}

// resourceName is the name Envoy knows a resource by.
func resourceName(m proto.Message) string {
	r := m.ProtoReflect()
	for _, f := range []protoreflect.Name{"name", "cluster_name"} {
		if fd := r.Descriptor().Fields().ByName(f); fd != nil && fd.Kind() == protoreflect.StringKind {
			return r.Get(fd).String()
		}
	}
	return ""
}

// validate runs protoc-gen-validate's ValidateAll (Envoy's own field rules) on one message and
// reports one problem per violated rule.
func (g *gatewayCheck) validate(sec, res, path string, m proto.Message) {
	v, ok := m.(interface{ ValidateAll() error })
	if !ok {
		return
	}
	err := v.ValidateAll()
	if err == nil {
		return
	}
	for _, leaf := range flattenValidation(err, path) {
		g.errorf(sec, res, "%s", leaf)
	}
}

// validationError is the interface every protoc-gen-validate error type implements.
type validationError interface {
	Field() string
	Reason() string
	Cause() error
	Key() bool
}

// flattenValidation turns a nested ValidateAll error into "path: reason" lines.
func flattenValidation(err error, path string) []string {
	if multi, ok := err.(interface{ AllErrors() []error }); ok {
		var out []string
		for _, e := range multi.AllErrors() {
			out = append(out, flattenValidation(e, path)...)
		}
		return out
	}
	ve, ok := err.(validationError)
	if !ok {
		if path == "" {
			return []string{err.Error()}
		}
		return []string{path + ": " + err.Error()}
	}
	p := joinPath(path, lowerFirst(ve.Field()))
	if ve.Key() {
		p += " (map key)"
	}
	if c := ve.Cause(); c != nil {
		if _, nested := c.(validationError); nested {
			return flattenValidation(c, p)
		}
		if _, nested := c.(interface{ AllErrors() []error }); nested {
			return flattenValidation(c, p)
		}
		return []string{fmt.Sprintf("%s: %s: %v", p, ve.Reason(), c)}
	}
	return []string{p + ": " + ve.Reason()}
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case strings.HasPrefix(b, "["):
		return a + b
	}
	return a + "." + b
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

var gcpVersion = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/envoyproxy/go-control-plane/envoy" {
				return d.Version
			}
		}
	}
	return "(unknown version)"
})
