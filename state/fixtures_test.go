package state

import (
	"github.com/stacktui/stacktui/haproxy"
	"reflect"
	"testing"
)

// The stale-session capture: Nerve restarted, its old session (0x100000a8a540001)
// still holds a duplicate of 31001 and the registration of the dead 31002,
// which HAProxy shows DOWN L4CON.
func TestFixtureStaleSession(t *testing.T) {
	reg, h := loadFixture(t, "stale-session")
	v := Join(reg, nil, Config{Now: t0})
	if len(v.Services) != 1 {
		t.Fatalf("registry-only view has %d services", len(v.Services))
	}
	v = Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0})
	if len(v.Services) != 1 {
		t.Fatalf("%d services, want only svc_a (the stats listen proxy is not a service)", len(v.Services))
	}
	s := svcOf(t, v, "svc_a")
	if s.Summary.Registered != 2 || s.Summary.Duplicates != 1 || s.Summary.Up != 1 || s.Summary.Worst != CodeDown {
		t.Errorf("summary = %+v, want 2 registered +1 duplicate, 1 up, worst down", s.Summary)
	}
	live := instOf(t, s, "ss-accept-host_127.0.0.1:31001")
	if got := codes(live.Diagnoses); !reflect.DeepEqual(got, []Code{CodeDuplicate, CodeOK}) {
		t.Errorf("31001 codes = %v", got)
	}
	if live.Registration.Node != "ss-accept-host_0000000004" || len(live.Duplicates()) != 1 || live.Duplicates()[0].Node != "ss-accept-host_0000000000" {
		t.Errorf("31001 should keep the live Nerve's registration first, got %s + %v", live.Registration.Node, live.Duplicates())
	}
	for _, want := range []string{"session 0x100001590470001, the newest", "session 0x100000a8a540001", "vanishes when that session expires"} {
		if !anyContains(live.Diagnoses, want) {
			t.Errorf("31001 duplicate text lacks %q: %v", want, live.Diagnoses)
		}
	}
	dead := instOf(t, s, "ss-accept-host_127.0.0.1:31002")
	if got := codes(dead.Diagnoses); !reflect.DeepEqual(got, []Code{CodeDown, CodeStaleSession}) {
		t.Errorf("31002 codes = %v (%v)", got, dead.Diagnoses)
	}
	for _, want := range []string{"nothing listens on 127.0.0.1:31002", "registered by session 0x100000a8a540001, which also holds ss-accept-host_0000000000, an older duplicate of ss-accept-host_0000000004", "dead Nerve's leftover"} {
		if !anyContains(dead.Diagnoses, want) {
			t.Errorf("31002 text lacks %q: %v", want, dead.Diagnoses)
		}
	}
	if len(s.Instances) != 2 {
		t.Errorf("%d instances, want 2", len(s.Instances))
	}
}

// The deregistered capture: the old session expired; 31002 is unregistered
// and Synapse disabled it (MAINT).
func TestFixtureDeregistered(t *testing.T) {
	reg, h := loadFixture(t, "deregistered")
	v := Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0})
	s := svcOf(t, v, "svc_a")
	if s.Summary.Registered != 1 || s.Summary.Up != 1 || s.Summary.Worst != CodeDeregistered {
		t.Errorf("summary = %+v, want 1 registered, 1 up, worst deregistered", s.Summary)
	}
	if got := codes(instOf(t, s, "ss-accept-host_127.0.0.1:31001").Diagnoses); !reflect.DeepEqual(got, []Code{CodeOK}) {
		t.Errorf("31001 codes = %v", got)
	}
	gone := instOf(t, s, "ss-accept-host_127.0.0.1:31002")
	if gone.Registration != nil || !reflect.DeepEqual(codes(gone.Diagnoses), []Code{CodeDeregistered}) {
		t.Errorf("31002 = %+v, want unregistered and deregistered", gone)
	}
	if s.Instances[0].Server != "ss-accept-host_127.0.0.1:31001" {
		t.Errorf("registered instances must come first: %s", s.Instances[0].Server)
	}
}

// HAProxy-only mode over a real capture lists the Synapse backend, not the
// stats listen proxy.
func TestFixtureHAProxyOnly(t *testing.T) {
	_, h := loadFixture(t, "deregistered")
	v := Join(nil, []*haproxy.Snapshot{h}, Config{Now: t0})
	if len(v.Services) != 1 || v.Services[0].Name != "svc_a" {
		t.Fatalf("services = %+v", v.Services)
	}
	s := &v.Services[0]
	if s.Summary.Up != 1 || s.Summary.Worst != CodeMaint {
		t.Errorf("summary = %+v", s.Summary)
	}
}
