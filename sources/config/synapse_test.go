package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadSynapseRealCapture(t *testing.T) {
	syn, err := LoadSynapse("testdata/synapse.conf.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := syn.ServiceNames(); !reflect.DeepEqual(got, []string{"svc_a"}) {
		t.Fatalf("services = %v", got)
	}
	svc := syn.Services["svc_a"]
	want := Discovery{Method: "zookeeper", Path: "/nerve/services/svc_a/services", Hosts: []string{"127.0.0.1:2181"}}
	if !reflect.DeepEqual(svc.Discovery, want) {
		t.Errorf("discovery = %+v, want %+v", svc.Discovery, want)
	}
	if svc.Port != 33001 || svc.Backend() != "svc_a" || svc.BackendName != "" || !svc.UsePreviousBackends {
		t.Errorf("service = %+v", svc)
	}
	h := syn.HAProxy
	if h.SocketFilePath != "/var/lib/smartstack/haproxy.sock" || h.ReloadCommand != "/var/lib/smartstack/haproxy-reload.sh" ||
		h.StateFilePath != "/var/lib/smartstack/synapse-state.json" || h.ConfigFilePath != "/var/lib/smartstack/haproxy.cfg" ||
		!h.DoSocket || !h.DoReloads || !h.DoWrites || h.UseNerveWeights {
		t.Errorf("haproxy = %+v", h)
	}
	if syn.FileOutputDir != "" {
		t.Errorf("file output = %q, want none", syn.FileOutputDir)
	}
	if got := syn.ZKServers(); !reflect.DeepEqual(got, []string{"127.0.0.1:2181"}) {
		t.Errorf("zk servers = %v", got)
	}
	if got := syn.ZKPaths(); !reflect.DeepEqual(got, map[string]string{"svc_a": "/nerve/services/svc_a/services"}) {
		t.Errorf("zk paths = %v", got)
	}
	if got := syn.Backends(); !reflect.DeepEqual(got, map[string]string{"svc_a": "svc_a"}) {
		t.Errorf("backends = %v", got)
	}
}

func TestLoadSynapseYAML(t *testing.T) {
	syn, err := LoadSynapse("testdata/synapse.conf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := syn.Backends(); !reflect.DeepEqual(got, map[string]string{"service1": "service1_backend", "service2": "service2", "proddb": "proddb"}) {
		t.Errorf("backends = %v", got)
	}
	if got := syn.ZKServers(); !reflect.DeepEqual(got, []string{"0.zookeeper.example.com:2181", "1.zookeeper.example.com:2181"}) {
		t.Errorf("zk servers = %v (want deduplicated, serf service excluded)", got)
	}
	if got := syn.ZKPaths(); len(got) != 2 || got["service2"] != "/nerve/services/service2/services" {
		t.Errorf("zk paths = %v", got)
	}
	h := syn.HAProxy
	if h.SocketFilePath != "/var/run/haproxy.sock" || len(h.SocketFilePaths) != 2 || h.DoReloads || !h.DoSocket || !h.UseNerveWeights {
		t.Errorf("haproxy = %+v", h)
	}
	if syn.FileOutputDir != "/var/lib/synapse/services" {
		t.Errorf("file output = %q", syn.FileOutputDir)
	}
	s1, s2, db := syn.Services["service1"], syn.Services["service2"], syn.Services["proddb"]
	if s1.Port != 3213 || s1.UseNerveWeights || s1.ServerOptions != "check inter 2s rise 3 fall 2" {
		t.Errorf("service1 = %+v (per-service use_nerve_weights must override the global one)", s1)
	}
	if s2.Port != 3214 || !s2.UseNerveWeights || s2.UsePreviousBackends {
		t.Errorf("service2 = %+v (port as a string; global weights inherited)", s2)
	}
	if db.Discovery.Method != "serf" || len(db.DefaultServers) != 1 || db.DefaultServers[0].ServerName() != "default-db_mydb.example.com:5432" {
		t.Errorf("proddb = %+v", db)
	}
}

func TestLoadSynapseServiceConfDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "synapse.conf.json"), `{"service_conf_dir":"conf.d","haproxy":{"socket_file_path":"/s"},"services":{"a":{"discovery":{"method":"zookeeper","hosts":["z:2181"],"path":"/a"}}}}`)
	writeFile(t, filepath.Join(dir, "conf.d", "b.json"), `{"discovery":{"method":"zookeeper","hosts":["z:2181","y:2181"],"path":"/b"},"haproxy":{"backend_name":"bee"}}`)
	writeFile(t, filepath.Join(dir, "conf.d", "c.yaml"), "discovery:\n  method: zookeeper\n  hosts: [z:2181]\n  path: /c\n")
	syn, err := LoadSynapse(filepath.Join(dir, "synapse.conf.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := syn.ServiceNames(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("services = %v", got)
	}
	if syn.Services["b"].Backend() != "bee" || !strings.HasSuffix(syn.Services["b"].File, "b.json") {
		t.Errorf("b = %+v", syn.Services["b"])
	}
	if got := syn.ZKServers(); !reflect.DeepEqual(got, []string{"z:2181", "y:2181"}) {
		t.Errorf("zk servers = %v", got)
	}

	writeFile(t, filepath.Join(dir, "conf.d", "d.json"), `{"discovery":{"method":["x"]}}`)
	_, err = LoadSynapse(filepath.Join(dir, "synapse.conf.json"))
	wantErr(t, err, "d.json", "discovery.method", "want a string")
}

func TestFindSynapseAndNerve(t *testing.T) {
	t.Setenv("SYNAPSE_CONFIG", "/env/synapse.json")
	t.Setenv("NERVE_CONFIG", "")
	if got := FindSynapse("/flag.json"); got != "/flag.json" {
		t.Errorf("flag first: %q", got)
	}
	if got := FindSynapse(""); got != "/env/synapse.json" {
		t.Errorf("env second: %q", got)
	}
	want := ""
	if _, err := os.Stat(DefaultNervePath); err == nil {
		want = DefaultNervePath
	}
	if got := FindNerve(""); got != want {
		t.Errorf("default only when present: %q, want %q", got, want)
	}
}

func TestSynapseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		want             []string
	}{
		{"bad json position", "s.json", "{\n  \"services\": {\n    \"a\": {,}\n  }\n}", []string{"s.json", "not valid JSON", "line 3 column"}},
		{"truncated", "s.json", "{\"services\": {", []string{"ends early"}},
		{"trailing", "s.json", "{\"services\": {}} {}", []string{"unexpected data after"}},
		{"erb", "synapse.conf.json", "{\"services\": {<% @x %>}}", []string{"ERB template", "line 1", "rendered"}},
		{"erb ext", "synapse.conf.json.erb", "{}", []string{"ERB template", "/etc/synapse.conf.json"}},
		{"bad yaml", "s.yaml", "services:\n  a: [\n", []string{"s.yaml", "not valid YAML"}},
		{"empty", "s.json", "  \n", []string{"is empty"}},
		{"not object", "s.json", "[1,2]", []string{"top level must be an object"}},
		{"no services", "s.json", `{"instance_id":"x"}`, []string{"no \"services\" section", "Nerve config"}},
		{"wrong types", "s.json", `{"services":{"a":{"discovery":{"hosts":[1]},"haproxy":{"port":"eighty","use_nerve_weights":"maybe"}},"b":3},"haproxy":{"do_socket":[]}}`,
			[]string{"line 1: services.a.discovery.hosts[0]: want a string", "services.a.haproxy.port: want an integer, got string \"eighty\"", "services.a.haproxy.use_nerve_weights", "services.b: want an object", "haproxy.do_socket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSynapse([]byte(tc.data), tc.file)
			wantErr(t, err, tc.want...)
		})
	}
}

func TestSynapseErrorLines(t *testing.T) {
	data := "{\n  \"services\": {\n    \"a\": {\n      \"discovery\": {\"method\": \"zookeeper\", \"hosts\": [\n        \"z:1\",\n        2\n      ]},\n      \"haproxy\": {\"port\": true}\n    }\n  }\n}\n"
	_, err := ParseSynapse([]byte(data), "s.json")
	wantErr(t, err, "line 6: services.a.discovery.hosts[1]: want a string, got number 2", "line 8: services.a.haproxy.port: want an integer, got boolean true")
}

func TestLoadSynapseFileErrors(t *testing.T) {
	_, err := LoadSynapse(filepath.Join(t.TempDir(), "missing.json"))
	wantErr(t, err, "missing.json", "does not exist", "--synapse-config")
	_, err = LoadSynapse(t.TempDir())
	wantErr(t, err, "is a directory")
	_, err = LoadSynapse("testdata/synapse.conf.json.erb")
	wantErr(t, err, "ERB template", "line 3")
	_, err = LoadSynapse("")
	wantErr(t, err, "no synapse config path")
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// The getyourguide Serf fork's add_server_weight is read per service.
func TestSynapseAddServerWeight(t *testing.T) {
	syn, err := ParseSynapse([]byte(`{"services": {
		"svc_a": {"discovery": {"method": "serf"}, "haproxy": {"port": 24101, "add_server_weight": true}},
		"svc_b": {"discovery": {"method": "serf"}, "haproxy": {"port": 24102}}}}`), "synapse.json")
	if err != nil {
		t.Fatal(err)
	}
	if !syn.Services["svc_a"].AddServerWeight || syn.Services["svc_b"].AddServerWeight {
		t.Errorf("add_server_weight: svc_a %v, svc_b %v; want true, false", syn.Services["svc_a"].AddServerWeight, syn.Services["svc_b"].AddServerWeight)
	}
}
