package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

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

// HeaderConfig is what the console knows of its sources, for the header of
// a recording.
type HeaderConfig struct {
	Flavour  string            // FlavourZooKeeper, FlavourSerf, or "" (HAProxy only)
	ZKPath   string            // --zk-path
	Registry string            // the ensemble ("zk1:2181,zk2:2181") or the Serf RPC address
	Sockets  map[string]string // HAProxy socket label -> address
	// SynapseConfig and NerveConfig are the paths of the host files the
	// console loaded ("" when none).
	SynapseConfig, NerveConfig string
	Description                string
	Version                    string    // stacktui's version, for "recorder"
	Started                    time.Time // zero: now
}

// Redacted replaces the value of every config key that looks like a
// secret in a recorded config.
const Redacted = "(redacted by stacktui)"

// NewHeader builds a recording's header: the flavour, this host's name,
// the registry and sockets, and the Synapse and Nerve configs the console
// loaded, as JSON objects (YAML files are converted; service_conf_dir files
// are merged into "services", as the console reads them). Secrets never go
// in: the ZooKeeper digest and Serf key are not part of it, and config
// values under keys that name a secret (password, secret, token, auth,
// credential, encrypt, private_key) are replaced by Redacted.
func NewHeader(c HeaderConfig) (Header, error) {
	h := Header{Trace: Magic, Version: Version, Flavour: c.Flavour, Started: c.Started, ZKPath: c.ZKPath,
		Registry: c.Registry, Sockets: c.Sockets, Description: c.Description}
	if h.Started.IsZero() {
		h.Started = time.Now()
	}
	h.Host, _ = os.Hostname()
	rec, _ := marshal(map[string]any{"name": "stacktui", "version": c.Version, "heartbeat_s": DefaultHeartbeat.Seconds()})
	h.Recorder = rec
	var err error
	if c.SynapseConfig != "" {
		if h.SynapseConfig, err = configJSON(c.SynapseConfig); err != nil {
			return Header{}, err
		}
	}
	if c.NerveConfig != "" {
		nerve, err := configJSON(c.NerveConfig)
		if err != nil {
			return Header{}, err
		}
		h.NerveConfigs = append(append([]byte{'['}, nerve...), ']')
	}
	return h, nil
}

// configJSON is a SmartStack config file as a redacted JSON object.
func configJSON(path string) (json.RawMessage, error) {
	doc, err := readConfigDoc(path)
	if err != nil {
		return nil, err
	}
	if dir, ok := doc["service_conf_dir"].(string); ok && dir != "" {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(path), dir)
		}
		services, _ := doc["services"].(map[string]any)
		if services == nil {
			services = map[string]any{}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		sort.Strings(files)
		for _, f := range files {
			switch strings.ToLower(filepath.Ext(f)) {
			case ".json", ".yaml", ".yml":
			default:
				continue
			}
			svc, err := readConfigDoc(f)
			if err != nil {
				return nil, err
			}
			services[strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))] = svc
		}
		doc["services"] = services
		delete(doc, "service_conf_dir")
	}
	redact(doc)
	b, err := marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("recording the config %s: %v", path, err)
	}
	return b, nil
}

// readConfigDoc reads a JSON or YAML object.
func readConfigDoc(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("recording the config: %w", err)
	}
	var v any
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		err = dec.Decode(&v)
	} else {
		err = yaml.Unmarshal(data, &v)
	}
	m, ok := v.(map[string]any) // yaml.v3 decodes string-keyed mappings so, as SmartStack configs are
	if err != nil || !ok {
		return nil, fmt.Errorf("recording the config: %s is not a JSON or YAML object", path)
	}
	return m, nil
}

var secretWords = []string{"password", "passwd", "secret", "token", "auth", "credential", "encrypt", "private_key"}

// redact replaces secrets in place.
func redact(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			lk := strings.ToLower(k)
			secret := false
			for _, w := range secretWords {
				secret = secret || strings.Contains(lk, w)
			}
			if _, nested := x.(map[string]any); secret && !nested {
				t[k] = Redacted
				continue
			}
			redact(x)
		}
	case []any:
		for _, x := range t {
			redact(x)
		}
	}
}
