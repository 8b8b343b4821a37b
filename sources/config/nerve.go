package config

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Nerve is a parsed Nerve config: the services this host registers.
type Nerve struct {
	// Path is the file it was read from.
	Path string
	// InstanceID is instance_id: the "name" in every registration of this host.
	InstanceID string
	// Services maps the Nerve service key (e.g. "svc_a_31001") to its config,
	// including those read from ServiceConfDir.
	Services map[string]NerveService
	// ServiceConfDir is service_conf_dir ("" when not used). Moving a file out
	// of it and sending SIGHUP to nerve deregisters that service durably.
	ServiceConfDir string
	// Disabled are the service files of ServiceConfDir moved aside
	// (<file>.disabled): services Nerve no longer registers, by key.
	Disabled map[string]NerveService
}

// DisabledSuffix marks a service file moved aside in service_conf_dir:
// Nerve reads only *.json, *.yaml and *.yml there, so it stops registering
// that service at its next SIGHUP.
const DisabledSuffix = ".disabled"

// NerveService is one service Nerve checks and registers.
type NerveService struct {
	// Name is the Nerve service key (the services hash key, or the file name
	// without extension for service_conf_dir files).
	Name string
	Host string
	Port int
	// ZKHosts and ZKPath: where the registration goes (zookeeper reporter).
	ZKHosts []string
	ZKPath  string
	// ReporterType is reporter_type, "zookeeper" when absent.
	ReporterType string
	Checks       []NerveCheck
	// Weight is the configured weight; HasWeight is false when absent.
	Weight               int
	HasWeight            bool
	HAProxyServerOptions string
	Labels               map[string]string
	CheckInterval        float64 // seconds; 0 when absent
	UsePathEncoding      bool
	NodeType             string // ephemeral_sequential when absent
	// File is the service_conf_dir file it came from, or "".
	File string
}

// NerveCheck is one health check of a Nerve service.
type NerveCheck struct {
	Type    string // http, tcp, ...
	Name    string
	Host    string
	Port    int
	URI     string
	Timeout float64 // seconds
	Rise    int
	Fall    int
}

// RegistryService returns the service name as it appears in ZooKeeper: the
// path element before the trailing "/services" of the conventional
// "<prefix>/<service>/services" zk_path, else the last element.
func (s NerveService) RegistryService() string {
	p := strings.TrimRight(s.ZKPath, "/")
	if p == "" {
		return ""
	}
	if path.Base(p) == "services" {
		if parent := path.Dir(p); parent != "/" && parent != "." {
			return path.Base(parent)
		}
	}
	return path.Base(p)
}

const nerveWhat = "nerve config"
const nerveHint = "pass the file with --nerve-config or set NERVE_CONFIG"

// LoadNerve reads and parses a Nerve config (JSON or YAML), and the service
// files of its service_conf_dir (*.json, *.yaml), each named by its file.
func LoadNerve(path string) (*Nerve, error) {
	data, err := readFile(path, nerveWhat, nerveHint)
	if err != nil {
		return nil, err
	}
	n, err := ParseNerve(data, path)
	if err != nil {
		return nil, err
	}
	if n.ServiceConfDir != "" {
		if err := n.loadServiceConfDir(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// ParseNerve parses a Nerve config from bytes; name is used in errors and to
// pick JSON or YAML. It does not read service_conf_dir.
func ParseNerve(data []byte, name string) (*Nerve, error) {
	doc, err := decodeDoc(data, name, nerveWhat)
	if err != nil {
		return nil, err
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: the top level must be an object with \"instance_id\" and \"services\", got %s; check that this is a Nerve config", nerveWhat, name, describe(doc))
	}
	w := &walker{data: data}
	n := &Nerve{
		Path:           name,
		InstanceID:     w.str(root, "instance_id", ""),
		ServiceConfDir: w.str(root, "service_conf_dir", ""),
		Services:       map[string]NerveService{},
	}
	_, hasServices := root["services"]
	if n.InstanceID == "" && !hasServices && n.ServiceConfDir == "" && len(w.errs) == 0 {
		return nil, fmt.Errorf("%s %s has neither \"instance_id\" nor \"services\": check that this is a Nerve config (a Synapse config has \"haproxy\")", nerveWhat, name)
	}
	services := w.obj(root, "services", "")
	for _, key := range sortedKeys(services) {
		o, ok := services[key].(map[string]any)
		if !ok {
			w.fail("services."+key, "an object", services[key])
			continue
		}
		n.Services[key] = parseNerveService(w, key, o, "services."+key)
	}
	if err := w.err(nerveWhat, name); err != nil {
		return nil, err
	}
	return n, nil
}

func parseNerveService(w *walker, key string, o map[string]any, p string) NerveService {
	s := NerveService{
		Name:                 key,
		Host:                 w.str(o, "host", p),
		ZKHosts:              w.strList(o, "zk_hosts", p),
		ZKPath:               w.str(o, "zk_path", p),
		ReporterType:         w.str(o, "reporter_type", p),
		HAProxyServerOptions: w.str(o, "haproxy_server_options", p),
		Labels:               w.strMap(o, "labels", p),
		CheckInterval:        w.number(o, "check_interval", p),
		UsePathEncoding:      w.boolean(o, "use_path_encoding", p, false),
		NodeType:             w.str(o, "node_type", p),
	}
	s.Port, _ = w.integer(o, "port", p)
	s.Weight, s.HasWeight = w.integer(o, "weight", p)
	if s.ReporterType == "" {
		s.ReporterType = "zookeeper"
	}
	if s.NodeType == "" {
		s.NodeType = "ephemeral_sequential"
	}
	if cs, ok := o["checks"]; ok && cs != nil {
		list, ok := cs.([]any)
		if !ok {
			w.fail(p+".checks", "a list", cs)
		}
		for i, x := range list {
			cp := fmt.Sprintf("%s.checks[%d]", p, i)
			c, ok := x.(map[string]any)
			if !ok {
				w.fail(cp, "an object", x)
				continue
			}
			ck := NerveCheck{
				Type:    w.str(c, "type", cp),
				Name:    w.str(c, "name", cp),
				Host:    w.str(c, "host", cp),
				URI:     w.str(c, "uri", cp),
				Timeout: w.number(c, "timeout", cp),
			}
			ck.Port, _ = w.integer(c, "port", cp)
			ck.Rise, _ = w.integer(c, "rise", cp)
			ck.Fall, _ = w.integer(c, "fall", cp)
			s.Checks = append(s.Checks, ck)
		}
	}
	return s
}

// loadServiceConfDir merges <service_conf_dir>/*.json|yaml|yml as Nerve does
// (one service per file, keyed by the file name). A relative directory is
// taken relative to the config file.
func (n *Nerve) loadServiceConfDir() error {
	dir := n.ConfDir()
	files, err := confFiles(dir)
	if err != nil {
		return fmt.Errorf("%s %s: service_conf_dir %s: %v; Nerve refuses to start without it too: check the directory", nerveWhat, n.Path, dir, err)
	}
	disabled, _ := filepath.Glob(filepath.Join(dir, "*"+DisabledSuffix))
	for _, f := range append(files, disabled...) {
		off := strings.HasSuffix(f, DisabledSuffix)
		name := strings.TrimSuffix(f, DisabledSuffix)
		if off && !isConfFile(name) {
			continue
		}
		svc, err := n.loadServiceFile(f, name)
		switch {
		case err != nil && off:
			continue // a broken file Nerve does not read is no reason to refuse the rest
		case err != nil:
			return err
		case off:
			if n.Disabled == nil {
				n.Disabled = map[string]NerveService{}
			}
			n.Disabled[svc.Name] = svc
		default:
			n.Services[svc.Name] = svc
		}
	}
	return nil
}

// loadServiceFile reads one service_conf_dir file f; name is f without
// DisabledSuffix, which gives the service key and the format.
func (n *Nerve) loadServiceFile(f, name string) (NerveService, error) {
	data, err := readFile(f, "nerve service file", "check service_conf_dir in "+n.Path)
	if err != nil {
		return NerveService{}, err
	}
	doc, err := decodeDoc(data, name, "nerve service file")
	if err != nil {
		return NerveService{}, err
	}
	o, ok := doc.(map[string]any)
	if !ok {
		return NerveService{}, fmt.Errorf("nerve service file %s: want an object with host, port and checks, got %s; fix the file", f, describe(doc))
	}
	key := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	w := &walker{data: data}
	svc := parseNerveService(w, key, o, key)
	if err := w.err("nerve service file", f); err != nil {
		return NerveService{}, err
	}
	svc.File = f
	return svc, nil
}
