package trace

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/stacktui/stacktui/sources/config"
)

// Synapse parses the header's synapse_config with the same parser as the
// host's file (sources/config), or returns nil when there is none. The
// value may be a JSON object or a string holding the file's text (JSON or
// YAML).
func (h *Header) Synapse() (*config.Synapse, error) {
	doc, name, err := configDoc(h.SynapseConfig, "synapse_config")
	if err != nil || doc == nil {
		return nil, err
	}
	return config.ParseSynapse(doc, name)
}

// Nerves parses the header's nerve_configs: an array whose elements are
// objects or strings holding a file's text, or one such value alone.
func (h *Header) Nerves() ([]*config.Nerve, error) {
	raw := bytes.TrimSpace(h.NerveConfigs)
	if len(raw) == 0 {
		return nil, nil
	}
	var items []json.RawMessage
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("trace header: nerve_configs: %s", jsonErr(err))
		}
	} else {
		items = []json.RawMessage{raw}
	}
	var out []*config.Nerve
	for i, it := range items {
		doc, name, err := configDoc(it, fmt.Sprintf("nerve_configs[%d]", i))
		if err != nil {
			return nil, err
		}
		if doc == nil {
			continue
		}
		n, err := config.ParseNerve(doc, name)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// configDoc returns a config value's document: the object itself, or the
// text a string holds. nil when absent, null or an empty string.
func configDoc(raw json.RawMessage, key string) (doc []byte, name string, err error) {
	raw = bytes.TrimSpace(raw)
	name = key + " in the trace header"
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, name, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, name, fmt.Errorf("trace header: %s: %s", key, jsonErr(err))
		}
		if len(bytes.TrimSpace([]byte(s))) == 0 {
			return nil, name, nil
		}
		return []byte(s), name, nil
	case raw[0] == '{':
		return raw, name, nil
	}
	return nil, name, fmt.Errorf("trace header: %s is %s, neither an object nor a string holding the config", key, clip(string(raw), 40))
}
