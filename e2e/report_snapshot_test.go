package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/report"
	"github.com/stacktui/stacktui/state"
)

// TestSnapshotEndToEnd creates each situation for real — ZooKeeper with
// Nerve-style registrations, an HAProxy configured the Synapse way, live HTTP
// backends — and checks what `stacktui snapshot --json` says about each.
func TestSnapshotEndToEnd(t *testing.T) {
	testenv.Need(t, "haproxy")
	testenv.Need(t, "java")
	bin := binary

	z := testenv.ZooKeeper(t)
	ok, sick, missing, maint, ghost := testenv.Backend(t), testenv.Backend(t), testenv.Backend(t), testenv.Backend(t), testenv.Backend(t)
	sick.SetHealthy(false) // its /health answers 503: L7STS
	deadPort, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dead := "127.0.0.1:" + strconv.Itoa(deadPort) // nothing listens: L4CON
	gonePort, _ := testenv.FreePort()
	gone := "127.0.0.1:" + strconv.Itoa(gonePort)

	const path = "/nerve/services/svc_e2e/services"
	// An older session's registration of the same instance: a restarted
	// Nerve's leftover beside the live Nerve's registrations.
	z.Nerve(t, "host1").Register(path, ok.Host, ok.Port)
	n1 := z.Nerve(t, "host1")
	for _, b := range []*testenv.HTTPBackend{ok, sick, missing, maint} {
		n1.Register(path, b.Host, b.Port)
	}
	n1.Register(path, "127.0.0.1", deadPort)
	if err := z.Put(path+"/broken_0000000099", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if err := z.Put("/nerve/services/svc_empty/services", nil); err != nil {
		t.Fatal(err)
	}

	inter := 200 * time.Millisecond
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{
		{Name: "svc_e2e", CheckInter: inter, Servers: []testenv.HAServer{
			{Name: "host1", Addr: ok.Addr, Check: true},
			{Name: "host1", Addr: sick.Addr, Check: true},
			{Name: "host1", Addr: dead, Check: true},
			{Name: "host1", Addr: maint.Addr, Check: true, Disabled: true},
			{Name: "ghost", Addr: ghost.Addr, Check: true},
			{Name: "gone", Addr: gone, Check: true, Disabled: true},
		}},
		{Name: "svc_empty", CheckInter: inter, Servers: []testenv.HAServer{{Name: "old", Addr: ok.Addr, Check: true}}},
	}})
	// Wait until HAProxy's health checks have settled.
	want := map[string]string{"host1_" + ok.Addr: "UP", "host1_" + sick.Addr: "DOWN", "host1_" + dead: "DOWN", "ghost_" + ghost.Addr: "UP"}
	deadline := time.Now().Add(20 * time.Second)
	for {
		stat := h.Command("show stat")
		settled := true
		for srv, st := range want {
			if !strings.Contains(stat, ","+srv+",") || !hasStatus(stat, srv, st) {
				settled = false
			}
		}
		if settled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy checks did not settle:\n%s", stat)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// While a check runs, HAProxy shows "* L7STS" with check_code 0: the
	// last answer's code is not known then, and the snapshot says so. Take
	// snapshots until one lands between two checks of the sick server, the
	// moment its code is known (the bound only guards against a hang).
	var stdout bytes.Buffer
	var doc report.Document
	for deadline := time.Now().Add(30 * time.Second); ; {
		cmd := exec.Command(bin, "snapshot", "--json", "--read-only", "--zk", z.Addr, "--haproxy", "local="+h.Socket, "--timeout", "15s")
		cmd.Env = append(cmd.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir())
		var stderr bytes.Buffer
		stdout.Reset()
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("stacktui snapshot: %v\nstderr: %s\nstdout: %s", err, stderr.String(), stdout.String())
		}
		doc = report.Document{}
		if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
			t.Fatalf("snapshot --json is not the documented schema: %v\n%s", err, stdout.String())
		}
		if in := findInstance(findService(t, &doc, "svc_e2e"), "host1_"+sick.Addr, state.CodeDown); in == nil ||
			len(in.Diagnoses) == 0 || !strings.Contains(in.Diagnoses[0].Text, "L7STS") ||
			strings.Contains(in.Diagnoses[0].Text, "HTTP 503") || time.Now().After(deadline) {
			break
		}
	}

	svc := findService(t, &doc, "svc_e2e")
	// 7 znodes: 5 instances, one registered twice, and one malformed.
	if svc.Summary.Registered != 5 || svc.Summary.Duplicates != 1 || svc.Summary.Up != 1 || svc.Summary.Worst != state.CodeDown {
		t.Errorf("svc_e2e summary = %+v, want 5 registered +1 duplicate, 1 up, worst down", svc.Summary)
	}
	expect := []struct {
		server string
		codes  []state.Code
		text   string
	}{
		{"host1_" + ok.Addr, []state.Code{state.CodeDuplicate, state.CodeOK}, "Registered 2 times for " + ok.Addr},
		{"host1_" + sick.Addr, []state.Code{state.CodeDown}, "the health URL answered HTTP 503"},
		{"host1_" + dead, []state.Code{state.CodeDown}, "nothing listens on " + dead},
		{"host1_" + missing.Addr, []state.Code{state.CodeMissingInHAProxy}, "has no server host1_" + missing.Addr},
		{"host1_" + maint.Addr, []state.Code{state.CodeMaint}, "Registered but in MAINT"},
		{"ghost_" + ghost.Addr, []state.Code{state.CodeStaleInHAProxy}, "nothing registers it"},
		{"gone_" + gone, []state.Code{state.CodeDeregistered}, "normal after a deregistration"},
		{"", []state.Code{state.CodeMalformed}, "broken_0000000099 could not be decoded"},
	}
	for _, e := range expect {
		in := findInstance(svc, e.server, e.codes[0])
		if in == nil {
			t.Errorf("no instance %q with %s in %s", e.server, e.codes[0], stdout.String())
			continue
		}
		var got []state.Code
		text := ""
		for _, d := range in.Diagnoses {
			got = append(got, d.Code)
			text += d.Text + " "
		}
		if !reflect.DeepEqual(got, e.codes) || !strings.Contains(text, e.text) {
			t.Errorf("%s: %v %q, want %v containing %q", e.server, got, text, e.codes, e.text)
		}
	}
	empty := findService(t, &doc, "svc_empty")
	if len(empty.Diagnoses) == 0 || empty.Diagnoses[0].Code != state.CodeNoRegistrations ||
		len(empty.Instances) != 1 || !strings.Contains(empty.Instances[0].Diagnoses[0].Text, "use_previous_backends") {
		t.Errorf("svc_empty = %+v", empty)
	}
	if len(doc.HAProxy) != 1 || len(doc.HAProxy[0].Servers) != 7 || doc.HAProxy[0].State != "ok" {
		t.Errorf("raw HAProxy side = %+v", doc.HAProxy)
	}

	// HAProxy alone must work too: every backend listed, judged by state.
	out, err := exec.Command(bin, "snapshot", "--json", "--read-only", "--haproxy", h.Socket).Output()
	if err != nil {
		t.Fatalf("snapshot --haproxy alone: %v", err)
	}
	var alone report.Document
	if err := json.Unmarshal(out, &alone); err != nil {
		t.Fatal(err)
	}
	if len(alone.Services) != 2 || len(findService(t, &alone, "svc_e2e").Instances) != 6 {
		t.Errorf("HAProxy-only services = %+v", alone.Services)
	}
}

// hasStatus reports whether the show stat line of server srv has status st.
func hasStatus(stat, srv, st string) bool {
	for _, line := range strings.Split(stat, "\n") {
		f := strings.Split(line, ",")
		if len(f) > 17 && f[1] == srv {
			return f[17] == st
		}
	}
	return false
}

func findService(t *testing.T, d *report.Document, name string) *report.ServiceDoc {
	t.Helper()
	for i := range d.Services {
		if d.Services[i].Name == name {
			return &d.Services[i]
		}
	}
	t.Fatalf("no service %s in %+v", name, d.Services)
	return nil
}

func findInstance(s *report.ServiceDoc, server string, first state.Code) *report.InstanceDoc {
	for i := range s.Instances {
		in := &s.Instances[i]
		if in.Server == server && len(in.Diagnoses) > 0 && in.Diagnoses[0].Code == first {
			return in
		}
	}
	return nil
}

// runSnapshot runs `stacktui snapshot --json` with args and decodes it.
func runSnapshot(t *testing.T, args ...string) (*report.Document, string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"snapshot", "--json", "--read-only", "--timeout", "15s"}, args...)...)
	cmd.Env = append(cmd.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("stacktui snapshot %v: %v\nstderr: %s\nstdout: %s", args, err, stderr.String(), stdout.String())
	}
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("snapshot --json is not the documented schema: %v\n%s", err, stdout.String())
	}
	return &doc, stdout.String()
}

// TestSnapshotSerfEndToEnd checks the Serf flavour for real: tags
// smart:<svc>_<port> of live agents fold into Synapse's service <svc>, and
// servers are named after the Serf node.
func TestSnapshotSerfEndToEnd(t *testing.T) {
	testenv.Need(t, "haproxy")
	testenv.Need(t, "serf")
	ok, other, ghost := testenv.Backend(t), testenv.Backend(t), testenv.Backend(t)
	a := testenv.Serf(t, "node-a", map[string]string{"smart:api_" + ok.PortString(): ok.Addr})
	b := testenv.Serf(t, "node-b", map[string]string{"smart:api_" + other.PortString(): other.Addr}, a.BindAddr)
	if err := a.WaitMembers(20*time.Second, map[string]string{"node-a": "alive", "node-b": "alive"}); err != nil {
		t.Fatal(err)
	}
	_ = b
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{{Name: "api", CheckInter: 200 * time.Millisecond,
		Servers: []testenv.HAServer{{Name: "node-a", Addr: ok.Addr, Check: true}, {Name: "node-c", Addr: ghost.Addr, Check: true}}}}})
	deadline := time.Now().Add(20 * time.Second)
	for !hasStatus(h.Command("show stat"), "node-a_"+ok.Addr, "UP") {
		if time.Now().After(deadline) {
			t.Fatal("node-a never came UP in HAProxy")
		}
		time.Sleep(100 * time.Millisecond)
	}
	doc, raw := runSnapshot(t, "--serf", a.RPCAddr, "--haproxy", "local="+h.Socket)
	api := findService(t, doc, "api")
	if api.Backend != "api" || api.Summary.Registered != 2 || api.Summary.Up != 1 {
		t.Errorf("api = %+v", api.Summary)
	}
	for server, code := range map[string]state.Code{
		"node-a_" + ok.Addr:    state.CodeOK,
		"node-b_" + other.Addr: state.CodeMissingInHAProxy,
		"node-c_" + ghost.Addr: state.CodeStaleInHAProxy,
	} {
		if findInstance(api, server, code) == nil {
			t.Errorf("no %s with %s in\n%s", server, code, raw)
		}
	}
}

// TestSnapshotUnreadableSource: a source that cannot be read makes snapshot
// exit 1 with the reason on stderr, and the JSON still says what is known.
func TestSnapshotUnreadableSource(t *testing.T) {
	testenv.Need(t, "java")
	z := testenv.ZooKeeper(t)
	z.Nerve(t, "host1").Register("/nerve/services/svc_x/services", "127.0.0.1", 31001)
	sock := filepath.Join(t.TempDir(), "nothing.sock")
	cmd := exec.Command(binary, "snapshot", "--json", "--read-only", "--timeout", "5s", "--zk", z.Addr, "--haproxy", "local="+sock)
	cmd.Env = append(cmd.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit = %v, want 1; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), sock) {
		t.Errorf("stderr does not name the socket: %q", stderr.String())
	}
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("no JSON after a failed source: %v\n%s", err, stdout.String())
	}
	svc := findService(t, &doc, "svc_x")
	if svc.Summary.Registered != 1 || svc.Summary.Worst != state.CodeHAProxyStale {
		t.Errorf("svc_x = %+v", svc.Summary)
	}
	if len(doc.HAProxy) != 1 || doc.HAProxy[0].State != "never_read" && doc.HAProxy[0].State != "error" {
		t.Errorf("haproxy = %+v", doc.HAProxy)
	}
	if in := svc.Instances[0]; in.Diagnoses[0].Code != state.CodeHAProxyStale || !strings.Contains(in.Diagnoses[0].Text, "unknown") {
		t.Errorf("instance = %+v", in)
	}
}
