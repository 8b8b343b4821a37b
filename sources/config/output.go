package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SynapseBackend is one backend as this host's Synapse knows it: a record of
// its file_output JSON, its state file, or a default_servers entry.
type SynapseBackend struct {
	Name string
	Host string
	Port int
	// ID is the registration's sequence id (the znode's numeric suffix).
	ID    int
	HasID bool
	// Weight is the Nerve weight; HasWeight is false when null or absent.
	Weight               int
	HasWeight            bool
	HAProxyServerOptions string
	Labels               map[string]string
	// State file only.
	Timestamp       time.Time // when Synapse last saw it registered
	HAProxyServerID int
}

// ServerName is the HAProxy server name Synapse gives the backend:
// "<name>_<host>:<port>", or "<host>:<port>" when name is empty.
func (b SynapseBackend) ServerName() string {
	addr := fmt.Sprintf("%s:%d", b.Host, b.Port)
	if b.Name == "" {
		return addr
	}
	return b.Name + "_" + addr
}

func parseBackend(w *walker, o map[string]any, p string) SynapseBackend {
	b := SynapseBackend{
		Name:                 w.str(o, "name", p),
		Host:                 w.str(o, "host", p),
		HAProxyServerOptions: w.str(o, "haproxy_server_options", p),
		Labels:               w.strMap(o, "labels", p),
	}
	b.Port, _ = w.integer(o, "port", p)
	b.ID, b.HasID = w.integer(o, "id", p)
	b.Weight, b.HasWeight = w.integer(o, "weight", p)
	if ts, ok := w.integer(o, "timestamp", p); ok {
		b.Timestamp = time.Unix(int64(ts), 0).UTC()
	}
	b.HAProxyServerID, _ = w.integer(o, "haproxy_server_id", p)
	return b
}

const fileOutputWhat = "synapse file_output"

// ReadFileOutput reads Synapse's file_output directory: each <dir>/<service>.json
// is a JSON array of backends. The map is keyed by service (the file name
// without .json). Files Synapse is still writing (temporary names) are skipped.
func ReadFileOutput(dir string) (map[string][]SynapseBackend, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s directory %s does not exist: check file_output.output_directory in the Synapse config and that Synapse is running", fileOutputWhat, dir)
	case err != nil:
		return nil, fmt.Errorf("%s directory %s: %v; check it is a readable directory", fileOutputWhat, dir, err)
	}
	out := map[string][]SynapseBackend{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := readFile(Local, path, fileOutputWhat+" file", "check file_output.output_directory")
		if err != nil {
			return nil, err
		}
		list, err := ParseFileOutput(data, path)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(name, ".json")] = list
	}
	return out, nil
}

// ParseFileOutput parses one file_output <service>.json array.
func ParseFileOutput(data []byte, name string) ([]SynapseBackend, error) {
	doc, err := decodeJSON(data, name, fileOutputWhat+" file")
	if err != nil {
		return nil, err
	}
	list, ok := doc.([]any)
	if !ok {
		return nil, fmt.Errorf("%s file %s: want a JSON array of backends, got %s; check that this is Synapse's file_output", fileOutputWhat, name, describe(doc))
	}
	w := &walker{data: data}
	out := make([]SynapseBackend, 0, len(list))
	for i, x := range list {
		o, ok := x.(map[string]any)
		if !ok {
			w.fail(fmt.Sprintf("[%d]", i), "an object", x)
			continue
		}
		out = append(out, parseBackend(w, o, fmt.Sprintf("[%d]", i)))
	}
	if err := w.err(fileOutputWhat+" file", name); err != nil {
		return nil, err
	}
	return out, nil
}

const stateWhat = "synapse state file"

// generatorKey is the state file's per-service cache of the watcher config,
// stored beside the servers; it is not a server.
const generatorKey = "watcher_config_for_generator"

// ReadStateFile reads Synapse's state file (haproxy.state_file_path):
// service -> HAProxy server name -> backend as last seen.
func ReadStateFile(path string) (map[string]map[string]SynapseBackend, error) {
	data, err := readFile(Local, path, stateWhat, "check haproxy.state_file_path in the Synapse config")
	if err != nil {
		return nil, err
	}
	return ParseStateFile(data, path)
}

// ParseStateFile parses a Synapse state file from bytes.
func ParseStateFile(data []byte, name string) (map[string]map[string]SynapseBackend, error) {
	doc, err := decodeJSON(data, name, stateWhat)
	if err != nil {
		return nil, err
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: want a JSON object of services, got %s; check haproxy.state_file_path", stateWhat, name, describe(doc))
	}
	w := &walker{data: data}
	out := make(map[string]map[string]SynapseBackend, len(root))
	for _, svc := range sortedKeys(root) {
		servers := w.obj(root, svc, "")
		if servers == nil {
			continue
		}
		m := make(map[string]SynapseBackend, len(servers))
		for _, srv := range sortedKeys(servers) {
			if srv == generatorKey {
				continue
			}
			o := w.obj(servers, srv, svc)
			if o == nil {
				continue
			}
			m[srv] = parseBackend(w, o, svc+"."+srv)
		}
		out[svc] = m
	}
	if err := w.err(stateWhat, name); err != nil {
		return nil, err
	}
	return out, nil
}
