package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// gatewayDump is one gateway's entry under `xds:`: section name → the section's JSON.
type gatewayDump struct {
	name     string
	sections map[string]json.RawMessage
	keys     []string // section keys in input order, for error messages about unknown keys
}

// readInput reads a file ("-" is stdin).
func readInput(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(path)
}

// loadXDS finds the `xds` map in a JSON or (multi-document) YAML file and returns its gateways,
// sorted by name. Keys other than `xds` at the top level are ignored. A file must hold at least one
// `xds` key; gateways may appear in several YAML documents but not twice.
func loadXDS(data []byte) ([]gatewayDump, error) {
	docs, err := toJSONDocs(data)
	if err != nil {
		return nil, err
	}
	found := false
	var out []gatewayDump
	seen := map[string]bool{}
	for i, doc := range docs {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(doc, &top); err != nil {
			if bytes.Equal(bytes.TrimSpace(doc), []byte("null")) {
				continue // empty YAML document
			}
			return nil, fmt.Errorf("document %d: top level is not a map", i+1)
		}
		raw, ok := top["xds"]
		if !ok {
			continue
		}
		found = true
		var gws map[string]json.RawMessage
		if err := json.Unmarshal(raw, &gws); err != nil {
			if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
				continue // `xds:` with nothing under it
			}
			return nil, fmt.Errorf("document %d: xds is not a map of <namespace>/<gateway> to sections", i+1)
		}
		for name, g := range gws {
			if seen[name] {
				return nil, fmt.Errorf("gateway %s appears twice", name)
			}
			seen[name] = true
			gd := gatewayDump{name: name}
			keys, err := objectKeys(g)
			if err != nil {
				return nil, fmt.Errorf("%s: not a map of sections (listeners, routes, clusters, endpoints, secrets)", name)
			}
			gd.keys = keys
			if err := json.Unmarshal(g, &gd.sections); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			out = append(out, gd)
		}
	}
	if !found {
		return nil, fmt.Errorf("no top-level `xds` key")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// objectKeys returns the keys of a JSON object in input order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// toJSONDocs turns the input into one JSON text per document. JSON input (first non-blank byte `{`)
// is passed through untouched so that numbers keep their exact spelling; anything else is YAML.
func toJSONDocs(data []byte) ([][]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if !json.Valid(trimmed) {
			// Let encoding/json say where.
			var v any
			err := json.Unmarshal(trimmed, &v)
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		return [][]byte{trimmed}, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs [][]byte
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %v", err)
		}
		var buf bytes.Buffer
		if err := yamlToJSON(&n, &buf); err != nil {
			return nil, err
		}
		docs = append(docs, buf.Bytes())
	}
	return docs, nil
}

// yamlToJSON converts a YAML node tree to JSON, keeping integer literals exact (uint64 values
// survive) and strings as strings (YAML 1.2 core schema, as yaml.v3 resolves it).
func yamlToJSON(n *yaml.Node, w *bytes.Buffer) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			w.WriteString("null")
			return nil
		}
		return yamlToJSON(n.Content[0], w)
	case yaml.AliasNode:
		return yamlToJSON(n.Alias, w)
	case yaml.MappingNode:
		w.WriteByte('{')
		first := true
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if seen[k.Value] {
				return fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			seen[k.Value] = true
			if k.Tag == "!!merge" {
				return fmt.Errorf("line %d: YAML merge keys (<<) are not supported", k.Line)
			}
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: map key is not a scalar", k.Line)
			}
			if !first {
				w.WriteByte(',')
			}
			first = false
			kb, _ := json.Marshal(k.Value)
			w.Write(kb)
			w.WriteByte(':')
			if err := yamlToJSON(v, w); err != nil {
				return err
			}
		}
		w.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := yamlToJSON(c, w); err != nil {
				return err
			}
		}
		w.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			w.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return fmt.Errorf("line %d: %v", n.Line, err)
			}
			w.WriteString(strconv.FormatBool(b))
		case "!!int":
			v := strings.ReplaceAll(n.Value, "_", "")
			if isDecimal(v) {
				w.WriteString(strings.TrimPrefix(v, "+"))
				return nil
			}
			var i int64
			if err := n.Decode(&i); err != nil {
				var u uint64
				if err2 := n.Decode(&u); err2 != nil {
					return fmt.Errorf("line %d: %v", n.Line, err)
				}
				w.WriteString(strconv.FormatUint(u, 10))
				return nil
			}
			w.WriteString(strconv.FormatInt(i, 10))
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return fmt.Errorf("line %d: %v", n.Line, err)
			}
			switch {
			case math.IsNaN(f):
				w.WriteString(`"NaN"`) // proto3 JSON spelling
			case math.IsInf(f, 1):
				w.WriteString(`"Infinity"`)
			case math.IsInf(f, -1):
				w.WriteString(`"-Infinity"`)
			default:
				w.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			}
		default: // !!str, !!binary, !!timestamp (kept as written) …
			b, _ := json.Marshal(n.Value)
			w.Write(b)
		}
		return nil
	}
	return fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func isDecimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
