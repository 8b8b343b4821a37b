package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// snapshotJSON is the part of `stacktui snapshot --json` these tests read.
type snapshotJSON struct {
	GeneratedAt string `json:"generated_at"`
	Sources     []struct {
		Kind, Address, State, Error string
	} `json:"sources"`
	Services []struct {
		Name    string `json:"name"`
		Backend string `json:"backend"`
		Summary struct {
			Registered int    `json:"registered"`
			Up         int    `json:"up"`
			Worst      string `json:"worst"`
		} `json:"summary"`
		Instances []struct {
			Name       string `json:"name"`
			Host       string `json:"host"`
			Port       int    `json:"port"`
			Registered bool   `json:"registered"`
			Znode      string `json:"znode"`
			HAProxy    []struct {
				Socket, Backend, Server, Status string
			} `json:"haproxy"`
			Diagnoses []struct{ Code, Text string } `json:"diagnoses"`
		} `json:"instances"`
	} `json:"services"`
	HAProxy []struct {
		Socket  string `json:"socket"`
		State   string `json:"state"`
		Servers []struct {
			Backend, Server, Addr, Status string
		} `json:"servers"`
	} `json:"haproxy"`
}

func (s *snapshotJSON) codes(service string) map[string]bool {
	out := map[string]bool{}
	for _, svc := range s.Services {
		if svc.Name != service {
			continue
		}
		for _, in := range svc.Instances {
			for _, d := range in.Diagnoses {
				out[d.Code] = true
			}
		}
		out["worst:"+svc.Summary.Worst] = true
	}
	return out
}

func snapshot(t *testing.T, args ...string) (*snapshotJSON, string, int) {
	t.Helper()
	out, stderr, code := run(t, nil, append([]string{"snapshot", "--json", "--timeout", "5s"}, args...)...)
	var s snapshotJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("snapshot --json (exit %d) is not JSON: %v\n%s\nstderr: %s", code, err, out, stderr)
	}
	return &s, stderr, code
}

// TestSnapshotSituations creates every drift situation for real — one
// service each — and checks that `stacktui snapshot --json` names it.
func TestSnapshotSituations(t *testing.T) {
	z := testenv.ZooKeeper(t)
	up1, up2, down, dup := testenv.Backend(t), testenv.Backend(t), testenv.Backend(t), testenv.Backend(t)
	down.SetHealthy(false)
	stale, gone, missing := testenv.Backend(t), testenv.Backend(t), testenv.Backend(t)
	maint, drain := testenv.Backend(t), testenv.Backend(t)

	const host = "web-1"
	srv := func(b *testenv.HTTPBackend, disabled bool) testenv.HAServer {
		return testenv.HAServer{Name: host, Addr: b.Addr, Check: true, Disabled: disabled}
	}
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{
		{Name: "svc_ok", Servers: []testenv.HAServer{srv(up1, false), srv(up2, false)}, CheckInter: 200 * time.Millisecond},
		{Name: "svc_down", Servers: []testenv.HAServer{srv(down, false)}, CheckInter: 200 * time.Millisecond},
		{Name: "svc_stale", Servers: []testenv.HAServer{srv(stale, false)}, CheckInter: 200 * time.Millisecond},
		{Name: "svc_gone", Servers: []testenv.HAServer{srv(gone, true)}, CheckInter: 200 * time.Millisecond},
		{Name: "svc_missing", Servers: nil},
		{Name: "svc_maint", Servers: []testenv.HAServer{srv(maint, false)}, CheckInter: 200 * time.Millisecond},
		{Name: "svc_drain", Servers: []testenv.HAServer{srv(drain, false)}, CheckInter: 200 * time.Millisecond},
		{Name: "svc_dup", Servers: []testenv.HAServer{srv(dup, false)}, CheckInter: 200 * time.Millisecond},
	}})
	// An earlier Nerve's session that has not expired yet holds an older
	// registration of svc_dup (the captured stale-session moment).
	old := z.Nerve(t, host)
	old.Register("/nerve/services/svc_dup/services", dup.Host, dup.Port)
	nerve := z.Nerve(t, host)
	reg := func(svc string, b *testenv.HTTPBackend) string {
		return nerve.Register("/nerve/services/"+svc+"/services", b.Host, b.Port)
	}
	reg("svc_ok", up1)
	reg("svc_ok", up2)
	reg("svc_down", down)
	reg("svc_missing", missing)
	reg("svc_maint", maint)
	reg("svc_drain", drain)
	reg("svc_dup", dup)
	if err := z.Put("/nerve/services/svc_empty/services", nil); err != nil {
		t.Fatal(err)
	}
	if err := z.Put("/nerve/services/svc_bad/services/web-1_0000000001", []byte(`{"host":"127.0.0.1","port":`)); err != nil {
		t.Fatal(err)
	}
	// svc_stale and svc_gone have no registrations at all; svc_gone's server is disabled (MAINT).
	if err := z.Put("/nerve/services/svc_stale/services", nil); err != nil {
		t.Fatal(err)
	}
	if err := z.Put("/nerve/services/svc_gone/services", nil); err != nil {
		t.Fatal(err)
	}
	name := func(b *testenv.HTTPBackend) string { return host + "_" + b.Addr }
	h.Command("set server svc_maint/" + name(maint) + " state maint")
	h.Command("set server svc_drain/" + name(drain) + " state drain")

	// Wait for health checks to settle: down's check fails, the others pass.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.Command("show stat"), "L4OK") && !strings.Contains(h.Command("show stat"), "L7OK") {
		if time.Now().After(deadline) {
			t.Fatal("HAProxy checks never passed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)

	s, stderr, code := snapshot(t, "--zk", z.Addr, "--haproxy", "main="+h.Socket)
	if code != 0 {
		t.Fatalf("snapshot exit %d: %s", code, stderr)
	}
	for svc, want := range map[string]string{
		"svc_ok":      "worst:ok",
		"svc_down":    "down",
		"svc_missing": "missing_in_haproxy",
		"svc_stale":   "stale_in_haproxy",
		"svc_gone":    "deregistered",
		"svc_maint":   "maint",
		"svc_drain":   "drain",
		"svc_dup":     "duplicate",
		"svc_bad":     "malformed",
	} {
		if got := s.codes(svc); !got[want] {
			t.Errorf("%s: want %s, got %v", svc, want, got)
		}
	}
	found := false
	for _, svc := range s.Services {
		if svc.Name == "svc_empty" {
			found = true
			if svc.Summary.Worst != "no_registrations" {
				t.Errorf("svc_empty worst = %q, want no_registrations", svc.Summary.Worst)
			}
		}
		if svc.Name == "svc_ok" && (svc.Summary.Registered != 2 || svc.Summary.Up != 2) {
			t.Errorf("svc_ok summary %+v, want 2 registered, 2 up", svc.Summary)
		}
	}
	if !found {
		t.Errorf("svc_empty missing from services")
	}
	if len(s.HAProxy) != 1 || s.HAProxy[0].Socket != "main" || len(s.HAProxy[0].Servers) < 8 {
		t.Errorf("raw HAProxy side incomplete: %+v", s.HAProxy)
	}

	// HAProxy alone works too, and lists every server.
	s, _, code = snapshot(t, "--haproxy", h.Socket)
	if code != 0 || len(s.HAProxy) != 1 || len(s.HAProxy[0].Servers) < 8 {
		t.Fatalf("HAProxy-only snapshot: exit %d, %+v", code, s.HAProxy)
	}

	// A dead ZooKeeper: exit 1 with the reason on stderr, HAProxy still shown.
	_, stderr, code = snapshot(t, "--zk", "127.0.0.1:1", "--haproxy", h.Socket)
	if code != 1 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Fatalf("dead ZooKeeper: exit %d stderr %q", code, stderr)
	}

	// The human table names the situations too.
	out, _, code := run(t, nil, "snapshot", "--timeout", "5s", "--zk", z.Addr, "--haproxy", h.Socket)
	if code != 0 || !strings.Contains(out, "svc_down") || !strings.Contains(out, "missing_in_haproxy") {
		t.Fatalf("table exit %d:\n%s", code, out)
	}
	_ = fmt.Sprint
}
