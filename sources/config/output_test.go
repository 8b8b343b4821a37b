package config

import (
	"reflect"
	"testing"
	"time"
)

func TestReadStateFileRealCapture(t *testing.T) {
	st, err := ReadStateFile("testdata/state-deregistered.json")
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := st["svc_a"]
	if !ok || len(st) != 1 {
		t.Fatalf("state = %v", st)
	}
	if _, ok := svc[generatorKey]; ok || len(svc) != 2 {
		t.Fatalf("servers = %v (the generator config is not a server)", sortedKeys(svc))
	}
	b := svc["ss-accept-host_127.0.0.1:31002"]
	want := SynapseBackend{Name: "ss-accept-host", Host: "127.0.0.1", Port: 31002, ID: 3, HasID: true,
		Timestamp: time.Unix(1795326536, 0).UTC(), HAProxyServerID: 2}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("backend =\n%+v\nwant\n%+v", b, want)
	}
	if b.ServerName() != "ss-accept-host_127.0.0.1:31002" {
		t.Errorf("server name = %q", b.ServerName())
	}
	if _, err := ReadStateFile("testdata/state-stale-session.json"); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileOutput(t *testing.T) {
	out, err := ReadFileOutput("testdata/file_output")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || len(out["svc_b"]) != 0 || len(out["svc_a"]) != 2 {
		t.Fatalf("out = %+v", out)
	}
	a := out["svc_a"]
	if a[0].HasWeight || a[0].Labels != nil || a[0].ID != 4 || a[0].ServerName() != "ss-accept-host_127.0.0.1:31001" {
		t.Errorf("a[0] = %+v", a[0])
	}
	if !a[1].HasWeight || a[1].Weight != 5 || a[1].Port != 31002 || a[1].HAProxyServerOptions != "backup" || a[1].Labels["az"] != "b" {
		t.Errorf("a[1] = %+v (string port and weight are accepted)", a[1])
	}
	if (SynapseBackend{Host: "h", Port: 1}).ServerName() != "h:1" {
		t.Error("empty name must give host:port")
	}
}

func TestOutputErrors(t *testing.T) {
	_, err := ReadFileOutput("testdata/nope")
	wantErr(t, err, "does not exist", "file_output.output_directory")
	_, err = ParseFileOutput([]byte(`{"a":1}`), "x.json")
	wantErr(t, err, "want a JSON array")
	_, err = ParseFileOutput([]byte(`[{"port":"http"}, 3]`), "x.json")
	wantErr(t, err, "[0].port: want an integer", "[1]: want an object")
	_, err = ReadStateFile("testdata/missing-state.json")
	wantErr(t, err, "does not exist", "state_file_path")
	_, err = ParseStateFile([]byte("{\"svc\": {\n\"h_1.2.3.4:80\": {\n\"port\": []}}}"), "s.json")
	wantErr(t, err, "line 3: svc.h_1.2.3.4:80.port: want an integer")
	_, err = ParseStateFile([]byte(`{"svc":`), "s.json")
	wantErr(t, err, "ends early")
}
