package report

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/stacktui/stacktui/state"
)

// The documents' bulk, one InstanceDoc and one ServerDoc per server, is
// written by hand, indented exactly as json.MarshalIndent(x, "", "  ")
// writes it (FuzzAppendIsMarshalIndent; TestWriteJSONIsMarshalIndent for
// whole documents): at 50,000 servers, encoding/json's reflection and then
// indenting its output took 130-170 ms after the read, the hand-written
// encoding 70-85 (BenchmarkJSON50k 170-187 -> 79-82 ms). The rare and small
// parts (maintenance, summaries, the head) go through encoding/json and the
// indenter.

// open appends an opening bracket of a non-empty value and goes one level in.
func (in *indenter) open(out []byte, c byte) []byte {
	in.depth++
	return in.newline(append(out, c))
}

// close goes one level out and appends a closing bracket.
func (in *indenter) close(out []byte, c byte) []byte {
	in.depth--
	return append(in.newline(out), c)
}

// next appends the comma and line break between two members.
func (in *indenter) next(out []byte) []byte {
	return in.newline(append(out, ','))
}

// key appends a member's name, which must need no escaping, and its colon.
func key(out []byte, k string) []byte {
	return append(append(append(out, '"'), k...), `": `...)
}

// serviceHead is ServiceDoc without its instances.
type serviceHead struct {
	Name      string            `json:"name"`
	Backend   string            `json:"backend"`
	Summary   state.Summary     `json:"summary"`
	Diagnoses []state.Diagnosis `json:"diagnoses"`
}

// appendIndented appends d as json.MarshalIndent would, at in's depth.
func (d *ServiceDoc) appendIndented(b []byte, in *indenter) ([]byte, error) {
	head, err := json.Marshal(serviceHead{d.Name, d.Backend, d.Summary, d.Diagnoses})
	if err != nil {
		return b, err
	}
	b = key(in.next(in.feed(b, head[:len(head)-1])), "instances")
	b, err = appendArray(b, in, d.Instances, func(b []byte, x *InstanceDoc) ([]byte, error) { return x.appendIndented(b, in) })
	if err != nil {
		return b, err
	}
	return in.close(b, '}'), nil
}

// appendArray appends xs as json.MarshalIndent would, at in's depth, each
// element by elem.
func appendArray[T any](b []byte, in *indenter, xs []T, elem func([]byte, *T) ([]byte, error)) ([]byte, error) {
	switch {
	case xs == nil:
		return append(b, "null"...), nil
	case len(xs) == 0:
		return append(b, "[]"...), nil
	}
	b = in.open(b, '[')
	for i := range xs {
		if i > 0 {
			b = in.next(b)
		}
		var err error
		if b, err = elem(b, &xs[i]); err != nil {
			return b, err
		}
	}
	return in.close(b, ']'), nil
}

// appendArrayOf is appendArray for elements that cannot fail.
func appendArrayOf[T any](b []byte, in *indenter, xs []T, elem func([]byte, *T) []byte) []byte {
	b, _ = appendArray(b, in, xs, func(b []byte, x *T) ([]byte, error) { return elem(b, x), nil })
	return b
}

// appendIndented appends d as json.MarshalIndent would, at in's depth.
func (d *ServerDoc) appendIndented(b []byte, in *indenter) []byte {
	b = appendString(key(in.open(b, '{'), "backend"), d.Backend)
	b = appendString(key(in.next(b), "server"), d.Server)
	b = appendString(key(in.next(b), "addr"), d.Addr)
	b = appendServerState(b, in, d.Status, d.CheckStatus, d.CheckCode, d.Weight, d.SCur)
	b = strconv.AppendInt(key(in.next(b), "rate"), d.Rate, 10)
	b = strconv.AppendInt(key(in.next(b), "req_rate"), d.ReqRate, 10)
	b = strconv.AppendInt(key(in.next(b), "hrsp_5xx"), d.Hrsp5xx, 10)
	return in.close(b, '}')
}

// appendIndented appends d as json.MarshalIndent would, at in's depth.
func (d *SeenDoc) appendIndented(b []byte, in *indenter) []byte {
	b = appendString(key(in.open(b, '{'), "socket"), d.Socket)
	b = strconv.AppendBool(key(in.next(b), "present"), d.Present)
	if d.ByAddr {
		b = append(key(in.next(b), "by_addr"), "true"...)
	}
	b = appendString(key(in.next(b), "backend"), d.Backend)
	b = appendString(key(in.next(b), "server"), d.Server)
	b = appendServerState(b, in, d.Status, d.CheckStatus, d.CheckCode, d.Weight, d.SCur)
	return in.close(b, '}')
}

// appendServerState appends the members ServerDoc and SeenDoc share, in
// their order: status, check_status, check_code (omitted when 0), weight
// and scur.
func appendServerState(b []byte, in *indenter, status, checkStatus string, checkCode, weight int, scur int64) []byte {
	b = appendString(key(in.next(b), "status"), status)
	b = appendString(key(in.next(b), "check_status"), checkStatus)
	if checkCode != 0 {
		b = strconv.AppendInt(key(in.next(b), "check_code"), int64(checkCode), 10)
	}
	b = strconv.AppendInt(key(in.next(b), "weight"), int64(weight), 10)
	return strconv.AppendInt(key(in.next(b), "scur"), scur, 10)
}

// appendIndented appends d as json.MarshalIndent would, at in's depth.
func (d *InstanceDoc) appendIndented(b []byte, in *indenter) ([]byte, error) {
	b = appendString(key(in.open(b, '{'), "name"), d.Name)
	b = appendString(key(in.next(b), "server"), d.Server)
	b = appendString(key(in.next(b), "host"), d.Host)
	b = strconv.AppendInt(key(in.next(b), "port"), int64(d.Port), 10)
	b = key(in.next(b), "weight")
	if d.Weight == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*d.Weight), 10)
	}
	b = appendStringMap(key(in.next(b), "labels"), d.Labels, in)
	b = strconv.AppendBool(key(in.next(b), "registered"), d.Registered)
	b = appendString(key(in.next(b), "znode"), d.Znode)
	if d.Session != "" {
		b = appendString(key(in.next(b), "session"), d.Session)
	}
	if d.Member != "" {
		b = appendString(key(in.next(b), "member"), d.Member)
	}
	if len(d.Duplicates) > 0 {
		b = appendArrayOf(key(in.next(b), "duplicates"), in, d.Duplicates, func(b []byte, s *string) []byte { return appendString(b, *s) })
	}
	if d.Malformed != "" {
		b = appendString(key(in.next(b), "malformed"), d.Malformed)
	}
	b = appendArrayOf(key(in.next(b), "haproxy"), in, d.HAProxy, func(b []byte, s *SeenDoc) []byte { return s.appendIndented(b, in) })
	b = appendDiagnoses(key(in.next(b), "diagnoses"), d.Diagnoses, in)
	b = appendString(key(in.next(b), "worst"), string(d.Worst))
	if len(d.Maintenance) > 0 {
		m, err := json.Marshal(d.Maintenance)
		if err != nil {
			return b, err
		}
		b = in.feed(key(in.next(b), "maintenance"), m)
	}
	return in.close(b, '}'), nil
}

// appendDiagnoses appends ds as json.MarshalIndent would, at in's depth.
func appendDiagnoses(b []byte, ds []state.Diagnosis, in *indenter) []byte {
	return appendArrayOf(b, in, ds, func(b []byte, d *state.Diagnosis) []byte {
		b = appendString(key(in.open(b, '{'), "code"), string(d.Code))
		b = appendString(key(in.next(b), "text"), d.Text)
		return in.close(b, '}')
	})
}

// appendStringMap appends m as json.MarshalIndent would (keys sorted), at
// in's depth.
func appendStringMap(b []byte, m map[string]string, in *indenter) []byte {
	switch {
	case m == nil:
		return append(b, "null"...)
	case len(m) == 0:
		return append(b, "{}"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = in.open(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = in.next(b)
		}
		b = appendString(append(appendString(b, k), ": "...), m[k])
	}
	return in.close(b, '}')
}

// appendString appends s quoted as json.Marshal quotes it: '"', '\\' and
// the control characters escaped (\b \f \n \r \t by name), '<', '>', '&',
// U+2028 and U+2029 as \u escapes, and every byte that is not valid UTF-8
// as \ufffd.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// jsonPlain marks the ASCII bytes json.Marshal copies as they are.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()
