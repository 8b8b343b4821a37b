package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// decodeDoc turns a JSON or YAML document into generic values (maps with
// string keys, slices, strings, json.Number/int/float64, bools, nil). JSON is
// chosen by extension or when the content starts with '{' or '[', because
// encoding/json reports syntax errors with an exact offset; everything else is
// read as YAML (which Nerve and newer Synapse accept). what names the kind of
// file for messages, e.g. "synapse config".
func decodeDoc(data []byte, name, what string) (any, error) {
	if err := checkERB(data, name, what); err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s %s is empty: point stacktui at the rendered config file", what, name)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".json" || trimmed[0] == '{' || trimmed[0] == '[' {
		return decodeJSON(data, name, what)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s %s is not valid YAML or JSON: %s; fix the file", what, name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return normalize(v), nil
}

func decodeJSON(data []byte, name, what string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		// Anything after the first value is an error too.
		var extra any
		if err2 := dec.Decode(&extra); err2 != io.EOF {
			line, col := lineCol(data, dec.InputOffset())
			return nil, fmt.Errorf("%s %s: unexpected data after the JSON document near line %d column %d; fix the file", what, name, line, col)
		}
	}
	if err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			// Offset counts the offending byte; point at it, not after it.
			line, col := lineCol(data, max(se.Offset-1, 0))
			return nil, fmt.Errorf("%s %s is not valid JSON at line %d column %d: %v; fix the file", what, name, line, col, se)
		case err.Error() == "unexpected EOF":
			line, col := lineCol(data, int64(len(data)))
			return nil, fmt.Errorf("%s %s is not valid JSON: it ends early at line %d column %d (a missing } or ]?); fix the file", what, name, line, col)
		default:
			return nil, fmt.Errorf("%s %s is not valid JSON: %v; fix the file", what, name, err)
		}
	}
	return v, nil
}

// lineCol converts a byte offset to a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// checkERB refuses ERB templates: chef and puppet render synapse.conf.json.erb
// on the host; stacktui cannot know their variables.
func checkERB(data []byte, name, what string) error {
	i := bytes.Index(data, []byte("<%"))
	isERB := strings.HasSuffix(strings.ToLower(name), ".erb") ||
		(i >= 0 && bytes.Contains(data[i:], []byte("%>")))
	if !isERB {
		return nil
	}
	if i < 0 {
		return fmt.Errorf("%s %s is an ERB template (.erb): stacktui cannot render templates; pass the rendered file instead (usually /etc/%s)",
			what, name, strings.TrimSuffix(filepath.Base(name), ".erb"))
	}
	line, _ := lineCol(data, int64(i))
	return fmt.Errorf("%s %s is an ERB template (\"<%%\" at line %d): stacktui cannot render templates; pass the rendered file that chef/puppet wrote instead",
		what, name, line)
}

// normalize converts YAML's map[any]any (non-string keys) into map[string]any
// so the walkers see one shape whatever the format.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalize(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = normalize(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = normalize(x)
		}
		return t
	default:
		return v
	}
}

// lineIndex maps each field's dotted path (as the walkers name them, e.g.
// services.a.hosts[0]) to its line. JSON is read as YAML for this, which
// works for all but exotic JSON; nil when the text cannot be indexed.
func lineIndex(data []byte) map[string]int {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return nil
	}
	idx := map[string]int{}
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		if depth > 100 {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := join(path, n.Content[i].Value)
				idx[p] = n.Content[i].Line
				walk(n.Content[i+1], p, depth+1)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				idx[p] = c.Line
				walk(c, p, depth+1)
			}
		}
	}
	walk(&root, "", 0)
	return idx
}
