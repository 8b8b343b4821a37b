package maint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/actions/hacheck"
	"github.com/stacktui/stacktui/sources"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadSpoolAndNerveToggle reads a real spool and Nerve config: spool
// files resolve through the Nerve checks that consult them to the registry
// service and instance address; a file no check consults says it takes
// nothing down; a moved-aside service file is maintenance too.
func TestReadSpoolAndNerveToggle(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	conf := filepath.Join(dir, "conf.d")
	for _, d := range []string{spool, conf} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	created := time.Unix(1763791234, 0)
	write(t, filepath.Join(spool, "svc_a:8080"), string(hacheck.Encode("disk swap (by alice)", created.Add(2*time.Hour), created)))
	write(t, filepath.Join(spool, "svc_b"), "plain old reason")
	write(t, filepath.Join(dir, "nerve.conf.json"), `{"instance_id": "web-1", "service_conf_dir": "conf.d", "services": {
	  "svc_a_8080": {"host": "10.0.0.5", "port": 8080, "zk_path": "/nerve/services/svc_a/services",
	    "checks": [{"type": "http", "port": 3333, "uri": "/http/svc_a/8080/health"}]},
	  "svc_b_9090": {"host": "10.0.0.5", "port": 9090, "zk_path": "/nerve/services/svc_b/services",
	    "checks": [{"type": "http", "uri": "/health"}]}}}`)
	write(t, filepath.Join(conf, "svc_c.json.disabled"), `{"host": "10.0.0.5", "port": 7070, "zk_path": "/nerve/services/svc_c/services"}`)

	r := Reader{Host: sources.Host{Name: "web-1", Addrs: []string{"10.0.0.5"}}, SpoolDir: spool, NervePath: filepath.Join(dir, "nerve.conf.json")}
	m := r.Read(created)
	if m.Err != "" || m.InstanceID != "web-1" || len(m.Entries) != 3 {
		t.Fatalf("read %+v", m)
	}
	byFile := map[string]sources.MaintenanceEntry{}
	for _, e := range m.Entries {
		byFile[filepath.Base(e.File)] = e
	}
	a := byFile["svc_a:8080"]
	if a.Kind != sources.MaintHacheck || a.Service != "svc_a" || a.Port != 8080 || a.Addr != "10.0.0.5:8080" ||
		a.Reason != "disk swap" || a.By != "alice" || !a.Since.Equal(created) || !a.Until.Equal(created.Add(2*time.Hour)) || a.Problem != "" {
		t.Errorf("svc_a:8080 = %+v", a)
	}
	b := byFile["svc_b"]
	if b.Service != "svc_b" || !strings.Contains(b.Problem, "takes nothing down") || b.Reason != "plain old reason" {
		t.Errorf("svc_b (Nerve checks it directly) = %+v", b)
	}
	c := byFile["svc_c.json.disabled"]
	if c.Kind != sources.MaintNerve || c.Service != "svc_c" || c.Addr != "10.0.0.5:7070" || c.Since.IsZero() {
		t.Errorf("svc_c = %+v", c)
	}

	// "all" applies to every service Nerve checks through hacheck.
	write(t, filepath.Join(spool, "all"), string(hacheck.Encode("reboot", time.Time{}, created)))
	m = r.Read(created)
	n := 0
	for _, e := range m.Entries {
		if filepath.Base(e.File) == "all" {
			n++
			if e.Service != "svc_a" || e.Addr != "10.0.0.5:8080" {
				t.Errorf("all = %+v", e)
			}
		}
	}
	if n != 1 {
		t.Errorf("all resolved to %d entries", n)
	}

	// Without a Nerve config: by name, and a missing spool is no error.
	m = (&Reader{Host: r.Host, SpoolDir: spool}).Read(created)
	if len(m.Entries) != 3 || m.Err != "" {
		t.Errorf("without nerve: %+v", m)
	}
	if m := (&Reader{SpoolDir: filepath.Join(dir, "missing")}).Read(created); m.Err != "" || len(m.Entries) != 0 {
		t.Errorf("missing spool: %+v", m)
	}
	// A Nerve config that cannot be read is said, and the spool still read.
	m = (&Reader{SpoolDir: spool, NervePath: filepath.Join(dir, "nope.json")}).Read(created)
	if !strings.Contains(m.Err, "does not exist") || len(m.Entries) != 3 {
		t.Errorf("missing nerve config: %+v", m)
	}
}

func TestLocalHost(t *testing.T) {
	h := LocalHost()
	if h.Name == "" || !h.Has("127.0.0.1") || !h.Has("localhost") || h.Has("192.0.2.123") || !h.Has(h.Name) || h.Has("") {
		t.Errorf("LocalHost = %+v", h)
	}
}
