package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var protojsonPos = regexp.MustCompile(`\(line (\d+):(\d+)\)`)

// explainProtojsonError rewrites a protojson error about `data` so that it names the JSON path of
// the offending token instead of a line:column in a JSON text the user never saw.
func explainProtojsonError(err error, data []byte) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "proto: ")
	msg = strings.TrimPrefix(msg, "proto:\u00a0") // protojson sometimes uses a non-breaking space
	if m := protojsonPos.FindStringSubmatchIndex(msg); m != nil {
		line, _ := strconv.Atoi(msg[m[2]:m[3]])
		col, _ := strconv.Atoi(msg[m[4]:m[5]])
		path := jsonPathAt(data, offsetOf(data, line, col))
		where := "at top level"
		if path != "" {
			where = "at " + path
		}
		msg = strings.TrimSpace(msg[:m[0]]+msg[m[1]:]) + " (" + where + ")"
		msg = strings.TrimPrefix(msg, ": ")
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
				return formatPath(stack)
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
				return formatPath(stack)
			}
			return formatPath(stack)
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
	return formatPath(stack)
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
