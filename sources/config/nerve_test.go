package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadNerveRealCapture(t *testing.T) {
	n, err := LoadNerve("testdata/nerve.conf.json")
	if err != nil {
		t.Fatal(err)
	}
	if n.InstanceID != "ss-accept-host" || len(n.Services) != 2 {
		t.Fatalf("nerve = %+v", n)
	}
	s := n.Services["svc_a_31002"]
	want := NerveService{
		Name: "svc_a_31002", Host: "127.0.0.1", Port: 31002,
		ZKHosts: []string{"127.0.0.1:2181"}, ZKPath: "/nerve/services/svc_a/services",
		ReporterType: "zookeeper", CheckInterval: 1, NodeType: "ephemeral_sequential",
		Checks: []NerveCheck{{Type: "http", URI: "/health", Timeout: 0.5, Rise: 2, Fall: 2}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("service =\n%+v\nwant\n%+v", s, want)
	}
	if s.RegistryService() != "svc_a" {
		t.Errorf("registry service = %q", s.RegistryService())
	}
}

func TestLoadNerveYAMLWithConfDir(t *testing.T) {
	n, err := LoadNerve("testdata/nerve.conf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n.InstanceID != "mymachine" || n.ServiceConfDir != "nerve.d" {
		t.Errorf("nerve = %+v", n)
	}
	if got := sortedKeys(n.Services); !reflect.DeepEqual(got, []string{"svc_b_31003", "svc_c", "your_http_service"}) {
		t.Fatalf("services = %v", got)
	}
	y := n.Services["your_http_service"]
	if y.Port != 3000 || !y.HasWeight || y.Weight != 2 || y.HAProxyServerOptions != "backup" ||
		!reflect.DeepEqual(y.Labels, map[string]string{"az": "us-east-1a", "shard": "3"}) ||
		len(y.Checks) != 1 || y.Checks[0].Timeout != 0.2 || y.Checks[0].Rise != 3 || y.File != "" {
		t.Errorf("your_http_service = %+v", y)
	}
	b := n.Services["svc_b_31003"]
	if b.Port != 31003 || b.HasWeight || b.RegistryService() != "svc_b" || !strings.HasSuffix(b.File, filepath.Join("nerve.d", "svc_b_31003.json")) {
		t.Errorf("svc_b = %+v", b)
	}
	if c := n.Services["svc_c"]; c.ReporterType != "serf" || c.Port != 31004 || len(c.Checks) != 0 {
		t.Errorf("svc_c = %+v", c)
	}
}

func TestRegistryService(t *testing.T) {
	for path, want := range map[string]string{
		"/nerve/services/svc_a/services": "svc_a",
		"/prod/services/web/services/":   "web",
		"/custom/web":                    "web",
		"/services":                      "services",
		"":                               "",
	} {
		if got := (NerveService{ZKPath: path}).RegistryService(); got != want {
			t.Errorf("RegistryService(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestNerveErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		want             []string
	}{
		{"synapse given", "n.json", `{"haproxy":{}}`, []string{"neither \"instance_id\" nor \"services\""}},
		{"wrong types", "n.yaml", "instance_id: x\nservices:\n  a:\n    port: [1]\n    zk_hosts: 5\n    checks: {type: http}\n    labels: {a: [1]}\n",
			[]string{"n.yaml", "line 4: services.a.port: want an integer", "line 5: services.a.zk_hosts: want a string or a list", "line 6: services.a.checks: want a list", "line 7: services.a.labels.a"}},
		{"check types", "n.json", `{"instance_id":"x","services":{"a":{"checks":[{"rise":"two"},7]}}}`,
			[]string{"services.a.checks[0].rise", "services.a.checks[1]: want an object"}},
		{"bad json", "n.json", "{\"instance_id\": \"x\",\n\"services\": {\"a\": {\"port\": 3000,}}}", []string{"line 2 column", "not valid JSON"}},
		{"erb", "nerve.conf.json", `{"instance_id": "<%= node['hostname'] %>"}`, []string{"ERB template"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseNerve([]byte(tc.data), tc.file)
			wantErr(t, err, tc.want...)
		})
	}
	_, err := LoadNerve(filepath.Join(t.TempDir(), "nerve.conf.json"))
	wantErr(t, err, "does not exist", "--nerve-config")

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "n.json"), `{"instance_id":"x","service_conf_dir":"/nonexistent/stacktui"}`)
	_, err = LoadNerve(filepath.Join(dir, "n.json"))
	wantErr(t, err, "service_conf_dir", "/nonexistent/stacktui")
}
