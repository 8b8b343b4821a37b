package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestNerveHacheckDetection: a check through hacheck names the spool files
// hacheck consults (its service and port, from the URI); a plain check on
// the service port has none.
func TestNerveHacheckDetection(t *testing.T) {
	n, err := ParseNerve([]byte(`{"instance_id": "web-1", "services": {
	  "svc_a_8080": {"host": "10.0.0.5", "port": 8080, "zk_path": "/nerve/services/svc_a/services",
	    "checks": [{"type": "http", "port": 3333, "uri": "/http/svc_a/8080/health", "rise": 2, "fall": 2}]},
	  "svc_b": {"host": "10.0.0.5", "port": 9090, "checks": [{"type": "http", "uri": "/health"}]},
	  "svc_c": {"host": "10.0.0.5", "port": 7070, "checks": [
	    {"type": "tcp"},
	    {"type": "http", "host": "127.0.0.1", "port": 3333, "uri": "/spool/svc-c.v2/7070/status"}]},
	  "svc_d": {"host": "10.0.0.5", "port": 6060, "checks": [{"type": "http", "uri": "/http/svc_d/notaport/health"}]}
	}}`), "nerve.conf.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]HacheckRoute{
		"svc_a_8080": {{Protocol: "http", Service: "svc_a", Port: 8080, Check: "10.0.0.5:3333/http/svc_a/8080/health"}},
		"svc_b":      nil,
		"svc_c":      {{Protocol: "spool", Service: "svc-c.v2", Port: 7070, Check: "127.0.0.1:3333/spool/svc-c.v2/7070/status"}},
		"svc_d":      nil,
	}
	for name, w := range want {
		if got := n.Services[name].Hacheck(); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: Hacheck() = %+v, want %+v", name, got, w)
		}
	}
	if got := n.Services["svc_b"].Checks[0].Where(n.Services["svc_b"]); got != "10.0.0.5:9090/health" {
		t.Errorf("Where = %q", got)
	}
}

// TestNerveDisabledServiceFiles: service files the Nerve toggle moved aside
// are read as disabled services, not as ones Nerve runs.
func TestNerveDisabledServiceFiles(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "nerve.conf.json"), `{"instance_id": "web-1", "service_conf_dir": "conf.d"}`)
	writeFile(t, filepath.Join(conf, "svc_a.json"), `{"host": "127.0.0.1", "port": 8080, "checks": [{"type": "http", "uri": "/health"}]}`)
	writeFile(t, filepath.Join(conf, "svc_b.yaml.disabled"), "host: 127.0.0.1\nport: 9090\n")
	writeFile(t, filepath.Join(conf, "broken.json.disabled"), "{not json")
	writeFile(t, filepath.Join(conf, "notes.txt.disabled"), "whatever")
	n, err := LoadNerve(filepath.Join(dir, "nerve.conf.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n.ConfDir() != conf {
		t.Errorf("ConfDir = %q, want %q", n.ConfDir(), conf)
	}
	if _, ok := n.Services["svc_a"]; !ok || len(n.Services) != 1 {
		t.Errorf("services = %v", sortedKeys(n.Services))
	}
	b, ok := n.Disabled["svc_b"]
	if !ok || len(n.Disabled) != 1 || b.Port != 9090 || b.File != filepath.Join(conf, "svc_b.yaml.disabled") {
		t.Errorf("disabled = %+v", n.Disabled)
	}
}
