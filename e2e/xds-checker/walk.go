package main

import (
	"fmt"
	"sort"

	"github.com/envoyproxy/go-control-plane/envoy/annotations"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// walkCtx says which top-level resource a walk is in.
type walkCtx struct {
	section, resource string
	secondary         bool
	ipCluster         bool // a STATIC or EDS cluster: its endpoint addresses must be IPs
}

const (
	anyName          = "google.protobuf.Any"
	typedStructXDS   = "xds.type.v3.TypedStruct"
	typedStructUDPA  = "udpa.type.v1.TypedStruct"
	configSourceName = "envoy.config.core.v3.ConfigSource"
)

// walk visits m and every message below it, unpacking every google.protobuf.Any (and TypedStruct,
// which Envoy accepts in place of any extension config) and validating what it unpacks: ValidateAll
// never looks inside an Any. anc holds the full names of the enclosing messages, outermost first.
// Paths use proto3 JSON names; an unpacked Any shows its type: `typedConfig(HttpConnectionManager)`.
func (g *gatewayCheck) walk(ctx *walkCtx, m protoreflect.Message, path string, anc []protoreflect.FullName) {
	g.checkDeprecated(ctx, m, path)
	g.visit(ctx, m, path, anc)
	anc = append(anc[:len(anc):len(anc)], m.Descriptor().FullName())

	type field struct {
		fd protoreflect.FieldDescriptor
		v  protoreflect.Value
	}
	var fields []field
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind ||
			(fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind) {
			fields = append(fields, field{fd, v})
		}
		return true
	})
	sort.Slice(fields, func(i, j int) bool { return fields[i].fd.Number() < fields[j].fd.Number() })
	for _, f := range fields {
		p := joinPath(path, f.fd.JSONName())
		switch {
		case f.fd.IsList():
			l := f.v.List()
			for i := 0; i < l.Len(); i++ {
				g.child(ctx, l.Get(i).Message(), fmt.Sprintf("%s[%d]", p, i), anc)
			}
		case f.fd.IsMap():
			mp := f.v.Map()
			var keys []protoreflect.MapKey
			mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
				keys = append(keys, k)
				return true
			})
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for _, k := range keys {
				g.child(ctx, mp.Get(k).Message(), fmt.Sprintf("%s[%q]", p, k.String()), anc)
			}
		default:
			g.child(ctx, f.v.Message(), p, anc)
		}
	}
}

func (g *gatewayCheck) child(ctx *walkCtx, m protoreflect.Message, path string, anc []protoreflect.FullName) {
	if m.Descriptor().FullName() != anyName {
		g.walk(ctx, m, path, anc)
		return
	}
	a, ok := m.Interface().(*anypb.Any)
	if !ok { // a dynamic Any; should not happen with generated types
		a = &anypb.Any{}
		proto.Merge(a, m.Interface())
	}
	if a.GetTypeUrl() == "" {
		g.errorf(ctx.section, ctx.resource, "%s: empty google.protobuf.Any (no \"@type\")", path)
		return
	}
	inner, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{})
	if err != nil {
		if err == protoregistry.NotFound {
			g.errorf(ctx.section, ctx.resource, "%s: unknown type %q: no Envoy message of that name in go-control-plane %s", path, a.GetTypeUrl(), gcpVersion())
		} else {
			g.errorf(ctx.section, ctx.resource, "%s: cannot unpack %q: %v", path, a.GetTypeUrl(), err)
		}
		return
	}
	ipath := path + "(" + string(inner.ProtoReflect().Descriptor().Name()) + ")"
	g.validate(ctx.section, ctx.resource, ipath, inner)
	g.walk(ctx, inner.ProtoReflect(), ipath, anc)

	// A TypedStruct carries the real config as a Struct: convert it the way Envoy does.
	if fn := inner.ProtoReflect().Descriptor().FullName(); fn == typedStructXDS || fn == typedStructUDPA {
		r := inner.ProtoReflect()
		typeURL := r.Get(r.Descriptor().Fields().ByName("type_url")).String()
		st, _ := r.Get(r.Descriptor().Fields().ByName("value")).Message().Interface().(*structpb.Struct)
		mt, err := protoregistry.GlobalTypes.FindMessageByURL(typeURL)
		if err != nil {
			g.errorf(ctx.section, ctx.resource, "%s.typeUrl: unknown type %q", ipath, typeURL)
			return
		}
		js, _ := protojson.Marshal(st)
		real := mt.New().Interface()
		if err := protojson.Unmarshal(js, real); err != nil {
			g.errorf(ctx.section, ctx.resource, "%s.value: as %s: %s", ipath, mt.Descriptor().FullName(), explainProtojsonError(err, js, mt.Descriptor()))
			return
		}
		rpath := ipath + ".value(" + string(mt.Descriptor().Name()) + ")"
		g.validate(ctx.section, ctx.resource, rpath, real)
		g.walk(ctx, real.ProtoReflect(), rpath, anc)
	}
}

// checkDeprecated reports fields and enum values that Envoy rejects (disallowed by default) or warns
// about (deprecated) when it loads the config.
func (g *gatewayCheck) checkDeprecated(ctx *walkCtx, m protoreflect.Message, path string) {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		set := m.Has(fd)
		if set {
			if opts, ok := fd.Options().(*descriptorpb.FieldOptions); ok && opts != nil {
				if proto.GetExtension(opts, annotations.E_DisallowedByDefault).(bool) {
					g.errorf(ctx.section, ctx.resource, "%s: field %s is deprecated and disallowed by default", joinPath(path, fd.JSONName()), fd.FullName())
				} else if opts.GetDeprecated() {
					g.warnf(ctx.section, ctx.resource, "%s: field %s is deprecated", joinPath(path, fd.JSONName()), fd.FullName())
				}
			}
		}
		if fd.Kind() != protoreflect.EnumKind || fd.IsMap() {
			continue
		}
		// Envoy also warns when a singular enum is left at a deprecated default (e.g. AUTO for
		// ConfigSource.resourceApiVersion).
		var values []protoreflect.EnumNumber
		switch {
		case fd.IsList():
			l := m.Get(fd).List()
			for j := 0; j < l.Len(); j++ {
				values = append(values, l.Get(j).Enum())
			}
		case set || !fd.HasPresence():
			values = append(values, m.Get(fd).Enum())
		}
		for _, n := range values {
			ev := fd.Enum().Values().ByNumber(n)
			if ev == nil {
				g.warnf(ctx.section, ctx.resource, "%s: %d is not a value of %s", joinPath(path, fd.JSONName()), n, fd.Enum().FullName())
				continue
			}
			opts, ok := ev.Options().(*descriptorpb.EnumValueOptions)
			if !ok || opts == nil {
				continue
			}
			what := "value"
			if !set && !fd.IsList() {
				what = "default value (unset field)"
			}
			if proto.GetExtension(opts, annotations.E_DisallowedByDefaultEnum).(bool) {
				g.errorf(ctx.section, ctx.resource, "%s: %s %s is deprecated and disallowed by default", joinPath(path, fd.JSONName()), what, ev.Name())
			} else if opts.GetDeprecated() {
				g.warnf(ctx.section, ctx.resource, "%s: %s %s of %s is deprecated", joinPath(path, fd.JSONName()), what, ev.Name(), fd.Enum().FullName())
			}
		}
	}
}
