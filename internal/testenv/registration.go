package testenv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// Registration is one Nerve registration payload. Its JSON keeps Nerve's
// key order (host, port, name, weight, haproxy_server_options, labels),
// the optional ones only when set.
type Registration struct {
	Host          string
	Port          int
	Name          string
	Weight        *int
	ServerOptions *string
	Labels        map[string]string
	// PathEncoding names the child base64_<len>_<payload>_ instead of <name>_.
	PathEncoding bool
}

// JSON returns the compact payload, byte for byte what Ruby's to_json
// writes for Nerve's hash (no HTML escaping).
func (r Registration) JSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"host":`)
	if err := writeJSON(&b, r.Host); err != nil {
		return nil, err
	}
	b.WriteString(`,"port":`)
	b.WriteString(strconv.Itoa(r.Port))
	b.WriteString(`,"name":`)
	if err := writeJSON(&b, r.Name); err != nil {
		return nil, err
	}
	if r.Weight != nil {
		b.WriteString(`,"weight":`)
		b.WriteString(strconv.Itoa(*r.Weight))
	}
	if r.ServerOptions != nil {
		b.WriteString(`,"haproxy_server_options":`)
		if err := writeJSON(&b, *r.ServerOptions); err != nil {
			return nil, err
		}
	}
	if r.Labels != nil {
		b.WriteString(`,"labels":`)
		if err := writeJSON(&b, r.Labels); err != nil { // map keys come out sorted
			return nil, err
		}
	}
	b.WriteString("}")
	return b.Bytes(), nil
}

// writeJSON appends v as compact JSON without HTML escaping.
func writeJSON(b *bytes.Buffer, v any) error {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("testenv: encode registration field: %w", err)
	}
	b.Write(bytes.TrimRight(tmp.Bytes(), "\n"))
	return nil
}

// ChildPrefix is the name ZooKeeper appends the sequence to:
// "<name>_" or, with PathEncoding, "base64_<len>_<urlsafe base64>_".
func (r Registration) ChildPrefix() string {
	if r.PathEncoding {
		data, err := r.JSON()
		if err == nil {
			enc := base64.URLEncoding.EncodeToString(data) // Ruby's urlsafe_encode64 pads
			return "base64_" + strconv.Itoa(len(enc)) + "_" + enc + "_"
		}
	}
	return r.Name + "_"
}
