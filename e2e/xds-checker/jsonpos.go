package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

var protojsonPos = regexp.MustCompile(`\(line (\d+):(\d+)\)`)

// explainProtojsonError rewrites a protojson error about `data` (which was being unmarshalled into a
// message of type `root`, if known) so that it names the JSON path of the offending token instead of
// a line:column in a JSON text the user never saw, and adds a hint for the well-known types whose
// proto3 JSON spelling is special.
func explainProtojsonError(err error, data []byte, root protoreflect.MessageDescriptor) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "proto: ")
	msg = strings.TrimPrefix(msg, "proto:\u00a0") // protojson sometimes uses a non-breaking space
	if m := protojsonPos.FindStringSubmatchIndex(msg); m != nil {
		line, _ := strconv.Atoi(msg[m[2]:m[3]])
		col, _ := strconv.Atoi(msg[m[4]:m[5]])
		segs := jsonSegmentsAt(data, offsetOf(data, line, col))
		path := formatPath(segs)
		where := "at top level"
		if path != "" {
			where = "at " + path
		}
		if root != nil {
			if h := wellKnownHint(data, root, segs); h != "" {
				where += "; " + h
			}
		}
		msg = strings.TrimSpace(msg[:m[0]]) + strings.TrimSpace(msg[m[1]:]) + " (" + where + ")"
		msg = strings.TrimPrefix(msg, ":")
		msg = strings.TrimSpace(msg)
	}
	msg = unresolved.ReplaceAllString(msg, `unknown type "$1": no Envoy message of that name in go-control-plane `+gcpVersion()+` (misspelled @type?)`)
	return msg
}

var unresolved = regexp.MustCompile(`unable to resolve "([^"]*)": "?not found"?`)

// offsetOf converts protojson's 1-based line and rune column into a byte offset.
func offsetOf(data []byte, line, col int) int {
	off := 0
	for l := 1; l < line && off < len(data); off++ {
		if data[off] == '\n' {
			l++
		}
	}
	for c := 1; c < col && off < len(data); c++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

type pathFrame struct {
	array bool
	index int
	key   string
	// expectKey is true in an object when the next string is a key.
	expectKey bool
}

// jsonPathAt returns the path (`a.b[2].c`) of the JSON token that starts at or after byte offset
// `at` of the valid JSON text `data`. For a key, the path ends with that key.
func jsonPathAt(data []byte, at int) string {
	return formatPath(jsonSegmentsAt(data, at))
}

func jsonSegmentsAt(data []byte, at int) []pathFrame {
	var stack []pathFrame
	i := 0
	for i < len(data) {
		c := data[i]
		switch c {
		case ' ', '\t', '\n', '\r', ':':
			i++
			continue
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].array {
					stack[n-1].index++
				} else {
					stack[n-1].expectKey = true
				}
			}
			i++
			continue
		case '}', ']':
			if i >= at {
				return append([]pathFrame(nil), stack...)
			}
			stack = stack[:len(stack)-1]
			i++
			continue
		}
		// a token starts here
		isKey := len(stack) > 0 && !stack[len(stack)-1].array && stack[len(stack)-1].expectKey
		if i >= at {
			if isKey {
				k, _ := readJSONString(data, i)
				stack[len(stack)-1].key = k
				stack[len(stack)-1].expectKey = false
				return append([]pathFrame(nil), stack...)
			}
			return append([]pathFrame(nil), stack...)
		}
		switch c {
		case '{':
			stack = append(stack, pathFrame{expectKey: true})
			i++
		case '[':
			stack = append(stack, pathFrame{array: true})
			i++
		case '"':
			s, end := readJSONString(data, i)
			if isKey {
				stack[len(stack)-1].key = s
				stack[len(stack)-1].expectKey = false
			}
			i = end
		default: // number, true, false, null
			for i < len(data) && !strings.ContainsRune(",}] \t\n\r", rune(data[i])) {
				i++
			}
		}
	}
	return append([]pathFrame(nil), stack...)
}

// wellKnownHint names the proto3 JSON spelling of the field at segs when it is a well-known type
// with a special spelling (Duration, wrappers, Timestamp, …).
func wellKnownHint(data []byte, root protoreflect.MessageDescriptor, segs []pathFrame) string {
	var cur any
	if json.Unmarshal(data, &cur) != nil {
		return ""
	}
	desc := root
	var fd protoreflect.FieldDescriptor
	for _, s := range segs {
		if s.array {
			if l, ok := cur.([]any); ok && s.index < len(l) {
				cur = l[s.index]
			}
			continue
		}
		if s.key == "" {
			continue
		}
		obj, _ := cur.(map[string]any)
		if desc == nil {
			return ""
		}
		if desc.FullName() == anyName {
			t, _ := obj["@type"].(string)
			mt, err := protoregistry.GlobalTypes.FindMessageByURL(t)
			if err != nil {
				return ""
			}
			desc = mt.Descriptor()
		}
		fd = desc.Fields().ByJSONName(s.key)
		if fd == nil {
			fd = desc.Fields().ByTextName(s.key)
		}
		if fd == nil {
			return ""
		}
		cur = obj[s.key]
		switch {
		case fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind:
			desc = fd.MapValue().Message()
		case fd.Kind() == protoreflect.MessageKind:
			desc = fd.Message()
		default:
			desc = nil
		}
	}
	if fd == nil || fd.Kind() != protoreflect.MessageKind {
		return ""
	}
	name := fd.Message().FullName()
	switch {
	case name == "google.protobuf.Duration":
		return fmt.Sprintf("%s is a google.protobuf.Duration: write a string like \"5s\" or \"0.250s\"", fd.JSONName())
	case name == "google.protobuf.Timestamp":
		return fmt.Sprintf("%s is a google.protobuf.Timestamp: write an RFC 3339 string like \"2024-01-02T03:04:05Z\"", fd.JSONName())
	case strings.HasPrefix(string(name), "google.protobuf.") && strings.HasSuffix(string(name), "Value") &&
		name != "google.protobuf.Value" && name != "google.protobuf.ListValue":
		return fmt.Sprintf("%s is a %s wrapper: write the bare value, not {\"value\": …}", fd.JSONName(), name)
	case name == "google.protobuf.FieldMask":
		return fmt.Sprintf("%s is a google.protobuf.FieldMask: write one string of comma-separated lowerCamelCase paths", fd.JSONName())
	case name == anyName:
		return fmt.Sprintf("%s is a google.protobuf.Any: an object with \"@type\": \"type.googleapis.com/<full message name>\" and the message's fields beside it", fd.JSONName())
	}
	return ""
}

func formatPath(stack []pathFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			fmt.Fprintf(&b, "[%d]", f.index)
		} else if f.key != "" {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
	}
	return b.String()
}

// readJSONString reads the string starting at data[i] == '"' and returns it and the offset after it.
func readJSONString(data []byte, i int) (string, int) {
	j := i + 1
	for j < len(data) {
		if data[j] == '\\' {
			j += 2
			continue
		}
		if data[j] == '"' {
			break
		}
		j++
	}
	end := j + 1
	if end > len(data) {
		end = len(data)
	}
	var s string
	if err := json.Unmarshal(data[i:end], &s); err != nil {
		s = string(data[i+1 : j])
	}
	return s, end
}
