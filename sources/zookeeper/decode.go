package zookeeper

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stacktui/stacktui/sources"
)

// MaxRaw is how much of a znode's data a Registration keeps in Raw: the
// largest reply the go-zookeeper client reads (its 1.5 MiB buffer), so Raw
// is always the whole payload and a trace records it exactly. Real Nerve
// payloads are under a kilobyte; only a broken registry pays for more.
const MaxRaw = 1536 << 10

// UnreadablePrefix starts the Malformed text of a registration that was
// listed but could not be read (e.g. its ACL refuses us); the rest is why.
const UnreadablePrefix = "could not read: "

// maxPayload is the size above which a payload that does not decode is
// said to be far larger than a Nerve registration (real ones are under a
// kilobyte even with labels). A large payload that decodes is a valid
// registration: Synapse takes it.
const maxPayload = 64 << 10

// encodedPrefix marks Nerve's path-encoded child names (use_path_encoding).
const encodedPrefix = "base64_"

// DecodeNodeName splits a registration's child name. prefix is the name
// without its "_<seq>" suffix, seq the numeric suffix (-1 when the last
// "_"-separated part is not all digits, as Synapse reads it). For
// path-encoded names ("base64_<len>_<urlsafe b64>_<seq>") encoded holds the
// decoded bytes (the JSON Synapse uses instead of the data) and ok says
// whether decoding worked; plain names always give ok true and encoded nil.
func DecodeNodeName(node string) (prefix string, seq int64, encoded []byte, ok bool) {
	prefix, seq = node, -1
	if i := strings.LastIndexByte(node, '_'); i >= 0 && isDigits(node[i+1:]) {
		if n, err := strconv.ParseInt(node[i+1:], 10, 64); err == nil {
			prefix, seq = node[:i], n
		}
	}
	if !strings.HasPrefix(node, encodedPrefix) {
		return prefix, seq, nil, true
	}
	b, err := decodeEncodedName(node)
	if err != nil {
		return prefix, seq, nil, false
	}
	return prefix, seq, b, true
}

// decodeEncodedName reads "base64_<len>_<b64>..." the way Synapse's
// parse_base64_encoded_prefix does: <len> is the length of the base64 text,
// which is urlsafe and may itself contain "_" and "-".
func decodeEncodedName(node string) ([]byte, error) {
	rest := node[len(encodedPrefix):]
	i := strings.IndexByte(rest, '_')
	if i <= 0 || !isDigits(rest[:i]) {
		return nil, fmt.Errorf("no <len>_ after %q", encodedPrefix)
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("bad length %q", rest[:i])
	}
	rest = rest[i+1:]
	if n > len(rest) {
		return nil, fmt.Errorf("length %d is longer than the %d characters that follow", n, len(rest))
	}
	return decodeURLBase64(rest[:n])
}

// decodeURLBase64 accepts padded or unpadded urlsafe base64, like Ruby's
// Base64.urlsafe_decode64.
func decodeURLBase64(s string) ([]byte, error) {
	enc := base64.URLEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawURLEncoding
	}
	return enc.Strict().DecodeString(s)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DecodeRegistration turns one registration znode into a Registration. It is
// pure and never panics: what cannot be decoded is reported in Malformed
// (with the fields that could be read), never dropped. For a path-encoded
// name the fields come from the name, as Synapse reads them; when the name
// does not decode, from the data (Synapse's fallback).
func DecodeRegistration(service, path, node string, data []byte, st sources.NodeStat) sources.Registration {
	_, seq, encoded, nameOK := DecodeNodeName(node)
	r := sources.Registration{
		Service: service,
		Path:    path,
		Node:    node,
		Seq:     seq,
		Ctime:   st.Ctime,
		Mtime:   st.Mtime,
		Owner:   st.EphemeralOwner,
		Version: st.Version,
		DataLen: len(data),
	}
	if int(st.DataLength) > r.DataLen {
		r.DataLen = int(st.DataLength)
	}
	if len(data) > 0 {
		r.Raw = bytes.Clone(data[:min(len(data), MaxRaw)])
	}

	if strings.HasPrefix(node, encodedPrefix) {
		decodeEncoded(&r, encoded, nameOK, data)
		return r
	}

	if why := payloadProblem(data); why != "" {
		r.Malformed = why
		if len(data) == 0 || !utf8.Valid(data) {
			return r
		}
	}
	f, err := parseNerveJSON(data)
	if err != nil {
		if r.Malformed == "" {
			r.Malformed = err.Error() + sizeNote(data)
		}
		return r
	}
	if why := f.apply(&r); why != "" && r.Malformed == "" {
		r.Malformed = why
	}
	return r
}

// decodeEncoded fills r for a path-encoded name: from the name when it
// decodes (Synapse never reads the data then), else from the data, which is
// Synapse's fallback; a registration Synapse can use is not malformed.
func decodeEncoded(r *sources.Registration, encoded []byte, nameOK bool, data []byte) {
	var nameWhy string
	if nameOK {
		f, err := parseNerveJSON(encoded)
		if err == nil {
			if why := f.apply(r); why != "" {
				r.Malformed = "path-encoded name: " + why
			}
			return
		}
		nameWhy = "path-encoded name holds no Nerve JSON (" + err.Error() + ")"
	} else {
		nameWhy = "path-encoded name is not valid base64"
	}
	if why := payloadProblem(data); why != "" {
		r.Malformed = nameWhy + "; data: " + why
		return
	}
	f, err := parseNerveJSON(data)
	if err != nil {
		r.Malformed = nameWhy + "; data: " + err.Error() + sizeNote(data)
		return
	}
	if why := f.apply(r); why != "" {
		r.Malformed = nameWhy + "; data: " + why
	}
}

// payloadProblem says why data cannot be a Nerve payload before parsing it.
func payloadProblem(data []byte) string {
	switch {
	case len(data) == 0:
		return "empty data"
	case !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0:
		return fmt.Sprintf("binary data (%d bytes), not Nerve JSON", len(data))
	}
	return ""
}

// sizeNote notes a payload far larger than a Nerve registration.
func sizeNote(data []byte) string {
	if len(data) <= maxPayload {
		return ""
	}
	return fmt.Sprintf(" (a payload of %d bytes, far larger than a Nerve registration)", len(data))
}

// nerveFields is a decoded Nerve payload, each field still raw JSON.
type nerveFields map[string]json.RawMessage

// parseNerveJSON parses a JSON object; anything else is an error in words.
func parseNerveJSON(data []byte) (nerveFields, error) {
	var f nerveFields
	if err := json.Unmarshal(data, &f); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, fmt.Errorf("JSON is a %s, not an object", ute.Value)
		}
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	if f == nil {
		return nil, fmt.Errorf("JSON is null, not an object")
	}
	return f, nil
}

// apply copies the fields into r and returns the first problem found, or "".
func (f nerveFields) apply(r *sources.Registration) string {
	var problems []string
	note := func(s string) { problems = append(problems, s) }

	if raw, ok := f["host"]; !ok || isNull(raw) {
		note("missing host")
	} else if s, ok := jsonString(raw); ok && s != "" {
		r.Host = s
	} else if ok {
		note("empty host")
	} else {
		r.Host = string(raw)
		note("host is not a string")
	}

	if raw, ok := f["port"]; !ok || isNull(raw) {
		note("missing port")
	} else if p, ok := jsonInt(raw); !ok {
		note(fmt.Sprintf("port %s is not a number", clip(raw)))
	} else if p < 1 || p > 65535 {
		note(fmt.Sprintf("port %d out of range 1-65535", p))
	} else {
		r.Port = int(p)
	}

	if raw, ok := f["name"]; ok && !isNull(raw) {
		if s, ok := jsonString(raw); ok {
			r.Name = s
		} else {
			r.Name = string(clip(raw))
			note("name is not a string")
		}
	}

	if raw, ok := f["weight"]; ok && !isNull(raw) {
		if w, ok := jsonInt(raw); ok && w >= 0 && w <= math.MaxInt32 {
			r.Weight, r.HasWeight = int(w), true
		} else {
			note(fmt.Sprintf("weight %s is not a whole number", clip(raw)))
		}
	}

	if raw, ok := f["haproxy_server_options"]; ok && !isNull(raw) {
		if s, ok := jsonString(raw); ok {
			r.HAProxyServerOptions = s
		} else {
			note("haproxy_server_options is not a string")
		}
	}

	if raw, ok := f["labels"]; ok && !isNull(raw) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			note("labels is not an object")
		} else if len(m) > 0 {
			r.Labels = make(map[string]string, len(m))
			for k, v := range m {
				if s, ok := jsonString(v); ok {
					r.Labels[k] = s
				} else {
					r.Labels[k] = string(v)
				}
			}
		}
	}
	return strings.Join(problems, "; ")
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func jsonString(raw json.RawMessage) (string, bool) {
	// Fast path for the common case: a plain quoted string without escapes.
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 && bytes.IndexByte(raw[1:n-1], '"') < 0 && utf8.Valid(raw[1:n-1]) && !hasControl(raw[1:n-1]) {
		return string(raw[1 : n-1]), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonInt reads a whole number given as a JSON number or a decimal string.
func jsonInt(raw json.RawMessage) (int64, bool) {
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && (raw[0] != '0' || len(raw) == 1) && raw[0] != '+' {
		return n, true // a plain JSON integer
	}
	if s, ok := jsonString(raw); ok {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	var f json.Number
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, false
	}
	if n, err := f.Int64(); err == nil {
		return n, true
	}
	x, err := f.Float64()
	if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		return 0, false
	}
	return int64(x), true
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// clip shortens a raw JSON value for an error message.
func clip(raw json.RawMessage) []byte {
	if len(raw) > 40 {
		return append(bytes.Clone(raw[:40]), "..."...)
	}
	return raw
}
