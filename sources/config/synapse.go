package config

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Synapse is a parsed Synapse config: what this host's Synapse watches and how
// it names and drives HAProxy.
type Synapse struct {
	// Path is the file it was read from.
	Path string
	// Services maps the service key (the `services` hash key) to its config.
	Services map[string]SynapseService
	// HAProxy is the global `haproxy` section.
	HAProxy SynapseHAProxy
	// FileOutputDir is file_output.output_directory, or "" when off.
	FileOutputDir string
	// ServiceConfDir is the top-level service_conf_dir, or "" when not used;
	// its *.json/*.yaml files were merged into Services.
	ServiceConfDir string
}

// SynapseHAProxy is the global `haproxy` section of the Synapse config.
type SynapseHAProxy struct {
	// SocketFilePath is socket_file_path (the first one when it is a list).
	SocketFilePath string
	// SocketFilePaths is every socket_file_path (a list when nbproc > 1).
	SocketFilePaths []string
	ReloadCommand   string
	StateFilePath   string
	ConfigFilePath  string
	// DoSocket, DoReloads and DoWrites default to true as in Synapse.
	DoSocket  bool
	DoReloads bool
	DoWrites  bool
	// UseNerveWeights as set globally (services may override it).
	UseNerveWeights bool
	BindAddress     string
}

// SynapseService is one entry of the Synapse `services` hash.
type SynapseService struct {
	// Name is the service key; it is also the HAProxy frontend name.
	Name      string
	Discovery Discovery
	// BackendName is haproxy.backend_name as written ("" when not set); use
	// Backend for the effective HAProxy backend name.
	BackendName string
	// Port is haproxy.port, 0 when there is no frontend port.
	Port          int
	BindAddress   string
	ServerOptions string
	// UseNerveWeights is the effective setting: the service's
	// haproxy.use_nerve_weights, else the global one.
	UseNerveWeights bool
	// AddServerWeight is haproxy.add_server_weight, read by the getyourguide
	// Serf fork: each server's weight is its member's smart:serverweight tag
	// (50 without one); without it every server gets weight 1.
	AddServerWeight bool
	// UsePreviousBackends (default true): when discovery finds nothing,
	// Synapse keeps the previous backends, so "no registrations" does not
	// mean "HAProxy stopped routing".
	UsePreviousBackends bool
	// DefaultServers are used when discovery returns nothing.
	DefaultServers []SynapseBackend
	// Disabled is haproxy.disabled: no HAProxy config for this service.
	Disabled bool
	// File is the service_conf_dir file it came from, or "".
	File string
}

// Discovery is a service's `discovery` section.
type Discovery struct {
	// Method is the watcher: zookeeper, serf, base, docker, ec2tag, ...
	Method string
	// Hosts are the ZooKeeper servers ("host:port") for zookeeper discovery.
	Hosts []string
	// Path is the ZooKeeper parent of the registrations.
	Path string
}

// Backend returns the HAProxy backend name: haproxy.backend_name when set,
// else the service key (smartstack.md section 3).
func (s SynapseService) Backend() string {
	if s.BackendName != "" {
		return s.BackendName
	}
	return s.Name
}

// IsZooKeeper reports whether the service is discovered from ZooKeeper.
func (d Discovery) IsZooKeeper() bool {
	return d.Method == "zookeeper" || d.Method == "zookeeper_dns"
}

// Backends maps each service key to its HAProxy backend name.
func (s *Synapse) Backends() map[string]string {
	out := make(map[string]string, len(s.Services))
	for k, svc := range s.Services {
		out[k] = svc.Backend()
	}
	return out
}

// ZKServers returns every ZooKeeper server named by a zookeeper discovery,
// without duplicates, in service-key order then config order.
func (s *Synapse) ZKServers() []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range sortedKeys(s.Services) {
		d := s.Services[k].Discovery
		if !d.IsZooKeeper() {
			continue
		}
		for _, h := range d.Hosts {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// ZKPaths maps each zookeeper-discovered service key to its discovery path.
func (s *Synapse) ZKPaths() map[string]string {
	out := map[string]string{}
	for k, svc := range s.Services {
		if svc.Discovery.IsZooKeeper() && svc.Discovery.Path != "" {
			out[k] = svc.Discovery.Path
		}
	}
	return out
}

// ServiceNames returns the service keys, sorted.
func (s *Synapse) ServiceNames() []string { return sortedKeys(s.Services) }

const synapseWhat = "synapse config"
const synapseHint = "pass the file with --synapse-config or set SYNAPSE_CONFIG"

// LoadSynapse reads and parses a Synapse config (JSON or YAML), merging the
// files of its service_conf_dir. ERB templates are refused with a clear error.
func LoadSynapse(path string) (*Synapse, error) { return LoadSynapseFS(Local, path) }

// LoadSynapseFS is LoadSynapse reading from fsys (a host's files over SSH).
func LoadSynapseFS(fsys FS, path string) (*Synapse, error) {
	data, err := readFile(fsys, path, synapseWhat, synapseHint)
	if err != nil {
		return nil, err
	}
	syn, err := ParseSynapse(data, path)
	if err != nil {
		return nil, err
	}
	if syn.ServiceConfDir != "" {
		if err := syn.loadServiceConfDir(fsys); err != nil {
			return nil, err
		}
	}
	return syn, nil
}

// ParseSynapse parses a Synapse config from bytes; name is used in errors and
// to pick JSON or YAML by extension. It does not read service_conf_dir.
func ParseSynapse(data []byte, name string) (*Synapse, error) {
	doc, err := decodeDoc(data, name, synapseWhat)
	if err != nil {
		return nil, err
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: the top level must be an object with a \"services\" key, got %s; check that this is a Synapse config", synapseWhat, name, describe(doc))
	}
	w := &walker{data: data}
	syn := &Synapse{Path: name, Services: map[string]SynapseService{}}
	syn.HAProxy = parseSynapseHAProxy(w, w.obj(root, "haproxy", ""))
	if fo := w.obj(root, "file_output", ""); fo != nil {
		syn.FileOutputDir = w.str(fo, "output_directory", "file_output")
	}
	syn.ServiceConfDir = w.str(root, "service_conf_dir", "")
	services := w.obj(root, "services", "")
	if services == nil && syn.ServiceConfDir == "" {
		if _, present := root["services"]; !present && w.errs == nil {
			return nil, fmt.Errorf("%s %s has no \"services\" section: check that this is a Synapse config (a Nerve config has \"instance_id\")", synapseWhat, name)
		}
	}
	for _, key := range sortedKeys(services) {
		svc, ok := services[key].(map[string]any)
		if !ok {
			w.fail(join("services", key), "an object", services[key])
			continue
		}
		syn.Services[key] = parseSynapseService(w, key, svc, "services."+key, syn.HAProxy.UseNerveWeights)
	}
	if err := w.err(synapseWhat, name); err != nil {
		return nil, err
	}
	return syn, nil
}

func parseSynapseHAProxy(w *walker, h map[string]any) SynapseHAProxy {
	const p = "haproxy"
	out := SynapseHAProxy{DoSocket: true, DoReloads: true, DoWrites: true}
	if h == nil {
		return out
	}
	out.SocketFilePaths = w.strList(h, "socket_file_path", p)
	if len(out.SocketFilePaths) > 0 {
		out.SocketFilePath = out.SocketFilePaths[0]
	}
	out.ReloadCommand = w.str(h, "reload_command", p)
	out.StateFilePath = w.str(h, "state_file_path", p)
	out.ConfigFilePath = w.str(h, "config_file_path", p)
	out.DoSocket = w.boolean(h, "do_socket", p, true)
	out.DoReloads = w.boolean(h, "do_reloads", p, true)
	out.DoWrites = w.boolean(h, "do_writes", p, true)
	out.UseNerveWeights = w.boolean(h, "use_nerve_weights", p, false)
	out.BindAddress = w.str(h, "bind_address", p)
	return out
}

func parseSynapseService(w *walker, key string, m map[string]any, p string, globalWeights bool) SynapseService {
	svc := SynapseService{Name: key, UsePreviousBackends: true}
	if d := w.obj(m, "discovery", p); d != nil {
		dp := p + ".discovery"
		svc.Discovery = Discovery{
			Method: w.str(d, "method", dp),
			Hosts:  w.strList(d, "hosts", dp),
			Path:   w.str(d, "path", dp),
		}
	}
	svc.UsePreviousBackends = w.boolean(m, "use_previous_backends", p, true)
	svc.UseNerveWeights = globalWeights
	if h := w.obj(m, "haproxy", p); h != nil {
		hp := p + ".haproxy"
		svc.BackendName = w.str(h, "backend_name", hp)
		if port, ok := w.integer(h, "port", hp); ok {
			svc.Port = port
		}
		svc.BindAddress = w.str(h, "bind_address", hp)
		svc.ServerOptions = w.str(h, "server_options", hp)
		svc.UseNerveWeights = w.boolean(h, "use_nerve_weights", hp, globalWeights)
		svc.AddServerWeight = w.boolean(h, "add_server_weight", hp, false)
		svc.Disabled = w.boolean(h, "disabled", hp, false)
	}
	if ds, ok := m["default_servers"]; ok && ds != nil {
		list, ok := ds.([]any)
		if !ok {
			w.fail(p+".default_servers", "a list", ds)
		}
		for i, x := range list {
			o, ok := x.(map[string]any)
			if !ok {
				w.fail(fmt.Sprintf("%s.default_servers[%d]", p, i), "an object", x)
				continue
			}
			svc.DefaultServers = append(svc.DefaultServers, parseBackend(w, o, fmt.Sprintf("%s.default_servers[%d]", p, i)))
		}
	}
	return svc
}

// loadServiceConfDir merges <service_conf_dir>/*.json|yaml|yml, one service
// per file named after the file, as Synapse does. A relative directory is
// taken relative to the config file (Synapse uses its working directory,
// which we cannot know).
func (s *Synapse) loadServiceConfDir(fsys FS) error {
	dir := s.ServiceConfDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(s.Path), dir)
	}
	files, err := confFiles(fsys, dir)
	if err != nil {
		return fmt.Errorf("%s %s: service_conf_dir %s: %v; check the directory exists and is readable", synapseWhat, s.Path, dir, err)
	}
	for _, f := range files {
		data, err := readFile(fsys, f, "synapse service file", "check service_conf_dir in "+s.Path)
		if err != nil {
			return err
		}
		doc, err := decodeDoc(data, f, "synapse service file")
		if err != nil {
			return err
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return fmt.Errorf("synapse service file %s: want an object with \"discovery\" and \"haproxy\", got %s; fix the file", f, describe(doc))
		}
		key := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		w := &walker{data: data}
		svc := parseSynapseService(w, key, m, key, s.HAProxy.UseNerveWeights)
		if err := w.err("synapse service file", f); err != nil {
			return err
		}
		svc.File = f
		s.Services[key] = svc
	}
	return nil
}

// confFiles lists dir/*.json, *.yaml and *.yml, sorted.
func confFiles(fsys FS, dir string) ([]string, error) {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if isConfFile(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// isConfFile reports whether Nerve and Synapse read name from a conf dir.
func isConfFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}
