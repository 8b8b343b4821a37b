package config

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// walker reads typed fields out of a decoded document and collects wrong-type
// errors with the field's dotted path, so one run reports every problem.
// data, when set, is the document's text, used to find each field's line.
type walker struct {
	data []byte
	errs []walkErr
}

type walkErr struct{ path, msg string }

func (w *walker) fail(path, want string, got any) {
	w.errs = append(w.errs, walkErr{path, fmt.Sprintf("%s: want %s, got %s", path, want, describe(got))})
}

// err returns the collected errors as one, naming the file, each field (with
// its line when the text can be indexed) and the fix.
func (w *walker) err(what, name string) error {
	if len(w.errs) == 0 {
		return nil
	}
	var lines map[string]int
	if w.data != nil {
		lines = lineIndex(w.data)
	}
	const max = 8
	errs := w.errs
	more := ""
	if len(errs) > max {
		more = fmt.Sprintf(" (and %d more)", len(errs)-max)
		errs = errs[:max]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.msg
		if l, ok := lines[e.path]; ok {
			msgs[i] = fmt.Sprintf("line %d: %s", l, e.msg)
		}
	}
	return fmt.Errorf("%s %s has fields of the wrong type: %s%s; fix the file", what, name, strings.Join(msgs, "; "), more)
}

func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		if len(t) > 40 {
			t = t[:40] + "..."
		}
		return fmt.Sprintf("string %q", t)
	case bool:
		return fmt.Sprintf("boolean %v", t)
	case json.Number, int, int64, uint64, float64:
		return fmt.Sprintf("number %v", t)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// obj returns m[key] as an object; absent or null gives nil without error.
func (w *walker) obj(m map[string]any, key, path string) map[string]any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		w.fail(join(path, key), "an object", v)
		return nil
	}
	return o
}

// str returns m[key] as a string; numbers are accepted and formatted (YAML
// reads `port: 80` and `name: 123` as numbers).
func (w *walker) str(m map[string]any, key, path string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(t)
	}
	w.fail(join(path, key), "a string", v)
	return ""
}

// integer returns m[key] as an int, accepting a number or a numeric string
// (Nerve and Synapse both accept "3000" for a port). ok is false when absent.
func (w *walker) integer(m map[string]any, key, path string) (n int, ok bool) {
	v, present := m[key]
	if !present || v == nil {
		return 0, false
	}
	n, good := toInt(v)
	if !good {
		w.fail(join(path, key), "an integer", v)
		return 0, false
	}
	return n, true
}

func toInt(v any) (int, bool) {
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		if t > math.MaxInt32 || t < math.MinInt32 {
			return 0, false
		}
		return int(t), true
	case uint64:
		if t > math.MaxInt32 {
			return 0, false
		}
		return int(t), true
	case float64:
		if t != math.Trunc(t) || t > math.MaxInt32 || t < math.MinInt32 {
			return 0, false
		}
		return int(t), true
	case json.Number:
		return toInt(strings.TrimSpace(t.String()))
	case string:
		s := strings.TrimSpace(t)
		if i, err := strconv.ParseInt(s, 10, 32); err == nil {
			return int(i), true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
			return int(f), true
		}
	}
	return 0, false
}

// number returns m[key] as a float (check timeouts such as 0.5).
func (w *walker) number(m map[string]any, key, path string) float64 {
	v, ok := m[key]
	if !ok || v == nil {
		return 0
	}
	switch t := v.(type) {
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	case float64:
		return t
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(t), 64); err == nil {
			return f
		}
	}
	w.fail(join(path, key), "a number", v)
	return 0
}

// boolean returns m[key] as a bool, or def when absent or null.
func (w *walker) boolean(m map[string]any, key, path string, def bool) bool {
	v, ok := m[key]
	if !ok || v == nil {
		return def
	}
	switch t := v.(type) {
	case bool:
		return t
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "yes", "on", "1":
			return true
		case "false", "no", "off", "0":
			return false
		}
	}
	w.fail(join(path, key), "true or false", v)
	return def
}

// strList returns m[key] as strings; a single string is a one-element list
// (Synapse accepts `hosts: "zk:2181"` and a list for socket_file_path).
func (w *walker) strList(m map[string]any, key, path string) []string {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for i, x := range t {
			s, ok := x.(string)
			if !ok {
				w.fail(fmt.Sprintf("%s[%d]", join(path, key), i), "a string", x)
				continue
			}
			out = append(out, s)
		}
		return out
	}
	w.fail(join(path, key), "a string or a list of strings", v)
	return nil
}

// strMap returns m[key] as a string map (Nerve labels); scalar values are
// formatted, anything else is an error.
func (w *walker) strMap(m map[string]any, key, path string) map[string]string {
	o := w.obj(m, key, path)
	if o == nil {
		return nil
	}
	out := make(map[string]string, len(o))
	for _, k := range sortedKeys(o) {
		switch t := o[k].(type) {
		case string:
			out[k] = t
		case nil:
			out[k] = ""
		case json.Number, int, int64, uint64, float64, bool:
			out[k] = fmt.Sprint(t)
		default:
			w.fail(join(join(path, key), k), "a string", t)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
